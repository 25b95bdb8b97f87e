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

from pipeline.material.meeting import load_meeting
from pipeline.web.app import WebConfig, create_app
from tests.web.jobs import wait


ROOT = Path(__file__).resolve().parents[2]
MEETING = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"
H = {"X-Duizhao": "1"}


@pytest.fixture
def client(tmp_path, retriever, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app(WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever,
                               model_available=lambda: False))
    return TestClient(app, base_url="http://127.0.0.1")


def upload(client: TestClient, data: dict | bytes, name: str = "会议.yaml"):
    raw = data if isinstance(data, bytes) else yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    return client.post("/api/profile", files={"file": (name, raw)}, headers=H)


def downloaded_meeting(client: TestClient, tmp_path: Path):
    reply = client.get("/api/profile.yaml")
    assert reply.status_code == 200, reply.text
    assert "-%E4%BC%9A%E8%AE%AE.yaml" in reply.headers["content-disposition"]  # …-会议.yaml
    path = tmp_path / "downloaded.yaml"
    path.write_bytes(reply.content)
    return load_meeting(path)


@pytest.mark.slow
def test_meeting_file_to_every_document(client, tmp_path):
    original, _ = load_meeting(MEETING)
    members = [m.name for m in original.members]
    assert upload(client, MEETING.read_bytes()).json() == {"redirect": "/form"}
    page = client.get("/form").text
    assert all(f'value="{name}"' in page for name in members)
    assert "对网格员管理偏松" in page  # a criticism, in the member's criticism boxes
    # A member's own 剖析 per root and a problem's root are inputs of the member's part of the form.
    assert 'data-mc="宗旨意识" value="到居民家里听意见少，对居民的难处体会不深"' in page
    assert '<option value="担当精神" selected>' in page
    # The form gives back the same meeting file it was loaded from.
    again, _ = downloaded_meeting(client, tmp_path)
    assert again.model_dump() == original.model_dump()
    started = client.post("/api/draft", json={"offline": True}, headers=H).json()
    assert started["redirect"] == "/meeting" and len(started["items"]) == 1 + len(members)
    status = wait(client, started["job"])
    assert status["status"] == "done", status["message"]
    finished = {e["key"] for e in status["events"] if e["kind"] == "done-item"}
    assert finished == {item["key"] for item in started["items"]}  # every material reported done
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
    assert 'href="/meeting"' in client.get("/form").text  # the drafted meeting is one click from the form


def meeting_form(members: list[dict]) -> dict:
    """What the page sends for a meeting typed in by hand: the 班子's part, then the members."""
    return {"spec": "generic-zuzhi", "unit_name": "河西村党支部", "self_name": "支部班子", "year": "2025",
            "aspects": {"思想认识": [{"problem": "学习和村里工作结合不紧", "facts": ["全年集中学习6次，4次是读文件"],
                                  "measure": "每次学习围绕一件村里实事研讨", "owner": "周明", "deadline": "2026年6月底"}]},
            "members": members}


TWO = [{"name": "周明", "post": "支部书记", "duties": ["支部全面工作"],
        "aspects": {"作为担当": [{"problem": "推动村道硬化办法不多", "facts": ["3公里村道拖了一年没有动工"],
                                  "measure": "每月召开一次协调会", "deadline": "2026年5月底"}]},
        "criticisms": {"李芳": ["发展党员谈话不及时，2名积极分子半年没有谈话记录"]}},
       {"name": "李芳", "post": "组织委员", "duties": ["组织工作"],
        "aspects": {"纪律规矩": [{"problem": "党费收缴提醒不及时", "facts": ["有5名流动党员党费拖欠3个月"]}]},
        "criticisms": {"周明": ["开支委会临时通知多，上半年有2次当天才通知"]}}]


@pytest.mark.slow
def test_a_meeting_typed_into_the_form_drafts_every_material(client, tmp_path):
    assert client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H).status_code == 200
    assert client.post("/api/form", json=meeting_form(TWO), headers=H).status_code == 200
    meeting, _ = downloaded_meeting(client, tmp_path)
    assert [m.name for m in meeting.members] == ["周明", "李芳"]
    assert meeting.member("李芳").criticisms == {"周明": ["开支委会临时通知多，上半年有2次当天才通知"]}
    assert meeting.member("周明").aspects["作为担当"][0].deadline == "2026年5月底"
    started = client.post("/api/draft", json={"offline": True}, headers=H).json()
    status = wait(client, started["job"])
    assert status["status"] == "done", status["message"]
    page = client.get("/meeting").text
    assert page.count("<td>个人对照检查材料</td>") == 2 and page.count("<td>相互批评意见</td>") == 2
    assert "请在表单的“会议安排与结果”中填写" in page and "session" not in page.split('id="session-facts"')[1][:200]
    # The personal material is the member's own: her problem and fact, in her voice.
    archive = zipfile.ZipFile(io.BytesIO(client.get("/meeting/all.zip").content))
    personal = next(n for n in archive.namelist() if "李芳" in n and n.endswith(".md") and "批评" not in n)
    text = archive.read(personal).decode("utf-8")
    assert "有5名流动党员党费拖欠3个月" in text and "我" in text


