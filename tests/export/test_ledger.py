"""The 整改清单: .xlsx (openpyxl, opened by LibreOffice) and the .docx table in the GB/T 9704 layout."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import pytest
from docx.shared import Mm
from openpyxl import load_workbook

from pipeline.export.ledger import ledger_docx, ledger_xlsx
from pipeline.export.preview import soffice_binary, to_pdf
from pipeline.material.meeting import group_profile, load_meeting
from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"

needs_soffice = pytest.mark.soffice


@pytest.fixture(scope="module")
def ledger():
    meeting, spec = load_meeting(TOWNSHIP)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)
    return ledger_title(meeting, spec), rows


def test_xlsx_has_the_header_row_then_one_row_per_problem(ledger):
    title, rows = ledger
    sheet = load_workbook(io.BytesIO(ledger_xlsx(title, ledger_header(), rows))).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["序号", "方面", "问题", "来源", "整改措施", "责任人", "完成时限", "状态", "完成情况", "佐证材料"]
    assert len(values) == 1 + len(rows) > 41
    assert values[1] == [1, "带头强化政治忠诚、提高政治能力", "贯彻上级决策部署有时打折扣", "班子查摆",
                         "建立重大决策部署落实台账，每月调度一次", "李明远", "2026年6月底", "整改中", None, None]
    assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2"
    # 状态 is picked from a list, for the drafted rows and the ones the clerk adds.
    [choice] = sheet.data_validations.dataValidation
    assert choice.type == "list" and choice.formula1 == '"未开始,整改中,已完成,长期坚持"'
    assert str(choice.sqref) == "H2:H1000"


def test_xlsx_marks_a_missing_owner(ledger):
    title, rows = ledger
    row = rows[0].model_copy(update={"owner": "", "deadline": ""})
    sheet = load_workbook(io.BytesIO(ledger_xlsx(title, ledger_header(), [row]))).active
    assert [c.value for c in sheet[2]][5:7] == ["【待补：责任人】", "【待补：完成时限】"]


def test_docx_table_in_the_gbt9704_layout(ledger):
    title, rows = ledger
    document = docx.Document(io.BytesIO(ledger_docx(title, ledger_header(), rows)))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    [heading] = document.paragraphs
    assert heading.text == title and heading.style.name == "公文标题"
    [table] = document.tables
    assert [c.text for c in table.rows[0].cells] == ["序号", "问题", "来源", "整改措施", "责任人", "完成时限", "状态"]
    assert len(table.rows) == 1 + len(rows)
    assert [c.text for c in table.rows[5].cells][1:5] == [rows[4].problem, rows[4].source, rows[4].measure, rows[4].owner]
    # Table properties in schema order (Word refuses a file otherwise).
    tags = [c.tag.rsplit("}", 1)[1] for c in table._tbl.tblPr]
    assert tags == ["tblW", "jc", "tblBorders", "tblLayout", "tblCellMar", "tblLook"]
    xml = table._tbl.xml
    assert "w:tblHeader" in xml and 'w:eastAsia="仿宋_GB2312"' in xml and 'w:eastAsia="黑体"' in xml
    widths = sum(c.width for c in table.rows[0].cells)
    assert abs(widths - Mm(156)) < Mm(1)  # as wide as the 版心


def in_order(needle: str, text: str) -> bool:
    rest = iter(text)
    return all(ch in rest for ch in re.sub(r"\s", "", needle))


def pdf_text(pdf: Path) -> tuple[str, dict[str, str]]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return text, dict(line.split(":", 1) for line in info.splitlines() if ":" in line)


@needs_soffice
@pytest.mark.slow
def test_xlsx_converts_to_pdf_with_libreoffice(ledger, tmp_path):
    title, rows = ledger
    source = tmp_path / "整改清单.xlsx"
    source.write_bytes(ledger_xlsx(title, ledger_header(), rows))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice_binary(), f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                       check=True, capture_output=True, timeout=180)
    text, info = pdf_text(tmp_path / "整改清单.pdf")
    flat = re.sub(r"\s", "", text)
    assert all(name in flat for name in ledger_header())
    for row in rows:
        assert in_order(row.problem, flat), row.problem
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape


@needs_soffice
@pytest.mark.slow
def test_docx_table_renders_on_a4_with_every_row(ledger, tmp_path):
    title, rows = ledger
    source = tmp_path / "整改清单.docx"
    source.write_bytes(ledger_docx(title, ledger_header(), rows))
    text, info = pdf_text(to_pdf(source, tmp_path))
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width), round(height)) == (595, 842)
    flat = re.sub(r"\s", "", text)
    assert re.sub(r"\s", "", title) in flat and "序号问题来源整改措施责任人完成时限状态" in flat
    # A cell wraps over several lines, read across the row: its characters stay in order.
    for row in rows:
        assert in_order(row.measure, flat), row.measure
    pages = int(info["Pages"].strip())
    assert re.findall(r"—\s*(\d+)\s*—", text) == [str(n) for n in range(1, pages + 1)]  # 公文 page numbers
