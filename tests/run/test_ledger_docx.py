"""The 整改清单 kept as a Word table: duizhao's own 整改清单.docx filled in cell by cell (python-docx, as a clerk
types into Word), and after a round trip through LibreOffice Writer, reads back as the .xlsx does; broken cells
are named by the table's row and column, merged cells count once, and its 完成情况 reach next year's draft."""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.shared import Mm
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.export.ledger import ledger_docx, ledger_xlsx
from pipeline.export.preview import soffice_binary
from pipeline.material.ledger_read import docx_tables, read_ledger
from pipeline.material.load import read_text
from pipeline.material.meeting import group_profile, load_meeting
from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows
from pipeline.run.last_year import meeting_last_year
from pipeline.run.ledger import check_ledger_file, review_ledger

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"
APRIL = date(2026, 4, 15)
# Row (as numbered in the table, header = 1) → 状态 and 完成情况, the same cells the .xlsx test fills.
FILLED = {2: ("已完成", "建立落实台账，每月调度1次，已调度12次"), 3: ("整改中", "发文计划已印发"), 4: ("已完成", "")}


@pytest.fixture
def meeting_rows():
    meeting, spec = load_meeting(TOWNSHIP)
    return ledger_title(meeting, spec), meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)


@pytest.fixture
def word(tmp_path, meeting_rows) -> Path:
    title, rows = meeting_rows
    path = tmp_path / "整改清单.docx"
    path.write_bytes(ledger_docx(title, ledger_header(), rows))
    return path


@pytest.fixture
def sheet(tmp_path, meeting_rows) -> Path:
    title, rows = meeting_rows
    path = tmp_path / "整改清单.xlsx"
    path.write_bytes(ledger_xlsx(title, ledger_header(), rows))
    return path


def column(table, name: str) -> int:
    return [c.text for c in table.rows[0].cells].index(name)


def fill_word(path: Path, filled: dict[int, tuple[str, str]], add_result: bool = True) -> Path:
    """As a clerk does in Word: a 完成情况 column added at the right, 状态 and 完成情况 typed into the cells."""
    document = docx.Document(str(path))
    table = document.tables[0]
    if add_result:
        table.add_column(Mm(30)).cells[0].text = "完成情况"
    for row, (status, result) in filled.items():
        cells = table.rows[row - 1].cells
        cells[column(table, "状态")].text = status
        if add_result:
            cells[column(table, "完成情况")].text = result
    document.save(str(path))
    return path


