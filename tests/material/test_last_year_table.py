"""Last year's material that lists its problems in a Word table (问题 / 整改措施 / 责任领导 / 完成时限, 方面 merged
down its rows), as many units write it: each row is one of last year's problems; a table under the material's own
上年度整改 section (the year before's problems) is not."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import docx
import pytest

from pipeline.export.preview import soffice_binary
from pipeline.material.last_year import read_last_year

TITLE = "县自然资源局党组2024年度民主生活会对照检查材料"
HEADER = ["序号", "方面", "存在问题", "整改措施", "责任领导", "完成时限"]
ROWS = [["1", "政治理论学习方面", "理论学习与业务工作结合不紧", "每月开展1次专题学习研讨，形成研讨记录", "党组书记", "2025年6月底"],
        ["2", "政治理论学习方面", "调查研究不够深入", "班子成员每人牵头1个调研课题", "各班子成员", "2025年9月底"],
        ["3", "作风建设方面", "耕地保护“田长制”巡查流于形式", "建立巡查打卡和季度通报制度", "分管副局长", "2025年3月底"]]
PROBLEMS = [row[2] for row in ROWS]


def _table(document, rows: list[list[str]]):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for cells, texts in zip(table.rows, rows):
        for cell, text in zip(cells.cells, texts):
            cell.text = text
    return table


def tabled_material(folder: Path, text_problems: bool = False) -> Path:
    """Another unit's material: its 2023 results in a table under 一、, its problems and measures in a table
    under 二、 (方面 merged down the rows it covers, as a clerk merges it in Word)."""
    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph("一、2023年度民主生活会整改落实情况")
    document.add_paragraph("上年度民主生活会查摆的问题已全部整改，具体如下表。")
    _table(document, [["问题", "整改措施", "整改情况"], ["土地执法巡查不到位", "建立执法巡查台账", "已完成"]])
    document.add_paragraph("二、存在的问题及整改措施")
    if text_problems:
        document.add_paragraph("一是理论学习与业务工作结合不紧。有的同志学用脱节。二是调查研究不够深入。")
    document.add_paragraph("对照会议主题，班子查摆出以下问题，整改措施和责任领导一并列出。")
    table = _table(document, [HEADER, *ROWS])
    table.rows[2].cells[1].text = ""
    table.cell(1, 1).merge(table.cell(2, 1))
    document.add_paragraph("三、产生问题的原因")
    document.add_paragraph("主要是理想信念有所松懈，宗旨意识有所淡化。")
    path = folder / "自然资源局2024年对照检查材料.docx"
    document.save(str(path))
    return path


def test_the_problems_table_is_read_row_by_row(tmp_path):
    path = tabled_material(tmp_path)
    entries = read_last_year(path)
    assert [e.problem for e in entries] == PROBLEMS  # not the 2023 table's 土地执法巡查不到位
    first, second, third = entries
    assert (first.aspect, first.measure, first.owner, first.deadline) == (
        "政治理论学习方面", "每月开展1次专题学习研讨，形成研讨记录", "党组书记", "2025年6月底")
    assert second.aspect == "政治理论学习方面" and second.owner == "各班子成员"  # the merged 方面 cell
    assert third.deadline == "2025年3月底" and all(e.fixed == "" for e in entries)
    assert first.source == f"上年度材料 {path.name} 第2个表格第2行"


def test_the_table_is_read_also_when_the_text_names_problems(tmp_path):
    entries = read_last_year(tabled_material(tmp_path, text_problems=True))
    assert [e.problem for e in entries] == PROBLEMS and entries[1].measure == "班子成员每人牵头1个调研课题"


@pytest.mark.slow
@pytest.mark.skipif(not soffice_binary(), reason="LibreOffice (soffice) missing: run .ci/install-system.sh")
def test_the_table_reads_the_same_after_libreoffice_writer_saved_it(tmp_path):
    path = tabled_material(tmp_path)
    with tempfile.TemporaryDirectory() as profile:
        for target, source, outdir in (("odt", path, tmp_path / "odt"),
                                       ("docx:MS Word 2007 XML", tmp_path / "odt" / f"{path.stem}.odt", tmp_path / "back")):
            subprocess.run([soffice_binary(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                            target, "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=180)
    saved = tmp_path / "back" / path.name
    assert saved.read_bytes() != path.read_bytes()
    assert [e.model_dump() for e in read_last_year(saved)] == [e.model_dump() for e in read_last_year(path)]