@pytest.mark.parametrize("change, message", [
    (lambda m: m[1].update(post=""), "班子成员“李芳”：请填写职务"),
    (lambda m: m[1].update(name=""), "第 2 位班子成员：请填写姓名"),
    (lambda m: m[0]["criticisms"].update({"王五": ["意见"]}), "“王五”已不在成员名单中"),
    (lambda m: m[0]["criticisms"].update({"周明": ["意见"]}), "不能对自己提批评意见"),
    (lambda m: m[1]["aspects"]["纪律规矩"][0].update(problem=""), "班子成员“李芳”：“纪律规矩”第 1 行"),
])
def test_a_meeting_form_that_cannot_be_a_meeting_file_is_one_message(client, change, message):
    members = yaml.safe_load(yaml.safe_dump(TWO, allow_unicode=True))
    change(members)
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    assert client.post("/api/form", json=meeting_form(members), headers=H).status_code == 200
    reply = client.post("/api/draft", json={"offline": True}, headers=H)
    assert reply.status_code == 400 and message in reply.json()["error"], reply.json()
    assert "\n" not in reply.json()["error"]
    assert client.get("/api/profile.yaml").status_code == 400  # no YAML that `duizhao draft` would refuse
    assert client.get("/meeting", follow_redirects=False).status_code == 303  # nothing drafted


def test_switching_spec_keeps_members_and_typed_rows(client):
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    client.post("/api/form", json=meeting_form(TWO), headers=H)
    assert client.post("/api/spec", json={"spec": "2024-dangji-zuzhi", "replace": True},
                       headers=H).status_code == 200
    page = client.get("/form").text
    assert 'value="周明"' in page and 'value="李芳"' in page and "开支委会临时通知多" in page
    assert "学习和村里工作结合不紧" in page and "推动村道硬化办法不多" in page  # typed rows are not lost


def test_a_members_other_fields_survive_the_page_autosave(client, tmp_path):
    township = MEETING.parent / "township-2025-niandu.yaml"
    assert upload(client, township.read_bytes()).status_code == 200
    original, _ = load_meeting(township)
    first = original.members[0]
    assert first.campaign  # the page has no inputs for this: it must come back unchanged
    # The page sends only what it shows (members without their campaign or case study).
    page_members = [{"name": m.name, "post": m.post, "duties": m.duties,
                     "aspects": {k: [p.model_dump() for p in v] for k, v in m.aspects.items()},
                     "last_year": [r.model_dump() for r in m.last_year], "criticisms": m.criticisms}
                    for m in original.members]
    state = client.get("/form")  # loads the form: the page then autosaves what it has
    assert state.status_code == 200
    form = {"spec": original.meeting.spec, "unit_name": original.unit.name, "members": page_members}
    assert client.post("/api/form", json=form, headers=H).status_code == 200
    again, _ = downloaded_meeting(client, tmp_path)
    assert again.member(first.name).campaign == first.campaign
    assert again.member(first.name).case_study == first.case_study


def test_a_meeting_whose_group_part_lives_elsewhere_is_refused(client):
    data = yaml.safe_load(MEETING.read_text(encoding="utf-8"))
    data["profile"] = "../agency-2024-dangji.yaml"
    reply = upload(client, data)
    assert reply.status_code == 400 and "profile: ../agency-2024-dangji.yaml" in reply.json()["error"]


def test_bad_meeting_file_changes_nothing(client):
    data = yaml.safe_load(MEETING.read_text(encoding="utf-8"))
    first = data["members"][0]
    first["criticisms"] = {"不存在的人": ["希望多下基层。"]}
    reply = upload(client, data)
    assert reply.status_code == 400 and "不存在的人" in reply.json()["error"] and "\n" not in reply.json()["error"]
    assert client.get("/form", follow_redirects=False).status_code == 303
    assert client.get("/meeting", follow_redirects=False).status_code == 303
    assert client.get("/meeting/all.zip").status_code == 404


