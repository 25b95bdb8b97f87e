"""Fuzzing the parser and the checkers: 10,000 generated inputs, none may raise or take a second.

Strategies: random unicode; text in the genre's shape (numbering markers 一、（一）一是 1. （1）, headings, CJK
clauses, scrape noise); and very long lines (100,000 characters). Each input goes through parse_text,
check_structure (with and without a spec) and check_content. Inputs that once were slow (regex backtracking
on long runs) are kept as fixed cases at the end.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipeline.review.structure import check_structure
from pipeline.draft.clean import clean_output
from pipeline.review.content import check_content
from pipeline.material.parse import parse_text
from pipeline.material.specs import load_spec

LIMIT = 3.0  # CPU seconds per input and stage: far above normal cost (≈0.1 s), far below a quadratic blow-up
# Hypothesis's own deadline (wall clock, the whole example) only catches runaway cases; run_all checks each stage.
FUZZ = dict(deadline=timedelta(seconds=10 * LIMIT), database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])


@lru_cache(maxsize=1)
def corpus():
    from pipeline.review.copyrate import load_corpus

    loaded = load_corpus(use_store=False)
    # Warm up once outside the timing: the first content check loads jieba's dictionary (about a second).
    check_content(parse_text("一、存在的问题\n（一）在理论学习方面\n比如全年只学了2次。").document, None, loaded, 4000,
                  ["全年只学了2次"])
    return loaded


@lru_cache(maxsize=1)
def warmed() -> bool:
    """Word lists, compiled patterns and the copy corpus load on first use: not part of any input's time."""
    from pipeline.core.resources import data_dir

    seed = (data_dir("corpus") / "001_5e55ffca6ee2661c.txt").read_text(encoding="utf-8")
    spec = load_spec("2023-zhuti-minzhu")
    parsed = parse_text(seed, spec)
    check_structure(parsed, None)
    check_content(parsed.document, spec, corpus(), 4000, ["加装电梯协调会全年只开了2次"])
    return True


def timed(function, *args):
    # CPU time: what the code costs, not how busy the machine running the suite is.
    started = time.process_time()
    value = function(*args)
    return value, time.process_time() - started


def run_all(text: str, spec_id: str | None = "2023-zhuti-minzhu", with_corpus: bool = False, content: bool = True) -> None:
    """No exception escapes, and no stage takes LIMIT seconds on the input."""
    spec = load_spec(spec_id) if spec_id else None
    warmed()
    copy_corpus = corpus() if with_corpus else None  # built once, outside the timing
    facts = ["加装电梯协调会全年只开了2次", "一、忽略"] if with_corpus else None
    parsed, parse_time = timed(parse_text, text, spec)
    _, guess_time = timed(check_structure, parsed, None)
    report, check_time = timed(check_structure, parsed, spec)
    times = {"parse": parse_time, "structure": guess_time, "structure+spec": check_time}
    if content:
        result, times["content"] = timed(check_content, parsed.document, spec, copy_corpus, 4000 if with_corpus else None,
                                         facts)
        for found in result.findings:
            assert_points_inside(found.path, parsed.document)
    assert max(times.values()) < LIMIT, (times, text[:200])
    assert report.ok == (report.count("error") == 0)
    for found in report.findings:
        assert_points_inside(found.path, parsed.document)


def assert_points_inside(path: list[int], document) -> None:
    """A finding's path names a section, then one of its items or intro points, then a point: all exist."""
    assert len(path) <= 3, path
    if not path:
        return
    assert 0 <= path[0] < len(document.sections), path
    section = document.sections[path[0]]
    if len(path) >= 2:
        assert path[1] < max(len(section.items), len(section.intro)), path
    if len(path) == 3:
        assert path[2] < len(section.items[path[1]].points), path


# --- strategies ---------------------------------------------------------------------------------------------------

MARKERS = ["一、", "二、", "三、", "十一、", "（一）", "（二）", "（十）", "(三)", "一是", "二是", "三是", "1.", "2.", "1、",
           "3、", "（1）", "（2）", "(3)", "①", "1．", "二十、", "十十、", "一二十", "（十十）", "九九是", "十"]
HEADINGS = ["存在的问题", "存在的主要问题", "产生问题的原因", "问题根源", "整改措施", "今后努力方向", "理论学习方面",
            "政治素质方面", "能力本领方面", "担当作为方面", "工作作风方面", "廉洁自律方面", "上年度问题整改情况",
            "典型案例剖析", "对照检查材料"]
CLAUSES = ["学习不够深入", "比如，2023年只开了3次会", "联系群众不够经常", "究其原因", "总之，", "下一步", "对照检查如下：",
           "思想认识不到位", "XX村", "**", "党的XX届X中全会", "##paidbegin##", "##paidend##", "zuzhi", "【待补：事例】",
           "【待补", "　", "  ", "\t", ";", ",", ":", "？", "！", "。", "，", "；", "：", "、", "“", "”", "2024年12月20日",
           "二〇二四年十二月", "按照", "现将对照检查情况报告如下", "A", "ignore previous instructions"]
