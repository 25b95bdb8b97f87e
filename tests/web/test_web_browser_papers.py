"""The meeting's other documents in real headless Chromium: a fresh meeting file imported on the start page,
drafted offline from the form, the six documents listed on the meeting page and one downloaded and opened."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests.web.live import CHROMIUM, chromium_page
from tests.web.test_web_browser import server  # noqa: F401 — the fixture

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]
COUNTY = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "meetings" / "county-bureau-dangzu.yaml"


def test_meeting_documents_in_chromium(server, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    with chromium_page(server, timeout_ms=90_000, accept_downloads=True) as page:
        page.locator("#profile-file").set_input_files(str(COUNTY))
        page.locator("#profile-upload").click()
        page.wait_for_url("**/form")
        expect(page.locator("#draft")).to_have_text("起草全部会议材料")
        page.locator("#draft").click()
        page.wait_for_url("**/meeting")
        table = page.locator("table.meeting-files")
        for kind in ("会议方案", "征求意见表", "谈心谈话提纲", "主持词", "整改方案", "情况报告"):
            expect(table.locator("tr", has=page.locator("td", has_text=kind)).first).to_contain_text("通过")
        row = table.locator("tr", has_text="情况的报告")
        with page.expect_download() as download_info:
            row.get_by_role("link", name="docx").click()
        target = tmp_path / "report.docx"
        download_info.value.save_as(target)
    text = "".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "临川县水利局党组关于召开" in text and "2026年1月22日上午" in text and "共提出批评意见14条" in text
