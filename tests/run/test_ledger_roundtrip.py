"""The kept 整改清单: filled in as a clerk does (openpyxl, and through LibreOffice Calc), read back, broken rows
named by row and column, overdue and done rows reported, the progress report built from the ledger's cells
only, and the clerk's file never rewritten."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.export.ledger import ledger_xlsx
from pipeline.export.preview import soffice_binary
from pipeline.material.ledger_read import ledger_last_year, read_ledger
from pipeline.material.load import read_text
from pipeline.material.meeting import group_profile, load_meeting
from pipeline.material.meeting_docs import ledger_header, ledger_title, meeting_ledger_rows
from pipeline.run.ledger import check_ledger_file, review_ledger

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"
APRIL = date(2026, 4, 15)


@pytest.fixture
def written(tmp_path) -> Path:
    meeting, spec = load_meeting(TOWNSHIP)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, TOWNSHIP), spec)
    path = tmp_path / "整改清单.xlsx"
    path.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(), rows))
    return path


def fill(path: Path, cells: dict[str, str]) -> Path:
    book = load_workbook(path)
    for ref, value in cells.items():
        book.active[ref] = value
    book.save(path)
    return path


FILLED = {"H2": "已完成", "I2": "建立落实台账，每月调度1次，已调度12次", "J2": "调度会记录12份",
          "H3": "整改中", "I3": "发文计划已印发", "H4": "已完成"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_filled_ledger_reads_back_with_overdue_and_done_rows(written):
    review = review_ledger(fill(written, FILLED), APRIL)
    assert not review.errors
    assert [e.row for e in review.done] == [2, 4]
    # 2026年1月底 … 3月底 limits of rows still 整改中/未开始 have passed by 15 April; 6月底 has not.
    assert review.overdue and all(e.due < APRIL and e.status in ("未开始", "整改中") for e in review.overdue)
    assert not any(e.row == 2 for e in review.overdue)
    assert review.counts["已完成"] == 2 and sum(review.counts.values()) == len(review.entries)
    # 已完成 without 完成情况 is a warning naming its row and column.
    warnings = " ".join(i.message for i in review.warnings)
    assert "第4行标为已完成，但 I列（完成情况）为空" in warnings
    criticised = next(e for e in review.entries if e.source.startswith("相互批评"))
    assert f"第{criticised.row}行（未开始）E列（整改措施）还没有填写" in warnings
    assert review_ledger(written, date(2025, 12, 1)).overdue == []


def test_broken_rows_are_named_by_row_and_column_and_nothing_is_rewritten(written, tmp_path):
    fill(written, {"H5": "做完了", "C6": None, "H7": None})
    before = digest(written)
    report = tmp_path / "进展报告.docx"
    review = check_ledger_file(written, APRIL, report)
    messages = [i.message for i in review.errors]
    assert messages == ["第5行 H列（状态）为“做完了”：应为 未开始/整改中/已完成/长期坚持 之一",
                        "第6行 C列（问题）为空，但这一行其他格有内容",
                        "第7行 H列（状态）为空：应为 未开始/整改中/已完成/长期坚持 之一"]
    assert not report.exists() and digest(written) == before


def test_columns_are_found_by_name_in_any_order(written):
    book = load_workbook(written)
    sheet = book.active
    sheet.insert_rows(1)
    sheet["A1"] = "青石镇整改台账（2026年4月更新）"  # a title row above the header
    sheet.move_range("H2:H200", cols=5)  # 状态 moved to the right, past the added columns
    book.save(written)
    entries = read_ledger(written).entries
    assert entries[0].row == 3 and entries[0].status == "整改中" and entries[0].problem == "贯彻上级决策部署有时打折扣"


def test_the_progress_report_states_only_the_ledgers_cells(written, tmp_path):
    report = tmp_path / "进展报告.docx"
    review = check_ledger_file(fill(written, FILLED), APRIL, report)
    text = read_text(report)
    assert text.startswith("青石镇领导班子2025年度民主生活会问题整改进展情况报告")
    assert f"所列问题共{len(review.entries)}项（据整改清单统计）：已完成2项" in text
    assert "完成情况：建立落实台账，每月调度1次，已调度12次。佐证材料：调度会记录12份。" in text
    assert "回应群众诉求不够及时。【待补：整改结果】" in text  # done, but the clerk wrote no result
    late = review.overdue[0]
    assert f"{late.problem}。完成时限为{late.deadline}，已超过{(APRIL - late.due).days}天。【待补：逾期原因及下一步措施】" in text
    assert "目前进展：发文计划已印发。" in text and "2026年4月15日" in text
    # Written again only with --force, and never over a file duizhao did not write.
    result = CliRunner().invoke(app, ["ledger", str(written), "--today", "2026-04-15", "--report", str(report)])
    assert result.exit_code == 2 and "已存在" in result.stderr


def test_cli_exit_codes(written, tmp_path):
    fill(written, FILLED)
    overdue = CliRunner().invoke(app, ["ledger", str(written), "--today", "2026-04-15"])
    assert overdue.exit_code == 1 and "逾期 第" in overdue.stdout and "已完成 第2行" in overdue.stdout
    early = CliRunner().invoke(app, ["ledger", str(written), "--today", "2025-12-01"])
    assert early.exit_code == 0 and "逾期 0 项" in early.stdout
    as_json = CliRunner().invoke(app, ["ledger", str(written), "--today", "2026-04-15", "--json"])
    data = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and [e["row"] for e in data["done"]] == [2, 4] and data["overdue"]
    fill(written, {"H5": "做完了"})
    broken = CliRunner().invoke(app, ["ledger", str(written)])
    assert broken.exit_code == 2 and "第5行 H列（状态）为“做完了”" in broken.stderr
    not_xlsx = tmp_path / "清单.xls"
    not_xlsx.write_bytes(b"\xd0\xcf\x11\xe0")
    result = CliRunner().invoke(app, ["ledger", str(not_xlsx)])
    assert result.exit_code == 2 and "另存为" in result.stderr


def test_a_meeting_ledger_names_whose_each_row_is(written):
    entries = ledger_last_year(read_ledger(written))
    assert entries[0].who == ""  # the 班子's
    criticised = next(e for e in entries if e.problem.startswith("抓营商环境重部署轻督办"))
    assert criticised.who == "王建华" and criticised.measure == "" and criticised.status == "未开始"


@pytest.mark.slow
@pytest.mark.skipif(not soffice_binary(), reason="LibreOffice (soffice) missing: run .ci/install-system.sh")
def test_the_ledger_survives_a_round_trip_through_libreoffice_calc(written, tmp_path):
    fill(written, FILLED)
    outdir = tmp_path / "calc"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice_binary(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), str(written)],
                       check=True, capture_output=True, timeout=180)
    saved = outdir / written.name
    assert digest(saved) != digest(written)  # Calc wrote its own file
    before, after = review_ledger(written, APRIL), review_ledger(saved, APRIL)
    assert [e.model_dump() for e in after.entries] == [e.model_dump() for e in before.entries]
    assert [e.row for e in after.overdue] == [e.row for e in before.overdue] and not after.errors
    # The 状态 drop-down is still there for the clerk.
    [choice] = load_workbook(saved).active.data_validations.dataValidation
    assert choice.type == "list" and "长期坚持" in choice.formula1


def test_a_date_typed_as_a_date_counts_as_the_time_limit(written):
    from datetime import datetime

    fill(written, {"G3": datetime(2026, 1, 10), "H3": "整改中"})
    [entry] = [e for e in review_ledger(written, APRIL).overdue if e.row == 3]
    assert entry.due == date(2026, 1, 10) and entry.deadline == "2026年1月10日"


def test_an_earlier_six_column_ledger_reads_back(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["序号", "问题", "整改措施", "责任人", "完成时限", "状态"])
    book.active.append([1, "贯彻上级决策部署有时打折扣（班子）", "建立落实台账", "李明远", "2026年6月底", "已完成"])
    book.active.append([2, "下村调研多看点少看面（李明远）", "【待补：具体整改措施】", "李明远", "2026年9月底", "整改中"])
    path = tmp_path / "旧整改清单.xlsx"
    book.save(path)
    first, second = ledger_last_year(read_ledger(path))
    assert (first.problem, first.who, first.status) == ("贯彻上级决策部署有时打折扣", "", "已完成")
    assert (second.problem, second.who, second.measure) == ("下村调研多看点少看面", "李明远", "")


def test_the_ledger_sheet_is_found_behind_a_notes_sheet(written):
    book = load_workbook(written)
    notes = book.create_sheet("填表说明", 0)
    notes["A1"] = "状态请从下拉列表中选择"
    book.active = 0
    book.save(written)
    assert read_ledger(written).entries[0].problem == "贯彻上级决策部署有时打折扣"
