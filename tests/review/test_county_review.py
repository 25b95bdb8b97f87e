"""`duizhao review DIR -o 审查结果.xlsx`: a folder of mixed units and kinds, each checked by its kind, the 雷同
matrix across them, the workbook read back with openpyxl."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.export.docx import write_docx
from pipeline.material.load import load_document
from pipeline.run.county import review_folder

SEEDS = sorted((Path(__file__).resolve().parents[2] / "corpus").glob("*.txt"))


def _county(tmp_path: Path, offline_drafts, township_meeting) -> Path:
    folder = tmp_path / "全县材料"
    folder.mkdir()
    for name in ("hospital-2021-dangshi", "county-2025-niandu", "school-2023-zhuti"):
        shutil.copy(offline_drafts[name].md, folder)
    # One as Word, as most clerks hand it in.
    write_docx(load_document(offline_drafts["township-2024-niandu"].md).document, folder / "青石镇.docx")
    for pattern in ("个人对照检查材料-*.md", "相互批评意见-*.md"):
        for path in sorted(township_meeting.glob(pattern))[:2]:
            shutil.copy(path, folder)
    shutil.copy(SEEDS[0], folder)
    # A copy of a unit's material handed in by another under its own name: 雷同.
    text = offline_drafts["county-2025-niandu"].md.read_text(encoding="utf-8")
    (folder / "抄送.md").write_text(text.replace("临河县水利局", "临河县林业局"), encoding="utf-8")
    return folder


def test_review_writes_the_sheet(tmp_path, offline_drafts, township_meeting):
    folder = _county(tmp_path, offline_drafts, township_meeting)
    out = tmp_path / "审查结果.xlsx"
    result = CliRunner().invoke(app, ["review", str(folder), "-o", str(out)])
    assert result.exit_code == 1, result.output  # the copied material is an error
    book = load_workbook(out)
    rows = list(book["审查结果"].iter_rows(values_only=True))
    assert rows[0] == ("文件", "单位", "类别", "错误", "警告", "最高雷同", "雷同对象", "主要问题")
    by_file = {row[0]: row for row in rows[1:]}
    assert len(by_file) == len(list(folder.iterdir()))
    assert by_file["青石镇.docx"][2] == "班子对照检查材料" and by_file["青石镇.docx"][1] == "青石镇领导班子"
    kinds = {row[2] for row in rows[1:]}
    assert {"班子对照检查材料", "个人对照检查材料", "相互批评意见"} <= kinds
    copied = by_file["抄送.md"]
    assert copied[3] >= 1 and copied[5] > 0.9 and copied[6] == offline_drafts["county-2025-niandu"].md.name
    assert "重复率" in copied[7]
    pairs = list(book["雷同"].iter_rows(values_only=True))
    assert pairs[1][2] > 0.9 and {pairs[1][0], pairs[1][1]} == {"抄送.md", offline_drafts["county-2025-niandu"].md.name}
    # Honest materials of different units are not 雷同 of each other.
    honest = [row for name, row in by_file.items() if name != "抄送.md" and row[6] != "抄送.md"]
    assert all(row[5] < 0.10 for row in honest), [(r[0], r[5], r[6]) for r in honest]
    again = CliRunner().invoke(app, ["review", str(folder), "-o", str(out)])
    assert again.exit_code != 0 and "--force" in again.output


def test_review_of_an_empty_or_missing_folder_is_bad_input(tmp_path):
    (tmp_path / "空").mkdir()
    for folder in (tmp_path / "空", tmp_path / "没有"):
        result = CliRunner().invoke(app, ["review", str(folder), "-o", str(tmp_path / "结果.xlsx")])
        assert result.exit_code == 2 and not (tmp_path / "结果.xlsx").exists(), result.output


def test_an_unreadable_file_is_a_row_not_the_end(tmp_path):
    folder = tmp_path / "材料"
    folder.mkdir()
    shutil.copy(SEEDS[1], folder)
    (folder / "坏.docx").write_bytes(b"not a word file")
    result = review_folder(folder)
    assert [r.file for r in result.rows] == sorted([SEEDS[1].name, "坏.docx"])
    assert next(r for r in result.rows if r.file == "坏.docx").errors == 1
