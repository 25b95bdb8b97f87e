"""A meeting spec from an uploaded notice, through the workbench: read, confirmed, saved among the user's specs,
then the form follows it."""

from __future__ import annotations

import io

import docx



H = {"X-Duizhao": "1"}
NOTICE = """关于召开2026年度县级党员领导干部民主生活会的通知

各乡镇党委，县直各部门党组（党委）：
经县委同意，现就召开2026年度县级党员领导干部民主生活会有关事项通知如下。
一、会议主题
深入学习贯彻党的创新理论，以案为鉴、以案促改。
二、主要内容
围绕会议主题，重点从以下四个方面进行对照检查：一是带头深化理论武装、筑牢信仰之基；二是带头践行初心使命、增进民生福祉；三是带头严守纪律规矩、保持清正廉洁；四是带头担当作为、狠抓工作落实。
三、有关要求
会前要广泛征求意见，深入开展谈心谈话。
"""


def as_docx(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_notice_to_confirmed_spec_to_form(client, tmp_path):
    assert "从通知生成会议规范" in client.get("/").text
    reply = client.post("/api/notice", files={"file": ("通知.docx", as_docx(NOTICE))}, headers=H)
    assert reply.status_code == 200, reply.text
    spec = reply.json()["spec"]
    assert spec["aspects"] == ["带头深化理论武装、筑牢信仰之基", "带头践行初心使命、增进民生福祉",
                               "带头严守纪律规矩、保持清正廉洁", "带头担当作为、狠抓工作落实"]
    assert spec["meeting"] == "民主生活会" and spec["year"] == 2026
    assert not list((tmp_path / "home").rglob("*.yaml"))  # nothing saved before the user confirms
    confirmed = client.post("/api/notice/confirm", json={"id": "2026-county-minzhu"}, headers=H)
    assert confirmed.json() == {"redirect": "/form", "spec": "2026-county-minzhu"}
    assert (tmp_path / "home" / "specs" / "2026-county-minzhu.yaml").is_file()
    form = client.get("/form").text
    assert "带头践行初心使命、增进民生福祉" in form and "2026-county-minzhu" in form
    assert "2026-county-minzhu" in client.get("/").text  # listed among the specs from now on


def test_bad_notices(client):
    no_list = client.post("/api/notice", files={"file": ("通知.txt", "请各单位认真做好准备。".encode())}, headers=H)
    assert no_list.status_code == 400 and "\n" not in no_list.json()["error"]
    corrupt = client.post("/api/notice", files={"file": ("通知.docx", b"PK\x03\x04broken")}, headers=H)
    assert corrupt.status_code == 400
    wrong = client.post("/api/notice", files={"file": ("通知.pdf", b"%PDF-1.7")}, headers=H)
    assert wrong.status_code == 400 and "应为 .docx / .txt / .md" in wrong.json()["error"]
    nothing = client.post("/api/notice/confirm", json={"id": "2026-x-minzhu"}, headers=H)
    assert nothing.status_code == 400 and nothing.json()["error"] == "请先上传会议通知"
    client.post("/api/notice", files={"file": ("通知.txt", NOTICE.encode())}, headers=H)
    for bad in ("../../evil", "2024-dangji-zuzhi", "Upper-Case"):
        assert client.post("/api/notice/confirm", json={"id": bad}, headers=H).status_code == 400