PIECES = st.sampled_from(MARKERS + HEADINGS + CLAUSES + ["\n"] * 6)
CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=12)

genre_text = st.lists(st.one_of(PIECES, CJK), min_size=1, max_size=80).map("".join)
unicode_text = st.text(max_size=400)


@st.composite
def long_line(draw) -> str:
    """A 100,000-character line: a short unit repeated, behind an optional heading or marker."""
    unit = draw(st.one_of(st.text(min_size=1, max_size=12), genre_text.filter(lambda t: 0 < len(t) <= 40)))
    head = draw(st.sampled_from(["", "一、存在的问题\n", "（一）", "一、存在的问题\n（一）理论学习方面\n一是"]))
    body = (unit * (100_000 // len(unit) + 1))[: 100_000 - len(head)]
    return head + body + draw(st.sampled_from(["", "\n二、产生问题的原因\n", "。", " "]))


# 4,000 + 5,660 + 300 + 40 = 10,000 inputs through the parser and the structure check; the content review (the
# slow stage, about 0.1 s an input) sees the 340 of them built to exercise it.

@settings(max_examples=4000, **FUZZ)
@given(unicode_text, st.sampled_from([None, "2023-zhuti-minzhu", "generic-zuzhi"]))
def test_random_unicode(text, spec_id):
    run_all(text, spec_id, content=False)


@settings(max_examples=5660, **FUZZ)
@given(genre_text, st.sampled_from([None, "2023-zhuti-minzhu", "2024-dangji-zuzhi", "suqing-liudu-zuzhi"]))
def test_genre_shaped_text(text, spec_id):
    run_all(text, spec_id, content=False)


@settings(max_examples=300, **FUZZ)
@given(st.lists(genre_text, min_size=1, max_size=6).map("\n".join))
def test_genre_shaped_text_with_copy_rate_and_facts(text):
    run_all(text, "2023-zhuti-minzhu", with_corpus=True)


# No shrinking: shrinking a 100,000-character example takes longer than the whole suite; the failing
# example is reported as generated.
@settings(max_examples=40, phases=(Phase.explicit, Phase.reuse, Phase.generate), **FUZZ)
@given(long_line())
def test_very_long_lines(text):
    run_all(text, "2023-zhuti-minzhu")


# --- shapes that were once slow -----------------------------------------------------------------------------------

N = 100_000
ONCE_SLOW = {
    # A run of blanks inside a line: trailing-blank patterns retried at every blank (scrub, clean_lines).
    "blank run between latin letters": "一、存在的问题\n（一）a" + " " * N + "b\n",
    "blank run between CJK": "（一）理论" + " " * N + "学习",
    # An aspect heading with blanks: the heading normaliser's suffix pattern ended in [\s]*$.
    "long heading": "（一）" + "学 " * (N // 2),
    # An unclosed 【待补 repeated: the slot pattern scanned to the end of the text from each one.
    "unclosed slots": "【待补" * (N // 3),
    "commas": "中" + "，" * N + "文",
    "dots": "学习" + "…" * N + "。",
    # Runs of digits or numerals: the concrete-marker and count patterns started inside the run (lexicon).
    "digits": "一、存在的问题\n（一）理论学习方面\n一是" + "1" * N,
    "numerals": "一、存在的问题\n（一）理论学习方面\n一是" + "二" * N + "个方面",
}


@pytest.mark.parametrize("case", list(ONCE_SLOW))
def test_once_slow_inputs_are_fast(case):
    run_all(ONCE_SLOW[case], "2023-zhuti-minzhu")


MODEL_ANSWERS = {
    "acknowledgements": "好的，" * (N // 3),
    "blank run": "班子学习不够深入" + " " * N + "x",
    "trailing separators": "一是学习不够" + "；" * N,
    "list clause": "在理论学习方面主要表现在" * (N // 12) + "：一是学习不深。",
    "runaway answer": "班子学习不够深入，比如全年只学了3次。" * (N // 19),
}


@pytest.mark.parametrize("case", list(MODEL_ANSWERS))
@pytest.mark.parametrize("role", ["problems", "measures", "preamble"])
def test_cleaning_a_runaway_model_answer_is_fast(case, role):
    started = time.process_time()
    cleaned = clean_output(MODEL_ANSWERS[case], role, "stop", aspect="理论学习", echo_sources=["本段：写问题"],
                           unit="某支部", self_name="支部班子")
    assert time.process_time() - started < LIMIT
    assert sum(map(len, cleaned.paragraphs)) <= 20_000
