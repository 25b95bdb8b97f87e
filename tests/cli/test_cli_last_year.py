"""`duizhao draft PROFILE --last-year FILE --ledger FILE`: what was read is shown first, then drafted; bad files
are one Chinese line and exit 2, with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

import pipeline.draft.factory
from pipeline.cli.main import app
from pipeline.draft.drafter import OfflineDrafter
from pipeline.export.ledger import ledger_xlsx
from pipeline.material.meeting_docs import ledger_header, unit_ledger_rows, unit_ledger_title
from pipeline.material.profile import load_profile, resolve_spec
from tests.material.numbered_docx import KINDS, PROBLEMS, auto_numbered

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "examples" / "township-2024-niandu.yaml"


def profile_2025(tmp_path: Path) -> Path:
    data = yaml.safe_load(TOWNSHIP.read_text(encoding="utf-8"))
    data["meeting"]["year"] = 2025
    data["last_year"] = []
    path = tmp_path / "2025.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_draft_reads_last_years_material_and_ledger(tmp_path, monkeypatch, retriever):
    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    monkeypatch.setattr(pipeline.draft.factory, "drafter_factory", lambda settings: OfflineDrafter)
    profile = load_profile(TOWNSHIP)
    spec = resolve_spec(profile, TOWNSHIP.parent)
    last = tmp_path / "2024年对照检查材料.txt"
    last.write_text("镇领导班子2024年度民主生活会对照检查材料\n一、存在的问题\n（一）在政治忠诚方面\n"
                    "一是落实上级决策部署有时打折扣。二是学习贯彻不够深入。\n二、整改措施\n（一）在政治忠诚方面\n"
                    "一是建立决策部署落实台账，由党委书记负责，2025年6月底前完成。二是每月集中学习1次。\n", encoding="utf-8")
    ledger = tmp_path / "整改清单.xlsx"
    ledger.write_bytes(ledger_xlsx(unit_ledger_title(profile, spec), ledger_header(), unit_ledger_rows(profile, spec)))
    book = load_workbook(ledger)
    book.active["C2"], book.active["H2"], book.active["I2"] = "落实上级决策部署有时打折扣", "已完成", "台账每月调度，已销号"
    book.save(ledger)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["draft", str(profile_2025(tmp_path)), "--offline", "-o", str(out), "--no-docx",
                                      "--last-year", str(last), "--ledger", str(ledger)])
    assert result.exit_code in (0, 1), result.output
    assert "上年度问题" in result.stderr and "1. 落实上级决策部署有时打折扣（措施：建立决策部署落实台账；责任人：党委书记；" in result.stderr
    [md] = out.glob("*.md")
    text = md.read_text(encoding="utf-8")
    assert "“落实上级决策部署有时打折扣”的问题，已完成整改，台账每月调度，已销号。" in text
    assert "“学习贯彻不够深入”的问题，上年度确定的整改措施是每月集中学习1次，【待补：整改结果】。" in text


def test_draft_reads_a_ledger_kept_as_a_word_table(tmp_path, monkeypatch, retriever):
    """duizhao's 整改清单.docx as the clerk keeps it in Word: a 完成情况 column added, 状态 typed into the cells."""
    import docx
    from docx.shared import Mm

    from pipeline.export.ledger import ledger_docx

    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    monkeypatch.setattr(pipeline.draft.factory, "drafter_factory", lambda settings: OfflineDrafter)
    profile = load_profile(TOWNSHIP)
    spec = resolve_spec(profile, TOWNSHIP.parent)
    ledger = tmp_path / "整改清单.docx"
    ledger.write_bytes(ledger_docx(unit_ledger_title(profile, spec), ledger_header(), unit_ledger_rows(profile, spec)))
    document = docx.Document(str(ledger))
    table = document.tables[0]
    table.add_column(Mm(30)).cells[0].text = "完成情况"
    header = [c.text for c in table.rows[0].cells]
    row = table.rows[1].cells
    problem = row[header.index("问题")].text
    row[header.index("状态")].text, row[header.index("完成情况")].text = "已完成", "台账每月调度，已销号"
    document.save(str(ledger))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["draft", str(profile_2025(tmp_path)), "--offline", "-o", str(out), "--no-docx",
                                      "--ledger", str(ledger), "--yes"])
    assert result.exit_code in (0, 1), result.output
    assert f"{problem}（" in result.stderr and "结果：台账每月调度，已销号" in result.stderr
    [md] = out.glob("*.md")
    assert f"“{problem}”的问题，已完成整改，台账每月调度，已销号。" in md.read_text(encoding="utf-8")


def test_draft_covers_each_row_of_last_years_problem_table(tmp_path, monkeypatch, retriever):
    """Another unit's last-year .docx that lists its problems in a table: each row reaches 上年度整改落实情况."""
    from tests.material.test_last_year_table import PROBLEMS, tabled_material

    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    monkeypatch.setattr(pipeline.draft.factory, "drafter_factory", lambda settings: OfflineDrafter)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["draft", str(profile_2025(tmp_path)), "--offline", "-o", str(out), "--no-docx",
                                      "--last-year", str(tabled_material(tmp_path)), "--yes"])
    assert result.exit_code in (0, 1), result.output
    assert f"1. {PROBLEMS[0]}（措施：每月开展1次专题学习研讨，形成研讨记录；责任人：党组书记；时限：2025年6月底" in result.stderr
    [md] = out.glob("*.md")
    text = md.read_text(encoding="utf-8")
    part = text[text.index("上年度查摆的"):text.index("## 二、")]
    for problem in PROBLEMS:
        inner = problem.replace("“", "‘").replace("”", "’")  # a quote inside a quote
        line = next(line for line in part.splitlines() if f"“{inner}”" in line)
        assert "上年度确定的整改措施是" in line and line.endswith("，【待补：整改结果】。")
    assert "土地执法巡查不到位" not in part


