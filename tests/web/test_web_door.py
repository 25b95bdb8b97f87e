"""The workbench goes through the same door as the CLI: an upload is read by the CLI's strict loader, and the
review page shows what `duizhao check` finds on the same draft."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipeline.cli.main import app as cli_app
from pipeline.web.app import SESSION_COOKIE, WebConfig, create_app
from tests.web.jobs import wait

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"
MEETING = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"
H = {"X-Duizhao": "1"}


@pytest.fixture(autouse=True)
def _cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "web-cache"))


@pytest.fixture
def client(tmp_path, retriever):
    config = WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever, model_available=lambda: False)
    return TestClient(create_app(config), base_url="http://127.0.0.1")


def cli(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def _upload(client, data: bytes, name: str = "资料.yaml"):
    return client.post("/api/profile", files={"file": (name, data)}, headers=H)


def _refused_alike(client, tmp_path, text: str, *expected: str) -> None:
    path = tmp_path / "资料.yaml"
    path.write_text(text, encoding="utf-8")
    code, out = cli("draft", path, "--offline", "-o", tmp_path / "out")
    assert code == 2, out
    reply = _upload(client, text.encode("utf-8"))
    assert reply.status_code == 400, reply.text
    message = reply.json()["error"]
    for part in expected:
        assert part in message and part in out.replace("\n", ""), (message, out)
    assert client.get("/form", follow_redirects=False).status_code == 303  # nothing was taken in


def test_duplicate_keys_are_refused_with_both_lines_like_the_cli(client, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    doubled = text + "aspects:\n  政治纪律:\n    - problem: 另写的问题\n"
    first = 1 + text.splitlines().index("aspects:")
    second = len(text.splitlines()) + 1
    _refused_alike(client, tmp_path, doubled, "“aspects”出现了两次", f"第 {first} 行和第 {second} 行")


def test_an_unknown_aspect_is_refused_like_the_cli_never_moved_to_the_nearest(client, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace("  组织纪律:\n", "  组织纪律性:\n", 1)
    _refused_alike(client, tmp_path, text, "方面“组织纪律性”不是会议", "最接近的是")


def test_a_meeting_file_with_a_doubled_member_key_is_refused(client):
    text = MEETING.read_text(encoding="utf-8")
    doubled = text.replace("members:\n", "members: []\nmembers:\n", 1)
    reply = _upload(client, doubled.encode("utf-8"), "会议.yaml")
    assert reply.status_code == 400 and "出现了两次" in reply.json()["error"]


def test_a_spec_path_in_an_upload_is_never_opened(client, tmp_path):
    spec = tmp_path / "mine.yaml"
    shutil.copy(ROOT / "specs" / "2024-dangji-zuzhi.yaml", spec)
    text = EXAMPLE.read_text(encoding="utf-8").replace("spec: 2024-dangji-zuzhi", f"spec: {spec}")
    reply = _upload(client, text.encode("utf-8"))
    assert reply.status_code == 400 and "未知的会议规范" in reply.json()["error"]


def _findings_on_page(page: str) -> list[tuple[str, str]]:
    items = re.findall(r'<li><span class="sev sev-(\w+)">.*?</span>\s*(.*?)</li>', page, flags=re.S)
    return sorted((sev, html.unescape(re.sub(r"<[^>]+>", "", body)).split("：", 1)[1].strip()) for sev, body in items)


def test_the_review_page_and_check_find_the_same_on_the_same_draft(client, tmp_path):
    assert _upload(client, EXAMPLE.read_bytes()).status_code == 200
    job = client.post("/api/draft", json={"offline": True}, headers=H).json()["job"]
    wait(client, job)
    # An edit too: the page rechecks the edited text the same way.
    # An edit that praises the unit in its problems: the additions check (once skipped by the page) sees it.
    page = client.get("/review").text
    # The 范文 beside each part are named by their titles, never by the packaged file names.
    assert "参考范文" in page and not re.search(r"\d{3}_[0-9a-f]{16}\.txt", page)
    index, text = next((int(n), html.unescape(re.sub(r"<[^>]+>", "", body)))
                       for n, body in re.findall(r'data-index="(\d+)">\s*<div class="text">(.*?)</div>', page, flags=re.S)
                       if "执法案例" in body)
    edited = client.post("/api/paragraph", json={"index": index, "text": text + "但总体上成效显著。"}, headers=H)
    assert edited.status_code == 200, edited.text
    folder = tmp_path / "data" / "sessions" / client.cookies[SESSION_COOKIE]
    draft = tmp_path / "draft.txt"
    shutil.copy(folder / "draft.txt", draft)
    code, out = cli("check", draft, "--spec", "2024-dangji-zuzhi", "--profile", folder / "drafted-profile.yaml",
                    "--json")
    report = json.loads(out)
    assert code == (0 if report["ok"] else 1)
    from_cli = sorted((f["severity"], f["message"]) for f in report["findings"])
    on_page = _findings_on_page(client.get("/review").text)
    assert on_page == from_cli
    assert "praise" in {f["code"] for f in report["findings"]}