def test_a_problem_raised_in_opinions_keeps_its_source_through_the_form(client, tmp_path):
    township = MEETING.parent / "township-2025-niandu.yaml"
    original, _ = load_meeting(township)
    raised = [("班子", p.problem) for _, p in original.problems() if p.source == "征求意见"] + \
        [(m.name, p.problem) for m in original.members for _, p in m.problems() if p.source == "征求意见"]
    assert len(raised) == 2  # the example shows one of the 班子's and one of a member's
    assert upload(client, township.read_bytes()).status_code == 200
    page = client.get("/form").text
    # Each such row carries the source in a hidden input and shows the tag the clerk can remove; others hide it.
    assert page.count('<input type="hidden" data-r="source" value="征求意见">') == 2
    assert page.count('<span class="source-tag">来自征求意见') == 2
    again, _ = downloaded_meeting(client, tmp_path)
    assert [("班子", p.problem) for _, p in again.problems() if p.source == "征求意见"] + \
        [(m.name, p.problem) for m in again.members for _, p in m.problems() if p.source == "征求意见"] == raised
    # The page confirms a pasted opinion into a row: its hidden input is saved, and the clerk's removal too.
    form = meeting_form(yaml.safe_load(yaml.safe_dump(TWO, allow_unicode=True)))
    form["aspects"]["思想认识"][0]["source"] = "征求意见"
    form["members"][1]["aspects"]["纪律规矩"][0]["source"] = "征求意见"
    assert client.post("/api/spec", json={"spec": "generic-zuzhi", "replace": True}, headers=H).status_code == 200
    assert client.post("/api/form", json=form, headers=H).status_code == 200
    typed, _ = downloaded_meeting(client, tmp_path)
    assert typed.aspects["思想认识"][0].source == typed.member("李芳").aspects["纪律规矩"][0].source == "征求意见"
    assert typed.member("周明").aspects["作为担当"][0].source == ""
    form["aspects"]["思想认识"][0]["source"] = ""
    assert client.post("/api/form", json=form, headers=H).status_code == 200
    assert downloaded_meeting(client, tmp_path)[0].aspects["思想认识"][0].source == ""
    assert 'data-r="source" value="征求意见"' in client.get("/form").text  # 李芳's row still has it


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
    gaps = profile.case_study.gaps if profile.case_study else []
    assert len(body) == len(problems) + len(gaps)
    assert [row[5] for row in body[:len(problems)]] == [p.owner for p in problems]  # 责任人 as the unit gave them
    assert [row[3] for row in body] == ["班子查摆"] * len(problems) + ["案例对照"] * len(gaps)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/download/zip").content))
    assert any(name.endswith("整改清单.xlsx") for name in archive.namelist())


@pytest.mark.slow
def test_a_drafted_material_opens_in_review_with_its_findings(client):
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    client.post("/api/form", json=meeting_form(TWO), headers=H)
    status = wait(client, client.post("/api/draft", json={"offline": True}, headers=H).json()["job"])
    assert status["status"] == "done", status["message"]
    page = client.get("/meeting").text
    # Each material's findings are listed under its check result, not only counted.
    assert 'class="doc-findings"' in page and "sev-warning" in page
    buttons = re.findall(r'<button type="button" class="review-doc" data-n="(\d+)">', page)
    assert len(buttons) == 3  # the 班子's material and each member's (the sheets and 整改清单 have no draft record)
    names = [client.get(f"/meeting/files/{n}").headers["content-disposition"] for n in buttons]
    member = buttons[next(i for i, d in enumerate(names) if "%E6%9D%8E%E8%8A%B3" in d)]  # 李芳
    assert client.post(f"/api/meeting/review/{member}", headers=H).json() == {"redirect": "/review"}
    review = client.get("/review").text
    shown = re.sub(r"<[^>]+>", "", review)
    assert "有5名流动党员党费拖欠3个月" in shown and "李芳同志" in shown and 'href="/meeting"' in review
    assert client.post("/api/meeting/review/999", headers=H).status_code == 404
    not_json = next(n for n in range(10) if n not in map(int, buttons))
    assert client.post(f"/api/meeting/review/{not_json}", headers=H).status_code == 404


def test_an_edit_in_a_meetings_material_survives_opening_another_and_reaches_every_download(client):
    client.post("/api/spec", json={"spec": "generic-zuzhi"}, headers=H)
    client.post("/api/form", json=meeting_form(TWO), headers=H)
    status = wait(client, client.post("/api/draft", json={"offline": True}, headers=H).json()["job"])
    assert status["status"] == "done", status["message"]
    buttons = re.findall(r'<button type="button" class="review-doc" data-n="(\d+)">', client.get("/meeting").text)
    first, second = buttons[1], buttons[2]
    client.post(f"/api/meeting/review/{first}", headers=H)
    edited = client.post("/api/paragraph", json={"index": 2, "text": "本人亲笔改写的一段话，须出现在下载中。"}, headers=H)
    assert edited.status_code == 200, edited.text
    client.post(f"/api/meeting/review/{second}", headers=H)  # another member's material
    assert "本人亲笔改写的一段话" not in client.get("/review").text
    client.post(f"/api/meeting/review/{first}", headers=H)  # and back: the edit is there
    assert "本人亲笔改写的一段话" in client.get("/review").text
    record = client.get(f"/meeting/files/{first}").headers["content-disposition"]
    stem = record.split("''", 1)[1].rsplit(".", 1)[0]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/meeting/all.zip").content))
    from urllib.parse import unquote
    import docx

    name = unquote(stem)
    word = docx.Document(io.BytesIO(archive.read(f"{name}.docx")))
    assert any("本人亲笔改写的一段话" in p.text for p in word.paragraphs)
    assert "本人亲笔改写的一段话" in archive.read(f"{name}.md").decode("utf-8")
    others = [n for n in archive.namelist() if n.endswith(".md") and n != f"{name}.md"]
    assert others and all("本人亲笔改写的一段话" not in archive.read(n).decode("utf-8") for n in others)
