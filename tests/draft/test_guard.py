"""The checks after drafting, on the 29 captured real answers and on hand-made cases."""

from __future__ import annotations

import re

import pytest
from captures import BY_ID, CAPTURES, IDS, clean_capture, task_lines

from pipeline.draft.guard import (
    Assessment,
    assess,
    better,
    fact_present,
    needs_reask,
    numbers,
    reasons,
    sharper_instruction,
)
from pipeline.core.resources import prompt_text


def assess_capture(capture: dict) -> Assessment:
    cleaned = clean_capture(capture)
    return assess(cleaned.paragraphs, capture["reference_passages"], capture["facts"],
                  known=[capture["meeting"], *task_lines(capture)], target_chars=capture["target_chars"],
                  flags=cleaned.flags, unit=capture["unit"])


# Read by hand: answers that reuse the reference passage (whole, or in long stretches) and those that do not.
COPIED = {"c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c11", "c12", "c13", "c14", "c15", "c18",
          "c19", "c20", "d01", "d02", "d03", "d04", "s01"}
OWN_WORDS = {"c16", "c17", "d05", "d06", "s02", "s03"}  # d06 reuses one 32-character clause in 379 characters
BORDERLINE = {"c10"}  # one copied sentence: exactly 30 %, the threshold itself


def test_labels_cover_every_capture():
    assert COPIED | OWN_WORDS | BORDERLINE == set(BY_ID) and not COPIED & OWN_WORDS


@pytest.mark.parametrize("capture", CAPTURES, ids=IDS)
def test_copying_is_caught_on_every_capture(capture):
    assessment = assess_capture(capture)
    if capture["id"] in COPIED:
        assert "copy" in reasons(assessment) and needs_reask(assessment)
        assert assessment.longest_copy_text in "\n".join(assessment.paragraphs)
        assert any(assessment.longest_copy_text[:13] in ref for ref in capture["reference_passages"])
    elif capture["id"] in OWN_WORDS:
        assert "copy" not in reasons(assessment) and assessment.copy_rate < 0.2


@pytest.mark.parametrize("capture", CAPTURES, ids=IDS)
def test_a_fact_with_its_numbers_missing_is_reported(capture):
    assessment = assess_capture(capture)
    text = "".join(assessment.paragraphs)
    for fact in capture["facts"]:
        digits = re.findall(r"\d+(?:\.\d+)?", fact)
        if any(d not in re.findall(r"\d+(?:\.\d+)?", text) for d in digits):
            assert fact in assessment.missing_facts


def test_known_cases_of_dropped_changed_and_paraphrased_facts():
    assert assess_capture(BY_ID["c01"]).missing_facts == ["今年春耕时3个地块承包纠纷未及时化解"]  # dropped
    # 10 部 planned became "加装电梯计划，仅完成4部": changed, so missing.
    assert assess_capture(BY_ID["c10"]).missing_facts == ["老旧小区加装电梯今年计划10部，仅完成4部"]
    # Paraphrased with numbers intact: present.
    assert assess_capture(BY_ID["c15"]).missing_facts == []  # "在春耕期间，3个地块承包纠纷未能及时化解"
    assert assess_capture(BY_ID["d03"]).missing_facts == []
    assert assess_capture(BY_ID["d05"]).missing_facts == []
    # "土地承包纠纷" without the 3 plots: missing.
    assert assess_capture(BY_ID["d06"]).missing_facts == ["今年春耕时3个地块承包纠纷未及时化解"]


def test_answers_without_problems_need_no_retry():
    d05 = assess_capture(BY_ID["d05"])
    assert d05.copy_rate < 0.1 and not d05.missing_facts and not d05.invented_numbers
    assert reasons(d05) == ["wrong-voice"]  # 公司/员工 remain after cleaning
    good = assess(["在理论学习方面，全年仅召开两次加装电梯协调会，群众意见较大。"], ["班子学习不够深入。"],
                  ["加装电梯协调会全年只开了2次"], target_chars=30)
    assert reasons(good) == [] and not needs_reask(good) and sharper_instruction(good) == ""