def fill_sheet(path: Path, filled: dict[int, tuple[str, str]]) -> Path:
    book = load_workbook(path)
    for row, (status, result) in filled.items():
        book.active[f"H{row}"], book.active[f"I{row}"] = status, result or None
    book.save(path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SHARED = ("row", "number", "problem", "source", "kind", "measure", "owner", "deadline", "status", "result", "due")


def same(entries) -> list[tuple]:
    return [tuple(getattr(e, name) for name in SHARED) for e in entries]


def test_a_filled_word_ledger_reads_back_as_the_sheet_does(word, sheet):
    from_word = review_ledger(fill_word(word, FILLED), APRIL)
    from_sheet = review_ledger(fill_sheet(sheet, FILLED), APRIL)
    assert not from_word.errors and from_word.title == from_sheet.title
    assert same(from_word.entries) == same(from_sheet.entries) and len(from_word.entries) > 5
    assert [e.row for e in from_word.done] == [2, 4] and [e.row for e in from_word.overdue] == [
        e.row for e in from_sheet.overdue] != []
    assert from_word.entries[0].at == "表格第2行" and from_sheet.entries[0].at == "第2行"
    warnings = " ".join(i.message for i in from_word.warnings)
    assert "表格第4行标为已完成，但 第8列（完成情况）为空" in warnings
    criticised = next(e for e in from_word.entries if e.source.startswith("相互批评"))
    assert f"表格第{criticised.row}行（未开始）第4列（整改措施）还没有填写" in warnings


def test_broken_cells_are_named_by_the_tables_row_and_column_and_nothing_is_rewritten(word, tmp_path):
    fill_word(word, {5: ("做完了", "")}, add_result=False)
    document = docx.Document(str(word))
    table = document.tables[0]
    table.rows[5].cells[1].text = ""  # 表格第6行: its 问题 wiped, the other cells kept
    table.rows[6].cells[6].text = ""
    document.save(str(word))
    before = digest(word)
    report = tmp_path / "进展报告.docx"
    review = check_ledger_file(word, APRIL, report)
    assert [i.message for i in review.errors] == [
        "表格第5行 第7列（状态）为“做完了”：应为 未开始/整改中/已完成/长期坚持 之一",
        "表格第6行 第2列（问题）为空，但这一行其他格有内容",
        "表格第7行 第7列（状态）为空：应为 未开始/整改中/已完成/长期坚持 之一"]
    assert not report.exists() and digest(word) == before


def test_merged_cells_count_once(word):
    document = docx.Document(str(word))
    table = document.tables[0]
    texts = [[c.text for c in row.cells] for row in table.rows]
    # One problem with two measures: the clerk clears the second row's 问题 and merges it into the first.
    table.rows[2].cells[1].text = ""
    table.cell(1, 1).merge(table.cell(2, 1))
    table.rows[1].cells[6].text, table.rows[2].cells[6].text = "已完成", "整改中"
    # One cell across 整改措施 and 责任人 (the owner written into the measure's words).
    table.rows[3].cells[4].text = ""
    table.cell(3, 3).merge(table.cell(3, 4))
    # One owner for two problems: 责任人 merged down two rows.
    table.rows[5].cells[4].text = ""
    table.cell(4, 4).merge(table.cell(5, 4))
    document.save(str(word))
    sheet = read_ledger(word)
    assert len(sheet.entries) == len(texts) - 2  # the header, and the row merged into the one above
    first = sheet.entries[0]
    assert (first.row, first.problem, first.status) == (2, texts[1][1], "整改中")  # one part still open
    assert first.measure == f"{texts[1][3]}；{texts[2][3]}"
    spanned = next(e for e in sheet.entries if e.row == 4)
    assert spanned.measure == texts[3][3] and spanned.owner == ""  # counted once, not again as the owner
    assert [e.owner for e in sheet.entries if e.row in (5, 6)] == [texts[4][4], texts[4][4]]


def test_a_row_deleted_under_tracked_changes_is_gone(word):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document(str(word))
    row = document.tables[0].rows[2]
    deleted = OxmlElement("w:del")
    deleted.set(qn("w:id"), "1")
    deleted.set(qn("w:author"), "办公室")
    row._tr.get_or_add_trPr().append(deleted)
    problem = row.cells[1].text
    document.save(str(word))
    entries = read_ledger(word).entries
    assert problem not in [e.problem for e in entries] and [e.row for e in entries][:2] == [2, 4]


def test_the_ledger_table_is_found_after_other_tables(word):
    document = docx.Document(str(word))
    ledger_table = document.tables[0]._tbl
    other = document.add_table(rows=2, cols=2)
    for cell, text in zip(other._cells, ("填报单位", "青石镇党委", "联系人", "张三")):
        cell.text = text
    ledger_table.addprevious(other._tbl)
    document.save(str(word))
    fill_word(word, {})  # (tables[0] is now the other one: nothing filled, no column added there)
    read = read_ledger(word)
    assert read.entries and read.entries[0].at == "第2个表格第2行"
    assert read.entries[0].problem == "贯彻上级决策部署有时打折扣"


def test_a_units_own_word_table_with_a_two_row_header(tmp_path):
    """A unit's own layout: a title, then 整改情况 over 状态 and 完成情况, the other header cells merged down."""
    document = docx.Document()
    document.add_paragraph("青石镇2025年度整改台账（4月更新）")
    table = document.add_table(rows=4, cols=7)
    for index in range(5):
        table.cell(0, index).merge(table.cell(1, index))
    table.cell(0, 5).merge(table.cell(0, 6))
    for index, name in enumerate(["序号", "问题", "整改措施", "责任人", "完成时限", "整改情况"]):
        table.cell(0, index).text = name
    table.cell(1, 5).text, table.cell(1, 6).text = "状态", "完成情况"
    for row, texts in ((2, ["1", "为民办实事跟进不及时", "建立办结回访制度", "党委副书记", "2026年3月底", "已完成", "回访率100%"]),
                       (3, ["2", "调研成果转化不够", "每季度通报调研成果转化", "党委书记", "2026年6月底", "整改中", ""])):
        for index, text in enumerate(texts):
            table.cell(row, index).text = text
    path = tmp_path / "台账.docx"
    document.save(str(path))
    read = read_ledger(path)
    assert read.title == "青石镇2025年度整改台账（4月更新）" and not read.errors
    assert [(e.at, e.problem, e.status, e.result) for e in read.entries] == [
        ("表格第3行", "为民办实事跟进不及时", "已完成", "回访率100%"), ("表格第4行", "调研成果转化不够", "整改中", "")]
    [(_, listed)] = docx_tables(path)  # read as a material's table: the same rows, 整改情况 split in two
    assert [(e.problem, e.status, e.result) for e in listed.entries] == [
        ("为民办实事跟进不及时", "已完成", "回访率100%"), ("调研成果转化不够", "整改中", "")]


def test_cli_reads_a_word_ledger_and_names_the_accepted_types(word, tmp_path):
    fill_word(word, FILLED)
    report = tmp_path / "进展报告.docx"
    result = CliRunner().invoke(app, ["ledger", str(word), "--today", "2026-04-15", "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert "逾期 表格第" in result.stdout and "已完成 表格第2行" in result.stdout
    assert "完成情况：建立落实台账，每月调度1次，已调度12次。" in read_text(report)
    old = tmp_path / "清单.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    refused = CliRunner().invoke(app, ["ledger", str(old)])
    assert refused.exit_code == 2 and ".xlsx 或 Word 的 .docx" in refused.stderr and "另存为" in refused.stderr
    prose = tmp_path / "材料.docx"
    document = docx.Document()
    document.add_paragraph("一、存在的问题")
    document.save(str(prose))
    none = CliRunner().invoke(app, ["ledger", str(prose)])
    assert none.exit_code == 2 and "找不到整改清单表格" in none.stderr


def test_a_meetings_word_ledger_reaches_each_body(word):
    fill_word(word, FILLED)
    bodies = dict(meeting_last_year(TOWNSHIP, ledger=word))
    group = bodies.pop("班子")
    carried = next(e for e in group if e.problem == "贯彻上级决策部署有时打折扣")
    assert carried.fixed == "建立落实台账，每月调度1次，已调度12次" and carried.status == "已完成"
    assert carried.source.endswith("整改清单.docx 表格第2行")
    assert any(entries for entries in bodies.values())  # the members' own rows, by whose 来源 names them


@pytest.mark.slow
@pytest.mark.skipif(not soffice_binary(), reason="LibreOffice (soffice) missing: run .ci/install-system.sh")
def test_the_word_ledger_survives_a_round_trip_through_libreoffice_writer(word, tmp_path):
    fill_word(word, FILLED)
    odt, back = tmp_path / "odt", tmp_path / "docx"
    with tempfile.TemporaryDirectory() as profile:
        for target, source, outdir in (("odt", word, odt), ("docx:MS Word 2007 XML", odt / "整改清单.odt", back)):
            subprocess.run([soffice_binary(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                            target, "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=180)
    saved = back / word.name
    assert digest(saved) != digest(word)  # Writer wrote its own file
    before, after = review_ledger(word, APRIL), review_ledger(saved, APRIL)
    assert [e.model_dump() for e in after.entries] == [e.model_dump() for e in before.entries]
    assert [e.row for e in after.overdue] == [e.row for e in before.overdue] and not after.errors


def test_the_forms_ledger_upload_takes_a_word_table(word):
    from pipeline.run.last_year_form import ledger_entries

    found = ledger_entries(fill_word(word, FILLED).read_bytes(), "青石镇整改清单.docx", today=APRIL)
    assert found.source == "整改清单 青石镇整改清单.docx"
    first = found.entries[0]
    assert (first.fixed, first.status, first.source) == ("建立落实台账，每月调度1次，已调度12次", "已完成",
                                                         "整改清单 青石镇整改清单.docx 表格第2行")
    assert any(e.overdue for e in found.entries)
