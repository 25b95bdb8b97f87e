"""The preamble states the unit's preparation (study, 谈心谈话 人次, 征求意见 条数) in the unit's own numbers: one left
out is re-asked, then inserted verbatim and flagged; a changed count is an invented number, even when the
number occurs elsewhere in the profile."""

from __future__ import annotations

import asyncio

import yaml

from pipeline.draft.drafter import ModelDrafter
from pipeline.draft.pending import add_preparation
from pipeline.draft.plan import make_outline
from pipeline.material.profile import parse_profile, resolve_spec
from pipeline.models.fake import QueuedChatModel

PROFILE = """
unit: {name: 幸福社区党支部, type: 党支部, self: 支部班子}
meeting: {spec: 2024-dangji-zuzhi, year: 2024}
preparation: {talks: 36, opinions: 21, study: 集中学习《中国共产党纪律处分条例》3次}
target_chars: 800
aspects:
  工作纪律:
    - problem: 先施工后报告
      facts: [社区微改造项目5月先开工、6月才向街道党工委报告]
"""
STUDY = "会前，支部班子集中学习《中国共产党纪律处分条例》3次，逐条对照检视。"
CLOSING = "现将对照检查情况报告如下："
COUNTS = "支部委员之间、支委与党员之间开展谈心谈话36人次，面向居民和党员征求意见建议21条。"


def draft(*answers: str):
    profile = parse_profile(yaml.safe_load(PROFILE))
    outline = make_outline(profile, resolve_spec(profile))
    item = outline.items()[0]
    assert item.role == "preamble"
    assert item.facts == ["集中学习《中国共产党纪律处分条例》3次", "谈心谈话36人次", "征求意见建议21条"]
    model = QueuedChatModel().queue(*answers)
    drafted = asyncio.run(ModelDrafter(model, "fake").draft(item, outline, profile, []))
    return drafted, model, "".join(drafted.paragraphs)


def test_a_preamble_with_the_units_counts_is_kept_as_written():
    # The closing line is the one the prompt asks for: once dropped as an echo of the prompt's 写作要求 line.
    drafted, model, text = draft(STUDY + COUNTS + CLOSING)
    assert len(model.requests) == 1 and text == STUDY + COUNTS + CLOSING and "fact-inserted" not in drafted.flags


def test_counts_left_out_are_reasked_then_inserted_verbatim_and_flagged():
    without = STUDY + "支部委员之间、支委与党员之间广泛开展谈心谈话，面向居民和党员广泛征求意见建议。" + CLOSING
    drafted, model, text = draft(without, without)
    assert len(model.requests) == 2
    reask = model.requests[1]["messages"][-1][1]
    assert "谈心谈话36人次" in reask and "征求意见建议21条" in reask
    # Inserted in the unit's words before the closing line, not as an example (比如) after it.
    assert text.endswith("会前，谈心谈话36人次，征求意见建议21条。" + CLOSING) and "比如" not in text
    assert "fact-inserted" in drafted.flags and drafted.missing_facts == ["谈心谈话36人次", "征求意见建议21条"]


def test_a_changed_count_is_an_invented_number_even_when_the_profile_has_it_elsewhere():
    """5 is in the profile (5月先开工), but not as a count of talks: the preamble's numbers are the preparation's."""
    changed = COUNTS.replace("36人次", "5人次")
    drafted, model, text = draft(STUDY + changed + CLOSING, STUDY + COUNTS + CLOSING)
    assert len(model.requests) == 2 and "5" in model.requests[1]["messages"][-1][1]
    assert text == STUDY + COUNTS + CLOSING  # the re-asked answer, with the unit's count


def test_a_changed_count_the_reask_keeps_is_cut_and_the_units_count_inserted():
    changed = STUDY + COUNTS.replace("36人次", "50人次") + CLOSING
    drafted, _, text = draft(changed, changed)
    assert "50" not in text and "谈心谈话36人次" in text and "征求意见建议21条" in text
    assert {"number-removed", "fact-inserted"} <= set(drafted.flags)
    assert any(entry.startswith("number-invented：") and "50人次" in entry for entry in drafted.removed)


def test_insertion_without_a_closing_line_appends():
    assert add_preparation(["支部班子认真做了会前准备。"], ["谈心谈话36人次"]) == ["支部班子认真做了会前准备。会前，谈心谈话36人次。"]
    assert add_preparation([], ["谈心谈话36人次"]) == []
