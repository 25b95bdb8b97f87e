"""The workbench shows the sentences a model wrote without support in the unit's material, coloured, and keeps
(本单位确认) or deletes each: the draft's text, its .json record, the downloads and the check all follow."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from fastapi.testclient import TestClient

from pipeline.draft.drafter import ModelDrafter
from pipeline.models.fake import QueuedChatModel
from pipeline.web.app import WebConfig, create_app
from tests.web.jobs import finished

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
H = {"X-Duizhao": "1"}
CLAIM = "政绩观存在偏差，碍于情面不愿较真碰硬。"
OTHER = "有的支部“三会一课”质量不高。"


@pytest.fixture(autouse=True)
def _cache(monkeypatch, tmp_path):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))


TOPICS = ["群众观", "权力观", "事业观", "地位观", "利益观", "荣辱观", "得失观", "苦乐观", "是非观", "义利观",
          "名利观", "人生观", "价值观", "世界观", "发展观", "民生观", "法治观", "责任观", "纪律观", "廉洁观"]


class Inventing(QueuedChatModel):
    """A capable model's habit: each answer adds an admission nobody in the unit made (a different one each time)."""

    def _next(self, messages, kwargs):
        super()._next(messages, kwargs)
        first = len(self.requests) == 1
        return (f"{CLAIM}{OTHER}" if first else "") + f"{TOPICS[len(self.requests) % len(TOPICS)]}存在偏差，碍于情面不愿批评。"


def model_client(tmp_path, retriever) -> TestClient:
    model = Inventing(default="")
    chat = lambda: ModelDrafter(model, "fake")  # noqa: E731
    config = WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever,
                       model_available=lambda: True, model_drafter=lambda: chat)
    return TestClient(create_app(config), base_url="http://127.0.0.1")


def draft(client: TestClient) -> None:
    assert client.post("/api/profile", files={"file": ("我支部.yaml", EXAMPLE.read_bytes())}, headers=H).status_code == 200
    job = client.post("/api/draft", json={"offline": False}, headers=H).json()["job"]
    finished(client, job)


def record_of(tmp_path: Path) -> dict:
    [path] = list((tmp_path / "data" / "sessions").glob("*/out/*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow  # a whole draft through the workbench, then re-checks: about 40 s
def test_keep_and_delete_from_the_review_page(tmp_path, retriever):
    client = model_client(tmp_path, retriever)
    draft(client)
    page = client.get("/review").text
    assert 'class="m-unsourced"' in page and "保留（本单位确认）" in page and CLAIM in page
    listed = record_of(tmp_path)["document"]["unsourced"]
    assert CLAIM in listed and OTHER in listed
    word = docx.Document(io.BytesIO(client.get("/download/docx").content))
    assert CLAIM in [r.text for p in word.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.PINK]
    assert "〖无依据：" in client.get("/download/md").text

    before = page.count('class="keep-sentence"')
    kept = client.post("/api/sentence", json={"sentence": CLAIM, "keep": True}, headers=H)
    assert kept.status_code == 200, kept.text
    record = record_of(tmp_path)
    confirmed = [s for i in record["items"] for s in i["sentences"] if s["text"] == CLAIM and s.get("confirmed")]
    assert len(confirmed) == 1 and confirmed[0]["source"] == "unit"
    deleted = client.post("/api/sentence", json={"sentence": OTHER, "keep": False}, headers=H)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["html"].count('class="keep-sentence"') < before
    after = record_of(tmp_path)
    assert len(after["document"]["unsourced"]) == len(listed) - 2
    assert sum(s["text"] == OTHER for i in after["items"] for s in i["sentences"]) == listed.count(OTHER) - 1
    text = client.get("/download/md").text
    assert text.count("〖无依据：") == len(listed) - 2
    word = docx.Document(io.BytesIO(client.get("/download/docx").content))
    assert len([r for p in word.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.PINK]) == len(listed) - 2
    # A sentence no longer marked cannot be decided again.
    client.post("/api/paragraph", json={"index": 0, "text": "标题"}, headers=H)
    gone = client.post("/api/sentence", json={"sentence": "从未写过的一句话。", "keep": True}, headers=H)
    assert gone.status_code == 400 and "已不在材料中" in gone.json()["error"]


def test_strict_is_a_form_setting_that_round_trips_through_the_profile():
    from pipeline.material.profile import load_profile
    from pipeline.web.forms import from_profile, to_profile

    form = from_profile(load_profile(EXAMPLE))
    assert form.strict == "" and to_profile(form).strict is False
    strict = to_profile(form.model_copy(update={"strict": "1"}))
    assert strict.strict is True and from_profile(strict).strict == "1" and "strict" not in from_profile(strict).extra
