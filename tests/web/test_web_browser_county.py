"""In real headless Chromium: several materials chosen at once in the start page's file picker are reviewed and
listed one row per material with the workbook to download; a filled 整改台账 shows its overdue and done rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.live import CHROMIUM, chromium_page, offline_workbench
from tests.web.test_web_county import ledger  # noqa: F401 - the filled ledger fixture

pytestmark = [pytest.mark.slow, pytest.mark.chromium,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")]
SEEDS = sorted((Path(__file__).resolve().parents[2] / "corpus").glob("*.txt"))


@pytest.fixture
def page(tmp_path, retriever, monkeypatch):
    with offline_workbench(tmp_path, retriever, monkeypatch) as base, chromium_page(base) as page:
        yield page


def test_several_materials_and_the_ledger_from_the_start_page(page, tmp_path, ledger):  # noqa: F811
    from playwright.sync_api import expect

    copy = tmp_path / "抄送.txt"
    copy.write_text(SEEDS[0].read_text(encoding="utf-8"), encoding="utf-8")
    page.locator("#county-files").set_input_files([str(SEEDS[0]), str(SEEDS[1]), str(copy)])
    page.locator("#county-upload").click()
    page.wait_for_url("**/county")
    expect(page.locator("table.county tbody tr")).to_have_count(3)
    expect(page.locator("//table[contains(@class, 'county')]//tr[td[1]='抄送.txt']")).to_contain_text(f"与 {SEEDS[0].name}")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载审查结果（.xlsx）").click()
    assert download.value.suggested_filename == "审查结果.xlsx"
    page.get_by_role("link", name="返回首页").click()
    page.locator("#ledger-file").set_input_files(str(ledger))
    page.locator("#ledger-upload").click()
    page.wait_for_url("**/ledger")
    expect(page.locator("table.ledger-overdue")).to_contain_text("2025年6月底")
    expect(page.locator("table.ledger-done")).to_contain_text("调度会记录12份")
    expect(page.get_by_role("link", name="下载进展报告（.docx）")).to_be_visible()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    with page.expect_download() as report:
        page.get_by_role("link", name="下载进展报告（.docx）").click()
    assert report.value.suggested_filename.endswith("进展报告.docx") and asked == []  # no empty alert on a page without a message box
