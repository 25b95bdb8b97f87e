"""The workbench drafts a meeting from the form in memory: the session keeps the form it came from (no YAML copy
for the runner to read back), the meeting page and a new draft work from it, and an earlier meeting's folder goes
when the session is past its quota."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from pipeline.web.store import Session
from tests.web.test_web_meeting import H, TWO, meeting_form, wait


def drafted(client, form: dict, replace: bool = False) -> None:
    assert client.post("/api/form", json=form, headers=H).status_code == 200
    body = {"offline": True, "replace": True} if replace else {"offline": True}
    status = wait(client, client.post("/api/draft", json=body, headers=H).json()["job"])
    assert status["status"] == "done", status["message"]


@pytest.mark.slow  # four small meetings drafted offline
def test_a_meeting_is_drafted_from_memory_and_an_old_one_goes_past_the_quota(client, tmp_path):
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    drafted(client, meeting_form(TWO))
    session = Session(tmp_path / "data" / "sessions", client.cookies["duizhao_session"])
    assert not list(session.folder.glob("*.yaml"))  # nothing written for the runner to read back
    kept = json.loads(session.path("meeting-given.json").read_text(encoding="utf-8"))
    assert kept["form"]["unit_name"] == "河西村党支部" and [m["name"] for m in kept["form"]["members"]] == ["周明", "李芳"]
    page = client.get("/meeting").text
    assert "河西村党支部" in page and "<td>组织委员</td>" in page
    # The clerk edits one of its materials in the review page.
    button = re.search(r'class="review-doc" data-n="(\d+)"', page).group(1)
    assert client.post(f"/api/meeting/review/{button}", headers=H).status_code == 200
    assert client.post("/api/paragraph", json={"index": 2, "text": "亲笔改写。"}, headers=H).status_code == 200
    # The meeting page's own 起草全部材料 asks first too, with the question the page carries.
    assert client.post("/api/meeting/draft", json={"offline": True}, headers=H).status_code == 409
    assert "修改过 1 份会议材料" in client.get("/meeting").text
    # Other meetings (the unit renamed): drafting over the edited one is asked about first; earlier folders are
    # listed nowhere, and stay while within the quota.
    client.post("/api/form", json={**meeting_form(TWO), "unit_name": "河东村党支部"}, headers=H)
    assert client.post("/api/draft", json={"offline": True}, headers=H).status_code == 409
    drafted(client, {**meeting_form(TWO), "unit_name": "河东村党支部"}, replace=True)
    # Redrafted over the edit: the materials as the clerk left them are one download away.
    assert "下载重新起草前的材料" in client.get("/meeting").text
    previous = zipfile.ZipFile(io.BytesIO(client.get("/meeting/previous.zip").content))
    assert any("亲笔改写。" in previous.read(n).decode("utf-8") for n in previous.namelist() if n.endswith(".md"))
    drafted(client, {**meeting_form(TWO), "unit_name": "河南村党支部"})
    folders = sorted(p.name for p in session.path("meeting-out").iterdir() if p.is_dir())
    assert len(folders) == 3
    # Past the quota, the next draft (again from the form kept for this meeting) first removes the superseded
    # unedited one; the edited and the current stay.
    client.app.state.web.config.session_quota = 1
    client.post("/api/form", json={**meeting_form(TWO), "unit_name": "改了但未起草"}, headers=H)
    started = client.post("/api/meeting/draft", json={"offline": True}, headers=H).json()
    assert wait(client, started["job"])["status"] == "done"
    folders = sorted(p.name for p in session.path("meeting-out").iterdir() if p.is_dir())
    assert len(folders) == 2 and any("河西村" in f for f in folders) and any("河南村" in f for f in folders)
    page = client.get("/meeting").text
    assert "河南村党支部" in page and "改了但未起草" not in page
    archive = zipfile.ZipFile(io.BytesIO(client.get("/meeting/all.zip").content))
    assert any("李芳" in name for name in archive.namelist())


def test_a_meeting_naming_another_file_is_refused_in_the_clerks_words(client):
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    form = {**meeting_form(TWO), "extra": {"ledger_file": "../../上年度整改清单.xlsx"}}
    assert client.post("/api/form", json=form, headers=H).status_code == 200
    reply = client.post("/api/draft", json={"offline": True}, headers=H)
    assert reply.status_code == 400 and "ledger_file" in reply.json()["error"], reply.text
    assert client.get("/meeting", follow_redirects=False).status_code == 303


def test_a_session_from_before_keeps_its_meeting_page(client, tmp_path):
    """Sessions saved before kept the meeting as YAML: the page reads it once, as an upload, and keeps the form."""
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    client.post("/api/form", json=meeting_form(TWO), headers=H)
    session = Session(tmp_path / "data" / "sessions", client.cookies["duizhao_session"])
    session.path("meeting.yaml").write_bytes(client.get("/api/profile.yaml").content)
    page = client.get("/meeting")
    assert page.status_code == 200 and "河西村党支部" in page.text and "<td>组织委员</td>" in page.text
    assert not session.path("meeting.yaml").exists()
    assert session.meeting_given()[0].members[1].name == "李芳"
