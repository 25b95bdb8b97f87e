"""In real headless Chromium with a model configured (the real HTTP client against the stub endpoint): the clerk
ticks 请模型逐段核对 beside 严格模式, the choice is autosaved and survives a reload, and drafting with the model
then asks the endpoint to check each item."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.web.app import WebConfig
from tests.web.live import CHROMIUM, chromium_page, live_server

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "agency-2024-dangji.yaml"
CHECK = "逐句核对"  # prompts/verify.txt


def test_the_check_is_ticked_kept_and_asked_for(tmp_path, retriever, stub_server, monkeypatch):
    from playwright.sync_api import expect

    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_BASE_URL", stub_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456")
    monkeypatch.setenv("DUIZHAO_MODEL", "stub-model")
    stub_server.default = None
    stub_server.responder = lambda request: ("无" if CHECK in json.dumps(request, ensure_ascii=False)
                                             else "4次集中学习中只有1次结合执法案例开展讨论。")
    config = WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever)
    with live_server(config) as (base, _), chromium_page(base) as page:
        page.locator("#profile-file").set_input_files(str(EXAMPLE))
        page.locator("#profile-upload").click()
        page.wait_for_url("**/form")
        box = page.get_by_label("请模型逐段核对（每段多一次请求，更慢）", exact=False)
        expect(box).not_to_be_checked()
        box.check()
        expect(page.locator("#saved")).to_have_text(re.compile(r"已自动保存 \d"))  # saved now, with its time
        page.reload()
        expect(box).to_be_checked()
        page.locator("input[name=mode][value=model]").check()
        page.locator("#draft").click()
        page.wait_for_url("**/review", timeout=120_000)
    assert any(CHECK in r.user_text for r in stub_server.chat_requests)
