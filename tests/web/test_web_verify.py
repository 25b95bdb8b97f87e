"""The form's 逐段核对 choice: with a model configured, the clerk may ask the model to check each drafted item once
more (draft/verify.py). Drafted through the real HTTP client against the stub endpoint: with the choice, the
endpoint is asked to check, and a sentence it names is marked; without it, it is never asked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from pipeline.web.app import WebConfig, create_app
from pipeline.web.store import Session
from tests.web.jobs import finished
from tests.web.test_web_meeting import TWO, meeting_form

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
H = {"X-Duizhao": "1"}
FACT = "4次集中学习中只有1次结合执法案例开展讨论。"  # one of the example profile's facts
CHECK = "逐句核对"  # prompts/verify.txt


@pytest.fixture
def model_client(tmp_path, retriever, stub_server, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_BASE_URL", stub_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123456")
    monkeypatch.setenv("DUIZHAO_MODEL", "stub-model")
    # The check names sentence 2 as unsupported; every drafting request is answered with one of the unit's facts.
    stub_server.default = None
    stub_server.responder = lambda request: "2" if CHECK in json.dumps(request, ensure_ascii=False) else FACT
    return TestClient(create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever)),
                      base_url="http://127.0.0.1")


def with_check(client: TestClient, tmp_path: Path, value: str = "1") -> None:
    """The saved form with the 逐段核对 box ticked (or not), as the page's autosave sends it."""
    form = Session(tmp_path / "data" / "sessions", client.cookies["duizhao_session"]).form().model_dump(mode="json")
    assert client.post("/api/form", json={**form, "verify": value}, headers=H).status_code == 200


def checks(stub_server) -> int:
    return sum(CHECK in r.user_text for r in stub_server.chat_requests)


def unit_record(tmp_path: Path) -> dict:
    [path] = list((tmp_path / "data" / "sessions").glob("*/out/*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_choice_is_offered_only_with_a_model_and_stays_out_of_the_profile(tmp_path, retriever, model_client):
    plain = TestClient(create_app(WebConfig(data_dir=tmp_path / "plain", retriever_factory=lambda: retriever,
                                            model_available=lambda: False)), base_url="http://127.0.0.1")
    plain.post("/api/profile", files={"file": ("我支部.yaml", EXAMPLE.read_bytes())}, headers=H)
    assert 'data-f="verify"' not in plain.get("/form").text
    model_client.post("/api/profile", files={"file": ("我支部.yaml", EXAMPLE.read_bytes())}, headers=H)
    page = model_client.get("/form").text
    assert "请模型逐段核对（每段多一次请求，更慢）" in page and 'data-f="verify" value="1" >' in page
    with_check(model_client, tmp_path)
    assert 'data-f="verify" value="1" checked' in model_client.get("/form").text  # saved with the form
    assert "verify" not in yaml.safe_load(model_client.get("/api/profile.yaml").text)


def test_a_unit_drafted_with_the_check_asks_the_model_and_marks_what_it_names(tmp_path, model_client, stub_server):
    model_client.post("/api/profile", files={"file": ("我支部.yaml", EXAMPLE.read_bytes())}, headers=H)
    finished(model_client, model_client.post("/api/draft", json={"offline": False}, headers=H).json()["job"])
    drafted = len(stub_server.chat_requests)
    assert drafted and checks(stub_server) == 0  # not asked for: no extra request
    before = unit_record(tmp_path)
    assert not any("verified" in item["flags"] for item in before["items"])

    with_check(model_client, tmp_path)
    stub_server.clear()
    finished(model_client, model_client.post("/api/draft", json={"offline": False}, headers=H).json()["job"])
    # One check per item that holds a sentence of the unit's, no more.
    assert 0 < checks(stub_server) <= drafted
    after = unit_record(tmp_path)
    # The sentence the check names (the second: the unit's own 比如 or measure) was the unit's; now it is marked.
    named = [(old["sentences"][1], new["sentences"][1]) for old, new in zip(before["items"], after["items"])
             if "verified" in new["flags"] and len(new["sentences"]) > 1]
    assert named and all(o["source"] == "unit" and n["source"] == "model" and o["text"] == n["text"] for o, n in named)
    assert named[0][1]["text"] in after["document"]["unsourced"]


@pytest.mark.slow  # three meetings of two members drafted with the model
def test_a_meeting_drafted_with_the_check_asks_the_model(tmp_path, model_client, stub_server):
    model_client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    meeting_fact = "全年集中学习6次，4次是读文件。"
    stub_server.responder = lambda request: "2" if CHECK in json.dumps(request, ensure_ascii=False) else meeting_fact

    def drafted(path: str, form: dict | None) -> int:
        stub_server.clear()
        if form is not None:
            assert model_client.post("/api/form", json=form, headers=H).status_code == 200
        finished(model_client, model_client.post(path, json={"offline": False}, headers=H).json()["job"])
        assert stub_server.chat_requests
        return checks(stub_server)

    assert drafted("/api/draft", meeting_form(TWO)) == 0
    assert drafted("/api/draft", {**meeting_form(TWO), "verify": "1"}) > 0
    # The meeting page's own 起草全部材料 drafts from the form kept for that meeting: the choice goes with it
    # (its items' cache emptied, so every item is drafted, and checked, again).
    for cache in (tmp_path / "data" / "sessions").glob("*/meeting-out/**/.duizhao"):
        shutil.rmtree(cache)
    assert drafted("/api/meeting/draft", None) > 0
