"""Cleaning scrape noise out of the seeds, and keeping (but reporting) anonymisation placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.review.structure import check_structure
from pipeline.material.parse import parse_text
from pipeline.material.scrub import find_slots, scrub

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def seed(prefix: str) -> str:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def report(text: str) -> dict[str, int]:
    return {c.code: c.count for c in scrub(text)[1]}


def test_seed_000_paywall_markers_removed_and_reported():
    raw = seed("000")
    assert raw.count("##paidbegin##") == 1 and raw.count("##paidend##") == 1
    cleaned, cleaning = scrub(raw)
    assert "##paid" not in cleaned
    paywall = next(c for c in cleaning if c.code == "paywall-marker")
    assert paywall.count == 2
    assert "##paidbegin##" in paywall.example
    # The marker sat in front of an item marker; once removed, the item is recognised.
    problems = parse_text(raw).document.section("problems")
    assert problems.items[0].marker == "（一）"
    assert problems.items[0].heading == "思想认识方面存在的突出问题"


def test_seed_001_paywall_marker_in_the_middle_of_a_sentence():
    raw = seed("001")
    assert "一是意识形态##paidbegin##责任制落实不到位" in raw
    parsed = parse_text(raw)
    assert report(raw)["paywall-marker"] == 2
    item = parsed.document.section("problems").items[3]
    assert item.heading == "在担当作为方面。"
    assert item.points[0].marker == "一是"
    assert item.points[0].text.startswith("意识形态责任制落实不到位。")
    assert "##" not in parsed.document.text()


def test_seed_003_pinyin_zuzhi_becomes_organisation():
    raw = seed("003")
    assert raw.count("zuzhi") == 9
    cleaned, cleaning = scrub(raw)
    assert "zuzhi" not in cleaned
    pinyin = next(c for c in cleaning if c.code == "pinyin")
    assert pinyin.count == 9 and "zuzhi" in pinyin.example
    document = parse_text(raw).document
    assert document.title == "党支部2021年党史学习教育组织生活会“四个对照”检查材料"
    assert document.section("causes").items[2].heading == "组织观念有所弱化。"


def test_seed_000_half_width_punctuation_between_chinese_becomes_full_width():
    raw = seed("000")
    assert "当作一种任务,只求数量不求质量,敷衍了事" in raw
    assert "甚至捕风捉影;有的" in raw
    cleaned, cleaning = scrub(raw)
    assert "当作一种任务，只求数量不求质量，敷衍了事" in cleaned
    assert "甚至捕风捉影；有的" in cleaned
    assert next(c for c in cleaning if c.code == "half-width-punctuation").count == 12
    assert not re.search(r"[\u4e00-\u9fff][,;:][\u4e00-\u9fff]", cleaned)


def test_half_width_punctuation_keeps_paragraphs_apart():
    # A half-width colon at a line end is converted, but the line break after it stays.
    cleaned, cleaning = scrub("主要来源于以下三个方面:\n（一）服务群众意识有所淡化。")
    assert cleaned == "主要来源于以下三个方面：\n（一）服务群众意识有所淡化。"
    assert [c.code for c in cleaning] == ["half-width-punctuation"]
    document = parse_text("标题\n\n一、原因分析\n\n以下两个方面:\n\n（一）甲。乙。\n\n（二）丙。丁。").document
    causes = document.section("causes")
    assert [p.text for p in causes.intro] == ["以下两个方面："]
    assert len(causes.items) == 2


def test_half_width_punctuation_outside_chinese_is_left_alone():
    text = "参见 https://example.org/a,b;c 与 v1.2: ok"
    assert scrub(text) == (text, [])


def test_stray_spaces_seed_002_leading_nbsp_and_seed_003_trailing_spaces():
    raw2 = seed("002")
    assert "\xa0按**《关于" in raw2
    cleaned2, _ = scrub(raw2)
    assert "\n按**《关于" in cleaned2
    assert report(raw2) == {"stray-space": 1}

    raw3 = seed("003")
    assert "一、存在的主要问题 \n" in raw3
    cleaned3, _ = scrub(raw3)
    assert "一、存在的主要问题\n" in cleaned3
    assert report(raw3)["stray-space"] == 5
    assert not re.search(r"[ \t\u3000\xa0]$", cleaned3, re.M)


def test_spaces_between_chinese_characters_removed():
    cleaned, cleaning = scrub("班子 成员　学习\t不够。")
    assert cleaned == "班子成员学习不够。"
    assert cleaning[0].code == "stray-space" and cleaning[0].count == 3


def test_clean_seed_is_left_unchanged_and_scrub_is_idempotent():
    assert scrub(seed("004")) == (seed("004"), [])
    for prefix in ("000", "001", "002", "003"):
        cleaned, cleaning = scrub(seed(prefix))
        assert cleaning
        assert scrub(cleaned) == (cleaned, [])


@pytest.mark.parametrize(
    "prefix, slots",
    [
        ("000", ["*"]),
        ("002", ["**"]),
        ("003", ["XX", "X"]),
        ("004", ["*"]),
    ],
)
def test_placeholders_kept_in_text_and_reported_as_slots(prefix, slots):
    parsed = parse_text(seed(prefix))
    text = parsed.document.text()
    found = {slot.text for slot in find_slots(text)}
    assert found == set(slots)
    findings = [f for f in check_structure(parsed).findings if f.code == "placeholder"]
    assert findings and all(f.severity == "warning" for f in findings)
    assert {s for f in findings for s in slots if f"“{s}”" in f.message} == set(slots)


def test_placeholder_examples_from_the_seeds_stay_in_place():
    text = parse_text(seed("003")).document.text()
    assert "党的XX届X中X会精神" in text
    assert "XX党支部聚焦主题" in text
    assert "*村支部班子" in parse_text(seed("000")).document.text()
    assert "按**《关于认真开好" in parse_text(seed("002")).document.text()


def test_find_slots_kinds_and_positions():
    text = "党的XX届X中X会，*个村，××同志，【待补：单位名称】，XXL码，Xi"
    slots = find_slots(text)
    assert [s.text for s in slots] == ["XX", "X", "X", "*", "××", "【待补：单位名称】"]
    assert all(text[s.start : s.end] == s.text for s in slots)


def test_ideographic_indent_is_layout_not_noise():
    # Text exported from Word indents every paragraph with two ideographic spaces: removed silently.
    text = "\u3000\u3000按照要求，开展学习。\n\u3000\u3000一、存在的问题\n\u3000\u3000（一）在理论学习方面"
    cleaned, cleaning = scrub(text)
    assert cleaned == "按照要求，开展学习。\n一、存在的问题\n（一）在理论学习方面"
    assert cleaning == []
    # Other leading blanks (a no-break space, as in seed 002) are still reported.
    assert report(" \xa0按照要求。") == {"stray-space": 1}
