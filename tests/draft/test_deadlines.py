"""A measure's time limit is the unit's: one the model made up becomes the unit's own or 【待补：完成时限】, never a
silently cut clause (the in-process fake model answers; the drafter's own guards decide)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from pipeline.draft.measures import settle_measures
from pipeline.draft.drafter import ModelDrafter
from pipeline.draft.plan import make_outline
from pipeline.material.profile import load_profile, parse_profile, resolve_spec
from pipeline.models.fake import QueuedChatModel
from pipeline.text.deadlines import deadlines

ROOT = Path(__file__).resolve().parents[2]
SLOT = "【待补：完成时限】"
PROFILE = """
unit: {name: 幸福社区党支部, type: 党支部, self: 支部班子}
meeting: {spec: 2024-dangji-zuzhi, year: 2024}
preparation: {talks: 36, opinions: 21, study: 集中学习《中国共产党纪律处分条例》3次}
target_chars: 800
aspects:
  工作纪律:
    - problem: 先施工后报告
      facts: [社区微改造项目5月先开工、6月才向街道党工委报告]
      measure: 社区工程一律先报告后施工，开工前报街道党工委审批
      owner: 支部书记
  群众纪律:
    - problem: 群众诉求回复不及时
      facts: [有3户居民反映的诉求超过一周未回复]
      measure: 群众诉求实行登记、办理、回复闭环管理
      owner: 支部副书记
      deadline: 2024年8月底前
"""
# The unit's fact and measure in the model's words, then a time limit of its own.
NO_DEADLINE_GIVEN = ("社区微改造项目5月就动了工，到6月才报告街道党工委，支部班子对此深刻反省。今后社区工程一律先报告后施工，"
                     "所有工程都要先向街道党工委报批再动工，由支部书记负责，2027年3月底前完成整改。")
DEADLINE_GIVEN = ("有3户居民的诉求超过一周没有得到回复，支部班子对此深感愧疚。今后群众诉求实行登记、办理、回复闭环管理，"
                  "每一件都要按时答复，由支部副书记负责，确保2025年6月30日前全部整改到位。")


def setup(key: str):
    profile = parse_profile(yaml.safe_load(PROFILE))
    outline = make_outline(profile, resolve_spec(profile))
    item = next(i for i in outline.items() if i.key == key)
    return profile, outline, item


def draft(key: str, *answers: str):
    profile, outline, item = setup(key)
    model = QueuedChatModel().queue(*answers)
    drafted = asyncio.run(ModelDrafter(model, "fake").draft(item, outline, profile, []))
    return drafted, model, "".join(drafted.paragraphs)


def test_a_deadline_the_unit_never_gave_becomes_the_slot_not_a_cut_clause():
    drafted, model, text = draft("measures-02", NO_DEADLINE_GIVEN)
    assert "2027" not in text and f"{SLOT}完成整改" in text
    # Only the date went: the measure and the unit's own owner stay (the owner was once taken for invented).
    assert "由支部书记负责" in text and "街道党工委报批再动工" in text
    assert len(model.requests) == 1  # re-asking cannot make a model know a deadline
    assert "deadline-replaced" in drafted.flags and "number-removed" not in drafted.flags
    assert "owner-invented" not in drafted.flags
    assert drafted.removed == [f"deadline-invented：2027年3月底前 → {SLOT}"]


def test_a_different_deadline_becomes_the_units_own():
    drafted, model, text = draft("measures-01", DEADLINE_GIVEN)
    assert "2025" not in text and "确保2024年8月底前全部整改到位" in text
    assert len(model.requests) == 1 and drafted.removed == ["deadline-invented：2025年6月30日前 → 2024年8月底前"]


def test_a_labelled_deadline_is_replaced_whole():
    answer = DEADLINE_GIVEN.replace("确保2025年6月30日前全部整改到位", "整改时限为2026年底")
    drafted, _, text = draft("measures-01", answer)
    assert "2026" not in text and text.endswith("完成时限：2024年8月底前。")


def test_a_measure_with_no_time_limit_gets_the_units_or_the_slot():
    given, _, given_text = draft("measures-01", DEADLINE_GIVEN.replace("，确保2025年6月30日前全部整改到位", ""))
    assert given_text.endswith("由支部副书记负责。完成时限：2024年8月底前。") and "deadline-added" in given.flags
    none, _, none_text = draft("measures-02", NO_DEADLINE_GIVEN.replace("，2027年3月底前完成整改", ""))
    assert none_text.endswith("由支部书记负责。" + SLOT) and "deadline-added" in none.flags


def test_the_units_measure_and_owner_are_added_where_the_answer_leaves_them_out():
    """A live answer (Qwen2.5-Coder-1.5B) that only echoed the instruction's slots: they go, and the measure says
    the unit's own measure, owner and time limit instead of "【待补：责任人】。2024年9月底前。比如，<the fault>"."""
    answer = "支部班子要切实加强执法文书管理，提高办案质量。【待补：责任人】\n【待补：完成时限】"
    profile = load_profile(ROOT / "examples" / "agency-2024-dangji.yaml")
    outline = make_outline(profile, resolve_spec(profile))
    item = next(i for i in outline.items() if i.key == "measures-05")
    model = QueuedChatModel().queue(answer, answer)  # re-asked once: far shorter than asked
    drafted = asyncio.run(ModelDrafter(model, "fake").draft(item, outline, profile, []))
    assert drafted.paragraphs == ["支部班子要切实加强执法文书管理，提高办案质量。对6份问题文书逐份整改，执法文书实行法制员审核签字。"
                                  "责任人：法规科科长。完成时限：2024年9月底前。"]
    assert {"measure-added", "owner-added", "deadline-added"} <= set(drafted.flags) and len(model.requests) == 2
    assert "比如" not in drafted.paragraphs[0]  # the problem's fact is not a measure


