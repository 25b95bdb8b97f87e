"""A whole meeting through the workbench: the meeting file in, every document drafted offline and checked,
each file and the 整改清单 downloadable."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from pipeline.web.app import WebConfig, create_app


ROOT = Path(__file__).resolve().parents[2]
MEETING = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"
H = {"X-Duizhao": "1"}


@pytest.fixture
def client(tmp_path, retriever, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever,
                               model_available=lambda: False))
    return TestClient(app, base_url="http://127.0.0.1")


@pytest.mark.slow
def test_meeting_file_to_every_document(client):
    members = [m["name"] for m in yaml.safe_load(MEETING.read_text(encoding="utf-8"))["members"]]
    reply = client.post("/api/profile", files={"file": ("会议.yaml", MEETING.read_bytes())}, headers=H)
    assert reply.json() == {"redirect": "/meeting"}
    page = client.get("/meeting").text
    assert all(name in page for name in members)
    job = client.post("/api/meeting/draft", json={"offline": True}, headers=H).json()["job"]
    for _ in range(1200):
        status = client.get(f"/api/jobs/{job}").json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "done", status["message"]
    page = client.get("/meeting").text
    assert "<td>整改清单（Excel）</td>" in page and page.count("<td>个人对照检查材料</td>") == len(members)
    links = sorted(set(int(n) for n in re.findall(r'href="/meeting/files/(\d+)"', page)))
    assert links == list(range(len(links)))
    names = []
    for number in links:
        file = client.get(f"/meeting/files/{number}")
        assert file.status_code == 200
        names.append(file.headers["content-disposition"])
    xlsx = next(n for n, d in zip(links, names) if ".xlsx" in d)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(f"/meeting/files/{xlsx}").content)).active
    assert sheet.max_row > 2  # the header, then one row per problem
    archive = zipfile.ZipFile(io.BytesIO(client.get("/meeting/all.zip").content))
    assert len(archive.namelist()) == len(links)
    assert client.get(f"/meeting/files/{len(links)}").status_code == 404


def test_bad_meeting_file_changes_nothing(client):
    data = yaml.safe_load(MEETING.read_text(encoding="utf-8"))
    first = data["members"][0]
    first["criticisms"] = {"不存在的人": ["希望多下基层。"]}
    reply = client.post("/api/profile", files={"file": ("会议.yaml", yaml.safe_dump(data, allow_unicode=True).encode())},
                        headers=H)
    assert reply.status_code == 400 and "不存在的人" in reply.json()["error"] and "\n" not in reply.json()["error"]
    assert client.get("/meeting", follow_redirects=False).status_code == 303
    assert client.get("/meeting/all.zip").status_code == 404


def test_unit_ledger_from_the_form(client):
    from openpyxl import load_workbook

    from pipeline.material.profile import load_profile

    example = ROOT / "examples" / "agency-2024-dangji.yaml"
    client.post("/api/profile", files={"file": ("unit.yaml", example.read_bytes())}, headers=H)
    job = client.post("/api/draft", json={"offline": True}, headers=H).json()["job"]
    for _ in range(600):
        if client.get(f"/api/jobs/{job}").json()["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert "/download/xlsx" in client.get("/review").text
    sheet = load_workbook(io.BytesIO(client.get("/download/xlsx").content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    profile = load_profile(example)
    problems = [p for ps in profile.aspects.values() for p in ps]
    body = [row for row in values if isinstance(row[0], int)]
    assert len(body) == len(problems)
    assert [row[3] for row in body] == [p.owner for p in problems]  # 责任人 as the unit gave them
    archive = zipfile.ZipFile(io.BytesIO(client.get("/download/zip").content))
    assert any(name.endswith("整改清单.xlsx") for name in archive.namelist())