@pytest.mark.parametrize("fact, text, present", [
    ("加装电梯协调会全年只开了2次", "全年仅召开2次加装电梯协调会", True),
    ("加装电梯协调会全年只开了2次", "全年只召开两次加装电梯协调会议", True),
    ("加装电梯协调会全年只开了2次", "加装电梯协调会召开不及时", False),
    ("加装电梯协调会全年只开了2次", "全年开展2次主题党日", False),
    ("全年下校调研31次，其中到农村学校调研不足四成", "下校调研31次，到农村学校的不足四成", True),
    ("全年下校调研31次，其中到农村学校调研不足四成", "下校调研31次，多在城区学校", False),
    ("12345热线工单按时办结率91%", "12345热线工单按时办结率达到95%以上", False),
    ("12345热线工单按时办结率91%", "热线工单按时办结率仅为91％", True),
    ("村集体经济收入12.6万元，较上年增长8%", "村集体经济收入12.6万元，增长8%", True),
    ("谈心谈话覆盖全体党员", "班子成员与全体党员逐一谈心谈话", True),
    ("谈心谈话覆盖全体党员", "征求意见建议", False),
])
def test_fact_presence_allows_paraphrase_but_not_changed_numbers(fact, text, present):
    assert fact_present(fact, text) is present


def test_invented_numbers_are_those_in_no_source():
    text = ["社区12345热线工单按时办结率达到95%以上，全年受理工单3000余件，开展三次专题学习。"]
    assessment = assess(text, ["落实“三会一课”制度，做到“两个维护”。"], ["12345热线工单按时办结率91%"],
                        known=["2023年主题教育专题民主生活会"])
    assert assessment.invented_numbers == ["95%", "3000", "三次"]
    assert "invented" in reasons(assessment) and "missing" in reasons(assessment)
    # Names of the genre with numerals in them, years of the meeting and structure words are not claims.
    plain = assess(["2023年以来，认真落实“三会一课”和“第一议题”制度，坚持“四个意识”，从以下三个方面查摆，八小时以外。"],
                   [], [], known=["2023年主题教育专题民主生活会"])
    assert plain.invented_numbers == []


def test_numbers_read_chinese_numerals_as_values():
    assert set(numbers("两次、二十三个村、不足四成、百分之九十一、1.5倍")) == {2.0, 23.0, 4.0, 91.0, 1.5}
    assert numbers("一次会议，第二批，二十大，一是") == {}


def test_sharper_instruction_names_each_problem_from_the_prompt_file():
    d01 = assess_capture(BY_ID["d01"])  # copied, a fact dropped, strayed into 原因分析
    instruction = sharper_instruction(d01, self_name="支部")
    template = prompt_text("reask.txt")
    assert instruction.splitlines()[0] in template and instruction.splitlines()[-1] in template
    assert "征求意见建议17条，涉及教师减负的有6条" in instruction
    assert f"约{round(d01.copy_rate * 100)}%" in instruction and d01.longest_copy_text[:20] in instruction
    assert "本段以外" in instruction and "{" not in instruction
    short = sharper_instruction(assess_capture(BY_ID["c01"]))
    assert "篇幅太短" in short and "要求约300字" in short
    voice = sharper_instruction(assess_capture(BY_ID["d05"]), self_name="班子")
    assert "口吻不对" in voice and "“班子”" in voice and "漏写" not in voice
    empty = sharper_instruction(assess_capture(BY_ID["s03"]))
    assert "没有写出可用的正文" in empty and "漏写" not in empty


def test_better_keeps_the_answer_with_fewer_and_lighter_problems():
    copied = assess_capture(BY_ID["c01"])  # copied whole, fact dropped
    empty = assess_capture(BY_ID["s03"])
    faithful = assess_capture(BY_ID["d03"])  # fact kept, some copying
    assert better(copied, faithful) is faithful and better(faithful, copied) is faithful
    assert better(empty, copied) is copied
    assert better(faithful, faithful.model_copy()) is faithful  # a tie keeps the first
