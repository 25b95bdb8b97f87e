"""Where each sentence came from: the classifier on a capable model's answer (markers or none), the offline record,
and strict mode's drop with a precise 【待补】."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pipeline.draft.assemble import ItemDraft
from pipeline.draft.drafter import ModelDrafter, OfflineDrafter
from pipeline.draft.item_facts import item_facts
from pipeline.draft.plan import make_outline
from pipeline.draft.provenance import classify
from pipeline.draft.strict import drop_unsourced
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.models.fake import QueuedChatModel

ROOT = Path(__file__).resolve().parents[2]
COUNTY = ROOT / "examples" / "county-2025-niandu.yaml"
FACTS = ["全县取水许可核查任务年初部署，到10月底只完成了71%", "落实上级水资源刚性约束要求不够坚决"]
CONTEXT = ["临河县水利局领导班子", "局领导班子", "带头强化政治忠诚、提高政治能力"]

# A capable model's paragraph, without markers: the unit's facts paraphrased, then what nobody in the unit said.
ANSWER = ("在带头强化政治忠诚、提高政治能力方面，局领导班子落实上级水资源刚性约束要求不够坚决。"
          "全县取水许可核查任务年初就已部署，但截至10月底仅完成71%。"
          "班子成员与分管科室负责人之间开展谈心谈话不够经常。有的支部“三会一课”质量不高。"
          "政绩观存在偏差，碍于情面不愿较真碰硬。调查研究浮在面上的问题得到一定改善。"
          "逐科室查找廉政风险点，建立风险清单和防控台账。落实上级水资源刚性约束要求不够坚决，政绩观存在偏差。"
          "现将对照检查情况报告如下：【待补：本单位在这方面的具体事例】")


def sources(text: str, facts=FACTS) -> list[tuple[str, str]]:
    return [(s.source, s.text) for s in classify(text, facts, CONTEXT)]


def test_facts_are_unit_claims_are_model_formulae_are_formula():
    found = sources(ANSWER)
    assert [s for s, _ in found] == ["unit", "unit", "model", "model", "model", "model", "model", "model",
                                     "formula", "formula"]
    first, second = classify(ANSWER, FACTS, CONTEXT)[:2]
    assert first.facts == ["F2"] and second.facts == ["F1"]


def test_an_invented_number_is_the_models_however_close_the_words():
    [sentence] = classify("全县取水许可核查任务年初部署，到10月底只完成了65%。", FACTS, CONTEXT)
    assert sentence.source == "model"


def test_citation_markers_are_stripped_recorded_and_verified():
    text = "截至10月底取水许可核查仅完成71%[F1]。政绩观存在偏差[F1]。"
    first, second = classify(text, FACTS, CONTEXT)
    assert first.text == "截至10月底取水许可核查仅完成71%。" and first.source == "unit" and first.facts == ["F1"]
    # Citing a fact does not make an admission the unit's.
    assert second.text == "政绩观存在偏差。" and second.source == "model" and second.cited == ["F1"]


def test_offline_draft_records_only_unit_and_formula_with_fact_paths():
    profile = load_profile(COUNTY)
    outline = make_outline(profile, resolve_spec(profile, COUNTY.parent))
    drafter = OfflineDrafter()
    records = [asyncio.run(drafter.draft(item, outline, profile, [])) for item in outline.items()]
    sentences = [s for r in records for s in r.sentences]
    assert {s.source for s in sentences} == {"unit", "formula"}
    assert all("".join(s.text for s in r.sentences) == "".join(r.paragraphs).replace("\n", "")
               or r.role in ("problems", "causes", "measures") for r in records)
    ids = {i for s in sentences for i in s.facts}
    assert "preparation.talks" in ids and any(i.endswith(".facts.0") for i in ids)


def test_model_drafter_records_sentences_of_an_unmarked_answer():
    profile = load_profile(COUNTY)
    outline = make_outline(profile, resolve_spec(profile, COUNTY.parent))
    item = next(i for i in outline.items() if i.role == "problems")
    fact = item.facts[0]
    chat = QueuedChatModel(default=f"{item.problems[0]}，{fact}。政绩观存在偏差，碍于情面不愿较真碰硬。")
    drafted = asyncio.run(ModelDrafter(chat, "fake").draft(item, outline, profile, []))
    kinds = {s.text: s.source for s in drafted.sentences}
    assert kinds["政绩观存在偏差，碍于情面不愿较真碰硬。"] == "model"
    unit = [s for s in drafted.sentences if s.source == "unit"]
    assert unit and all(i in {f.id for f in item_facts(item, outline, profile)} for s in unit for i in s.facts)
    assert len(chat.requests) <= 2  # the draft (and at most its one re-ask): no request of its own


def test_strict_drops_model_sentences_and_says_where():
    sentences = classify(ANSWER, FACTS, CONTEXT)
    draft = ItemDraft(key="problems-01", role="problems", system="model:x", paragraphs=[ANSWER], sentences=sentences)
    dropped = drop_unsourced(draft)
    text = "".join(dropped.paragraphs)
    assert "政绩观" not in text and "全县取水许可核查任务年初就已部署" in text
    assert text.count("【待补：此处删去了资料中没有依据的内容") == 1  # one run of dropped sentences, one slot
    assert "原句“班子成员与分管科室负责人" in text
    assert not any(s.source == "model" for s in dropped.sentences)
    assert any(r.startswith("unsourced-dropped：") for r in dropped.removed)
