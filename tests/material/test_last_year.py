"""Last year's material read back into last_year entries: the seeds' layouts (items, 一是 points, run-in
headings), and the same material as a .docx written by LibreOffice from the text."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from pipeline.core.errors import InputError
from pipeline.export.preview import soffice_binary
from pipeline.material.last_year import read_last_year, split_measure
from tests.material.numbered_docx import KINDS, PROBLEMS, auto_numbered, typed_text

ROOT = Path(__file__).resolve().parents[2]


def seed(prefix: str) -> Path:
    return next(p for p in sorted((ROOT / "corpus").glob(f"{prefix}_*.txt")))


def test_numbered_points_under_aspect_items_are_each_a_problem():
    entries = read_last_year(seed("001"))
    assert len(entries) == 12
    first = entries[0]
    assert (first.aspect, first.problem) == ("在理论学习方面", "理论学习不深不透")
    assert [e.problem for e in entries if e.aspect == "在廉洁自律方面"] == ["落实全面从严治党主体责任不够严格", "制度执行不严格"]
    assert all(e.source == f"上年度材料 {seed('001').name}" for e in entries)


def test_first_sentence_under_an_aspect_heading_is_the_problem():
    problems = [e.problem for e in read_last_year(seed("002"))]
    assert problems[:3] == ["理论学习不够深入，对理论武装头脑的紧迫性认识不足", "抓党建工作力度不够大", "推进工作方式方法不多"]


def test_a_point_reporting_on_last_year_is_no_problem():
    problems = [e.problem for e in read_last_year(seed("003"))]
    assert "在“学懂”上还有差距" in problems and "沉下去搞调查研究少" in problems
    assert not any(p.startswith(("上次", "上年度")) for p in problems)


def test_a_long_first_sentence_is_cut_at_its_first_comma():
    entries = read_last_year(seed("004"))
    assert len(entries) == 8
    assert entries[0].problem == "有的党员干部在思想上没有牢固树立全心全意为人民服务的宗旨"
    assert all(len(e.problem) <= 60 for e in entries)


def test_no_measure_is_guessed_when_the_sections_do_not_line_up():
    # Seed 000's measures are headed by topics (强产业、促和谐), not by the problems' aspects.
    assert all(e.measure == "" for e in read_last_year(seed("000")))


def test_a_measure_splits_into_its_words_owner_and_time_limit():
    words, owner, deadline = split_measure("针对“患者候诊时间长”，周一上午增开1个诊室，推行分时段预约，门诊护士长牵头，完成时限：2021年9月底前。")
    assert (words, owner, deadline) == ("周一上午增开1个诊室，推行分时段预约", "门诊护士长", "2021年9月底前")
    assert split_measure("把积分每季度公示一次，由支部书记负责，限2021年12月底前完成。") == (
        "把积分每季度公示一次", "支部书记", "2021年12月底前")


def test_our_own_draft_edited_by_a_clerk_reads_its_filled_measures_and_no_prompt():
    """Last year's draft, a clerk having filled some measures: a 【待补】 left standing is no measure, and the
    labelled 完成时限 is the limit, not a time inside the measure's words."""
    assert split_measure("针对“社区食堂账目公开不及时”，【待补：具体措施、责任人、完成时限】") == ("", "", "")
    assert split_measure("对“传达学习上级精神不够及时”的问题，建立“第一议题”制度，上级精神7日内传达到全体党员。"
                         "责任人：支部书记李红，完成时限：2025年3月底前。") == (
        "建立“第一议题”制度，上级精神7日内传达到全体党员", "支部书记李红", "2025年3月底前")


def test_a_file_without_problems_is_bad_input(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("关于召开组织生活会的通知\n各支部：请于月底前召开。\n", encoding="utf-8")
    with pytest.raises(InputError, match="找不到“存在的问题”部分"):
        read_last_year(path)


@pytest.mark.slow
@pytest.mark.skipif(not soffice_binary(), reason="LibreOffice (soffice) missing: run .ci/install-system.sh")
def test_a_docx_written_by_libreoffice_reads_as_its_text(tmp_path):
    source = tmp_path / "上年度材料.txt"
    source.write_bytes(seed("001").read_bytes())
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice_binary(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(source)],
                       check=True, capture_output=True, timeout=180)
    converted = tmp_path / "上年度材料.docx"
    assert converted.is_file()
    from_docx = [(e.aspect, e.problem) for e in read_last_year(converted)]
    assert from_docx == [(e.aspect, e.problem) for e in read_last_year(source)]


@pytest.mark.parametrize("kind", KINDS)
def test_another_units_auto_numbered_docx_gives_each_problem_with_its_measure(kind, tmp_path):
    """Word's, WPS's and LibreOffice's automatic numbering: the headings and points carry no typed number."""
    entries = read_last_year(auto_numbered(kind, tmp_path))
    assert [e.problem for e in entries] == PROBLEMS
    assert [e.aspect for e in entries] == ["在理论学习方面"] * 2 + ["在担当作为方面"] * 2 + ["在廉洁自律方面"]
    assert [(e.owner, e.deadline) for e in entries] == [
        ("党组书记", "2024年6月底前"), ("分管副局长", "2024年10月底前"), ("工程建设股", "2024年12月底前"),
        ("农村水利股", "2024年3月底前"), ("纪检组长", "2024年3月底前")]
    assert entries[0].measure == "完善党组理论学习中心组学习制度，每季度开展1次专题研讨"
    typed = tmp_path / "typed.txt"
    typed.write_text(typed_text(), encoding="utf-8")
    assert [e.model_dump(exclude={"source"}) for e in entries] == [
        e.model_dump(exclude={"source"}) for e in read_last_year(typed)]