def test_bad_last_year_files_are_bad_input(tmp_path):
    profile = profile_2025(tmp_path)
    out = tmp_path / "out"
    missing = CliRunner().invoke(app, ["draft", str(profile), "--offline", "-o", str(out), "--last-year", str(tmp_path / "无.docx")])
    assert missing.exit_code == 2 and "上年度文件不存在" in missing.stderr
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a zip")
    result = CliRunner().invoke(app, ["draft", str(profile), "--offline", "-o", str(out), "--ledger", str(broken)])
    assert result.exit_code == 2 and "另存为" in result.stderr
    assert not out.exists()


@pytest.mark.slow
def test_a_meetings_last_year_is_shown_per_body_before_drafting(tmp_path):
    from pipeline.material.meeting import group_profile, load_meeting
    from pipeline.material.meeting_docs import ledger_title, meeting_ledger_rows

    meeting_path = ROOT / "examples" / "meetings" / "branch-zuzhi.yaml"
    meeting, spec = load_meeting(meeting_path)
    rows = meeting_ledger_rows(meeting, group_profile(meeting, spec, meeting_path), spec)
    ledger = tmp_path / "整改清单.xlsx"
    ledger.write_bytes(ledger_xlsx(ledger_title(meeting, spec), ledger_header(), rows))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["draft", str(meeting_path), "--offline", "-o", str(out), "--ledger", str(ledger),
                                      "--no-docx"])
    first = meeting.members[0]
    assert "班子：上年度问题" in result.stderr and f"{first.name}：上年度问题" in result.stderr
    own = next(r for r in rows if r.who == first.name and r.kind == "personal")
    assert f"{own.problem}（整改中；结果：【待补】）" in result.stderr


def test_profile_last_year_prints_a_block_that_loads_into_the_profile(tmp_path):
    last = tmp_path / "2024年对照检查材料.txt"
    last.write_text("对照检查材料\n一、存在的问题\n（一）在政治忠诚方面\n一是落实上级决策部署有时打折扣。二是学习贯彻不够深入。\n"
                    "二、整改措施\n（一）在政治忠诚方面\n一是建立决策部署落实台账，由党委书记负责，2025年6月底前完成。二是每月集中学习1次。\n",
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["profile", "last-year", str(last)])
    assert result.exit_code == 0 and result.stdout.startswith("# 从 2024年对照检查材料.txt 读出的上年度问题")
    data = yaml.safe_load(TOWNSHIP.read_text(encoding="utf-8"))
    data.update(yaml.safe_load(result.stdout))
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    first, second = load_profile(path).last_year
    assert (first.problem, first.measure, first.owner, first.deadline, first.fixed) == (
        "落实上级决策部署有时打折扣", "建立决策部署落实台账", "党委书记", "2025年6月底前", "")
    assert second.measure == "每月集中学习1次"
    bad = CliRunner().invoke(app, ["profile", "last-year", str(tmp_path / "无.docx")])
    assert bad.exit_code == 2


@pytest.mark.parametrize("kind", KINDS)
def test_draft_covers_each_problem_of_an_auto_numbered_docx(kind, tmp_path, monkeypatch, retriever):
    """Last year's .docx of another unit, its 一、/（一）/1. all automatic numbering (Word, WPS layout, LibreOffice)."""
    monkeypatch.setattr(pipeline.draft.factory, "retriever_factory", lambda settings, on_ingest=None: lambda: retriever)
    monkeypatch.setattr(pipeline.draft.factory, "drafter_factory", lambda settings: OfflineDrafter)
    last = auto_numbered(kind, tmp_path)
    profile = profile_2025(tmp_path)
    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    data["last_year"] = [{"problem": PROBLEMS[0], "fixed": "全年开展专题研讨4次，形成研讨成果12篇"}]
    profile.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["draft", str(profile), "--offline", "-o", str(out), "--no-docx",
                                      "--last-year", str(last), "--yes"])
    assert result.exit_code in (0, 1), result.output
    assert f"5. {PROBLEMS[4]}（措施：修订工程项目变更审核办法，实行集体审议；责任人：纪检组长；" in result.stderr
    [md] = out.glob("*.md")
    text = md.read_text(encoding="utf-8")
    part = text[text.index("上年度查摆的"):text.index("## 二、")]
    assert f"一是“{PROBLEMS[0]}”：全年开展专题研讨4次，形成研讨成果12篇。" in part  # the unit's own result
    for problem in PROBLEMS[1:]:  # the measure promised, and the result still to write
        line = next(line for line in part.splitlines() if f"“{problem}”" in line)
        assert "的问题，上年度确定的整改措施是" in line and line.endswith("，【待补：整改结果】。")
    assert part.count("【待补：整改结果】") == 4