def test_an_owner_the_model_made_up_becomes_the_units_own():
    drafted, _, text = draft("measures-01", DEADLINE_GIVEN.replace("由支部副书记负责", "由社区办公室负责"))
    assert "社区办公室" not in text and "由支部副书记负责" in text and "owner-replaced" in drafted.flags
    assert "owner-invented：社区办公室 → 支部副书记" in drafted.removed


def test_the_units_own_time_limits_are_kept():
    drafted, _, text = draft("measures-01", DEADLINE_GIVEN.replace("2025年6月30日前", "2024年8月底前"))
    assert "确保2024年8月底前全部整改到位" in text
    assert not {"deadline-replaced", "deadline-added", "measure-added", "owner-added"} & set(drafted.flags)
    assert drafted.removed == []


def test_a_limit_that_cannot_stand_for_a_date_closes_the_clause():
    """The agency's 2024年9月起执行 is a start, not a "by": it is said as 完成时限：…, and a bare verb left behind goes."""
    profile = load_profile(ROOT / "examples" / "agency-2024-dangji.yaml")
    outline = make_outline(profile, resolve_spec(profile))
    items = {i.key: i for i in outline.items()}
    done = settle_measures(["每次集中学习选取1个本局执法案例对照条例讨论，由支部书记负责，2027年3月底前完成。"],
                           items["measures-01"])
    assert done.paragraphs == ["每次集中学习选取1个本局执法案例对照条例讨论，由支部书记负责，完成时限：2024年9月起执行。"]
    assert done.changed == [("2027年3月底前", "完成时限：2024年9月起执行")] and not done.added
    # A time in the unit's own measure (3个工作日内) is not a deadline the model made up.
    kept = "群众诉求实行登记、办理、回复闭环管理，3个工作日内回复，由支部副书记负责，2024年8月底前完成。"
    done = settle_measures([kept], items["measures-04"])
    assert done.paragraphs == [kept] and not done.changed and not done.added


def test_other_items_are_left_alone():
    _, _, item = setup("problems-05")
    assert settle_measures(["2027年3月底前还没有整改。"], item).paragraphs == ["2027年3月底前还没有整改。"]


@pytest.mark.parametrize("text, found", [
    ("2027年3月底前完成", ["2027年3月底前"]), ("于2025年6月30日前", ["2025年6月30日前"]), ("今年年底前", ["今年年底前"]),
    ("3个工作日内回复", ["3个工作日内"]), ("两年内", ["两年内"]), ("完成时限：2024年10月底前", ["完成时限：2024年10月底前"]),
    ("9月底前建立台账", ["9月底前"]), ("2027年3月完成", ["2027年3月"]),
    # Not time limits: a meeting's year, months in a fact, a slot already there.
    ("2024年度民主生活会", []), ("7月、8月两次主题党日", []), ("完成时限：【待补：完成时限】", []), ("第三季度没有公示", [])])
def test_what_reads_as_a_time_limit(text, found):
    assert [d.text for d in deadlines(text)] == found
