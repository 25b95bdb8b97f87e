"""Structure check on the seeds and on broken variants of them, written to disk and read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.review.structure import check_structure, guess_spec
from pipeline.material.load import load_document
from pipeline.material.parse import parse_text
from pipeline.material.specs import load_spec

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8"))["files"]


def seed_path(prefix: str) -> Path:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path


def seed_lines(prefix: str) -> list[str]:
    return seed_path(prefix).read_text(encoding="utf-8").split("\n")


def seed_spec(prefix: str):
    return load_spec(MANIFEST[seed_path(prefix).name]["spec"])


def check_lines(tmp_path: Path, lines: list[str], spec=None):
    path = tmp_path / "variant.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return check_structure(load_document(path, spec), spec)


def codes(report, severity: str | None = None) -> list[str]:
    return [f.code for f in report.findings if severity is None or f.severity == severity]


def index_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines) if line.strip().startswith(start))


# --- the seeds as they are -------------------------------------------------------------------------


def test_seed_000_fails_with_gap_and_count_mismatch_in_causes():
    report = check_structure(load_document(seed_path("000"), seed_spec("000")), seed_spec("000"))
    assert not report.ok and report.spec == "generic-zuzhi"
    errors = [f for f in report.findings if f.severity == "error"]
    assert sorted(f.code for f in errors) == ["count-mismatch", "numbering-gap"]
    for finding in errors:
        assert finding.location == "二、产生问题原因分析" and finding.path == [2]
    gap = next(f for f in errors if f.code == "numbering-gap")
    assert "“（二）”" in gap.message and "第1项" in gap.message
    count = next(f for f in errors if f.code == "count-mismatch")
    assert "三个方面" in count.message and "2项" in count.message


def test_seed_000_fails_without_a_spec_too():
    report = check_structure(load_document(seed_path("000")))
    assert not report.ok and report.spec is None
    assert sorted(codes(report, "error")) == ["count-mismatch", "numbering-gap"]


@pytest.mark.parametrize("prefix", ["001", "002", "003", "004"])
def test_seeds_pass_their_own_spec(prefix):
    spec = seed_spec(prefix)
    report = check_structure(load_document(seed_path(prefix), spec), spec)
    assert report.ok, [f.message for f in report.findings if f.severity == "error"]
    assert codes(report, "error") == []
    assert set(codes(report)) <= {"placeholder", "artifact"}
    problems = next(s for s in report.structure["sections"] if s["role"] == "problems")
    assert [i["aspect"] for i in problems["items"]] == spec.aspect_names()


@pytest.mark.parametrize("prefix", ["001", "002", "003", "004"])
def test_without_a_spec_the_guess_names_the_right_one(prefix):
    parsed = load_document(seed_path(prefix))
    expected = seed_spec(prefix)
    assert guess_spec(parsed.document).id == expected.id
    report = check_structure(parsed)
    assert report.ok and report.spec is None
    (guess,) = [f for f in report.findings if f.code == "spec-guess"]
    assert guess.severity == "info" and f"“{expected.id}”" in guess.message


def test_seed_against_another_meetings_spec():
    # 004's eight 肃清流毒 aspects checked against the six 党纪 aspects of 2024.
    spec = load_spec("2024-dangji-zuzhi")
    report = check_structure(load_document(seed_path("004"), spec), spec)
    assert not report.ok
    unknown = [f.message for f in report.findings if f.code == "aspect-unknown"]
    assert len(unknown) == 3 and any("以权谋私" in m for m in unknown)
    (missing,) = [f.message for f in report.findings if f.code == "aspect-missing"]
    assert "“生活纪律”" in missing
    (order,) = [f.message for f in report.findings if f.code == "aspect-order"]
    assert "“群众纪律”应排在“工作纪律”之前" in order


def test_reported_cleaning_and_placeholders_are_warnings():
    report = check_structure(load_document(seed_path("003"), seed_spec("003")), seed_spec("003"))
    artifacts = [f for f in report.findings if f.code == "artifact"]
    assert {f.severity for f in artifacts} == {"warning"}
    assert any("拼音替字" in f.message and "9处" in f.message for f in artifacts)
    placeholders = [f for f in report.findings if f.code == "placeholder"]
    assert any(f.location.startswith("二、问题的主要原因 › （二）") and "“XX”“X”" in f.message for f in placeholders)


def test_report_is_json_and_does_not_touch_the_parsed_document():
    parsed = load_document(seed_path("002"))
    before = parsed.document.model_copy(deep=True)
    report = check_structure(parsed, load_spec("2023-zhuti-minzhu"))
    assert parsed.document == before  # aspects were assigned on a copy
    data = json.loads(report.model_dump_json())
    assert set(data) >= {"ok", "spec", "findings", "structure"}
    assert [s["role"] for s in data["structure"]["sections"]] == ["preamble", "problems", "causes", "measures"]


# --- broken variants ---------------------------------------------------------------------------------


def test_section_missing_when_causes_deleted(tmp_path):
    lines = seed_lines("002")
    start, end = index_of(lines, "二、"), index_of(lines, "三、")
    report = check_lines(tmp_path, lines[:start] + lines[end:], seed_spec("002"))
    assert not report.ok
    (missing,) = [f for f in report.findings if f.code == "section-missing"]
    assert "原因分析" in missing.message
    assert "section-order" not in codes(report)


def test_section_order_when_causes_and_measures_swapped(tmp_path):
    lines = seed_lines("004")
    causes, measures = index_of(lines, "二、"), index_of(lines, "三、")
    swapped = lines[:causes] + lines[measures:] + lines[causes:measures]
    report = check_lines(tmp_path, swapped, seed_spec("004"))
    assert not report.ok
    (order,) = [f for f in report.findings if f.code == "section-order"]
    assert order.location == "三、具体整改措施和今后努力方向" and order.path == [2]
    # The measures must follow the causes (not merely the problems, which they already do).
    assert "“整改措施”" in order.message and "“原因分析”之后" in order.message
    assert "section-missing" not in codes(report)


def test_section_order_names_the_role_to_follow(tmp_path):
    lines = seed_lines("001")
    problems, causes, measures = index_of(lines, "一、"), index_of(lines, "二、"), index_of(lines, "三、")
    # causes first, then problems, then measures
    moved = lines[:problems] + lines[causes:measures] + lines[problems:causes] + lines[measures:]
    report = check_lines(tmp_path, moved, seed_spec("001"))
    (order,) = [f for f in report.findings if f.code == "section-order"]
    assert "“原因分析”" in order.message and "“存在的问题”之后" in order.message


def test_aspect_missing_when_an_item_is_deleted(tmp_path):
    lines = seed_lines("002")
    start = index_of(lines, "（三）在能力本领方面")
    report = check_lines(tmp_path, lines[:start] + lines[start + 2 :], seed_spec("002"))
    assert not report.ok
    (missing,) = [f for f in report.findings if f.code == "aspect-missing"]
    assert "“能力本领”" in missing.message and missing.location == "一、存在的主要问题"


def test_aspect_order_when_two_problem_items_swapped(tmp_path):
    lines = seed_lines("002")
    first, second = index_of(lines, "（一）在理论学习方面"), index_of(lines, "（二）在政治素质方面")
    assert second == first + 2
    # Swap the two items' content but keep the markers in order: only the aspect order is wrong.
    swapped = list(lines)
    swapped[first : first + 4] = ["（一）在政治素质方面", lines[second + 1], "（二）在理论学习方面", lines[first + 1]]
    report = check_lines(tmp_path, swapped, seed_spec("002"))
    assert not report.ok
    assert codes(report, "error") == ["aspect-order"]
    (order,) = [f for f in report.findings if f.code == "aspect-order"]
    assert "“理论学习”应排在“政治素质”之前" in order.message and order.path == [1, 1]


def test_aspect_order_with_the_items_moved_whole(tmp_path):
    lines = seed_lines("002")
    first = index_of(lines, "（一）在理论学习方面")
    swapped = list(lines)
    swapped[first : first + 4] = lines[first + 2 : first + 4] + lines[first : first + 2]
    report = check_lines(tmp_path, swapped, seed_spec("002"))
    assert sorted(set(codes(report, "error"))) == ["aspect-order", "numbering-gap"]


def test_numbering_gap_at_level_three(tmp_path):
    lines = seed_lines("001")
    at = index_of(lines, "（一）在理论学习方面")
    assert lines[at].count("二是") == 1
    lines[at] = lines[at].replace("二是", "三是")
    report = check_lines(tmp_path, lines, seed_spec("001"))
    assert not report.ok
    (gap,) = [f for f in report.findings if f.code == "numbering-gap"]
    assert "“三是”" in gap.message and "第2项" in gap.message and "三级" in gap.message
    assert gap.location.startswith("一、存在的问题 › （一）在理论学习方面") and gap.path == [1, 0, 1]


def test_nested_point_numbering_restarts_under_each_outer_point():
    text = (
        "标题\n\n前言。\n\n一、存在的问题\n\n（一）在理论学习方面\n\n"
        "一是学习不深。1、时间少。2、方法少。\n\n二是运用不够。1、调研少。2、落实慢。\n\n"
        "二、原因分析\n\n（一）原因。\n\n三、整改措施\n\n（一）措施。"
    )
    report = check_structure(parse_text(text))
    assert "numbering-gap" not in codes(report)
    broken = check_structure(parse_text(text.replace("2、落实慢", "3、落实慢")))
    assert codes(broken, "error") == ["numbering-gap"]


def test_numbering_gap_at_level_one_and_two(tmp_path):
    lines = seed_lines("004")
    lines[index_of(lines, "三、")] = lines[index_of(lines, "三、")].replace("三、", "四、", 1)
    lines[index_of(lines, "（五）廉洁纪律")] = lines[index_of(lines, "（五）廉洁纪律")].replace("（五）", "（六）", 1)
    report = check_lines(tmp_path, lines, seed_spec("004"))
    gaps = {f.location: f.message for f in report.findings if f.code == "numbering-gap"}
    assert "一级标题" in gaps and "“四、”" in gaps["一级标题"]
    assert "“（六）”" in gaps["一、存在的主要问题"]


@pytest.mark.parametrize("count, ok", [("三", False), ("四", True), ("4", True), ("两", False)])
def test_count_mismatch(tmp_path, count, ok):
    lines = seed_lines("004")
    at = index_of(lines, "通过深刻剖析反思")
    assert "以下几个方面" in lines[at]
    lines[at] = lines[at].replace("以下几个方面", f"以下{count}个方面")
    report = check_lines(tmp_path, lines, seed_spec("004"))
    assert report.ok is ok
    assert ("count-mismatch" in codes(report)) is not ok


def test_section_empty_and_missing_title(tmp_path):
    lines = seed_lines("004")
    start, end = index_of(lines, "二、"), index_of(lines, "三、")
    report = check_lines(tmp_path, lines[2:start + 1] + lines[end:], seed_spec("004"))
    assert "title-missing" in codes(report, "warning")
    (empty,) = [f for f in report.findings if f.code == "section-empty"]
    assert empty.location == "二、产生问题的根源剖析"


def test_placeholder_in_signature_is_reported():
    text = "标题\n\n前言。\n\n一、存在的问题\n\n（一）问题。内容。\n\nXX党支部\n\n2024年X月X日"
    parsed = parse_text(text)
    assert parsed.document.signature == ["XX党支部", "2024年X月X日"]
    placeholders = [f for f in check_structure(parsed).findings if f.code == "placeholder"]
    assert [(f.location, "“XX”“X”" in f.message) for f in placeholders] == [("落款", True)]
    filled = parse_text(text.replace("XX", "城关镇").replace("X月X日", "1月5日"))
    assert "placeholder" not in codes(check_structure(filled))
