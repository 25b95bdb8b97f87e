"""The meeting's other documents through the workbench: a fresh meeting file uploaded keeps its session and outcome
facts, drafts offline, and the meeting page lists and downloads 会议方案 … 情况报告, each passing its check."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as WordDocument

from pipeline.material.meeting import load_meeting
from tests.web.test_web_meeting import H, client, downloaded_meeting, upload, wait  # noqa: F401 — the fixture

ROOT = Path(__file__).resolve().parents[2]
COUNTY = ROOT / "tests" / "fixtures" / "meetings" / "county-bureau-dangzu.yaml"
KINDS = ["会议方案", "征求意见表", "谈心谈话提纲", "主持词", "整改方案", "情况报告"]


@pytest.mark.slow
def test_a_fresh_meeting_lists_and_downloads_its_six_documents(client, tmp_path):  # noqa: F811
    original, _ = load_meeting(COUNTY)
    assert upload(client, COUNTY.read_bytes()).json() == {"redirect": "/form"}
    again, _ = downloaded_meeting(client, tmp_path)
    assert again.session == original.session and again.outcome == original.outcome  # the form keeps them
    started = client.post("/api/draft", json={"offline": True}, headers=H).json()
    status = wait(client, started["job"])
    assert status["status"] == "done", status["message"]
    page = client.get("/meeting").text
    assert f"时间 {original.session.date}；地点 {original.session.place}；主持 周海涛" in page
    for kind in KINDS:
        assert f"<td>{kind}</td>" in page
    assert page.count("<td>谈心谈话提纲</td>") == len(original.members)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]*)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td></tr>", page, re.S)
    listed = {kind: cells for kind, *cells in rows if kind in KINDS}
    for kind, (title, verdict, links) in listed.items():
        assert "错误" not in verdict, (kind, verdict)  # each passes its own kind's check
        numbers = re.findall(r'href="/meeting/files/(\d+)"', links)
        assert len(numbers) == 2  # .md and .docx
        docx = next(client.get(f"/meeting/files/{n}") for n in numbers
                    if ".docx" in client.get(f"/meeting/files/{n}").headers["content-disposition"])
        text = "\n".join(p.text for p in WordDocument(io.BytesIO(docx.content)).paragraphs)
        assert re.sub(r"\s", "", text).startswith(re.sub(r"\s", "", title))
    report = client.get("/meeting/all.zip")
    archive = zipfile.ZipFile(io.BytesIO(report.content))
    text = archive.read("情况报告.md").decode("utf-8")
    assert original.session.date in text and f"共提出批评意见{original.outcome.criticisms}条" in text
