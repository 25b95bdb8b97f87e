"""Real answers of a small model (Qwen2.5-Coder-1.5B on llama-cpp-python, tests/fixtures/live/*.answers.json, three
examples drafted through the CLI) put through the model drafter again with the in-process fake model: whatever
the model wrote, the item comes out as the unit's facts, checked model text and precise 【待补】, never as the
leftovers those runs shipped (英文 field keys, '问题（措施。', '；。', a slot echoed alone, invented dates,
'比如，<the fault>' in a measure, the preamble's counts dropped as a prompt echo)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from pipeline.draft.drafter import ModelDrafter
from pipeline.draft.plan import make_outline
from pipeline.material.preparation import preparation_facts
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.models.fake import QueuedChatModel
from pipeline.review.additions import profile_text
from pipeline.text.deadlines import core
from pipeline.text.facts import fact_present, invented_dates

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = sorted((ROOT / "tests" / "fixtures" / "live").glob("*.answers.json"))
PENDING = re.compile(r"【待补：[^【】]*】")  # the whole item one 【待补】: the model failed it
SLOT = re.compile(r"【[^【】]*】")


def replayed(capture: Path) -> tuple[dict, dict]:
    data = json.loads(capture.read_text(encoding="utf-8"))
    profile = load_profile(ROOT / data["profile"])
    outline = make_outline(profile, resolve_spec(profile))
    items = {item.key: item for item in outline.items()}
    drafted = {}
    for answer in data["items"]:
        if answer["role"] == "causes":
            # Captured when the tool still filed causes under roots it chose: those items no longer exist.
            continue
        model = QueuedChatModel().queue(answer["raw"], answer["raw"])  # the re-ask gets the same answer
        item = items[answer["key"]]
        drafted[item.key] = (item, asyncio.run(ModelDrafter(model, "qwen1.5b").draft(item, outline, profile, [])))
    return {"profile": profile, "outline": outline}, drafted


@pytest.fixture(scope="module", params=CAPTURES, ids=[c.name.replace(".qwen1.5b", "").replace(".answers.json", "") for c in CAPTURES])
def live(request):
    return replayed(request.param)


def test_the_live_runs_are_captured():
    assert len(CAPTURES) == 14
    for capture in CAPTURES:
        data = json.loads(capture.read_text(encoding="utf-8"))
        assert len(data["items"]) >= 14 and all(item["raw"] for item in data["items"])


def test_no_leftover_of_the_answer_reaches_the_draft(live):
    context, drafted = live
    known = profile_text(context["profile"]) + context["outline"].title
    for key, (item, draft) in drafted.items():
        text = "".join(draft.paragraphs)
        if PENDING.fullmatch(text):
            assert "方面”方面" not in text, key
            continue
        assert not re.search(r"(?i)\b(?:measure|owner|deadline|cause)\b", text), (key, text)
        assert not re.search(r"（[^（）。]{0,12}。", text), (key, text)  # a bracket cut at its colon
        assert not re.search(r"[；;，,]。", text) and text.count("（") == text.count("）"), (key, text)
        assert not re.search(r"(?:^|[。！？])(?:存在的?问题(?:是)?：|问题和事实|本单位自己定的|本单位情况[是：]|实际情况。)", text), \
            (key, text)
        assert not invented_dates(text, known), (key, text)
        if item.facts and item.role != "measures":
            bare = [s for s in re.findall(r"[^。！？]*[。！？]?", text) if SLOT.search(s) and not SLOT.sub("", s).strip("。 ")]
            assert not bare, (key, text)


def test_measures_say_the_units_own_measure_owner_and_time_limit(live):
    _, drafted = live
    for key, (item, draft) in drafted.items():
        text = "".join(draft.paragraphs)
        if item.role != "measures" or PENDING.fullmatch(text):
            continue
        assert not any("比如，" + fact.rstrip("。") in text for fact in item.facts), (key, text)  # a fault is no measure
        for detail in item.details:
            if detail["measure"]:
                assert fact_present(detail["measure"], text), (key, text)
            assert (detail["owner"] in text) if detail["owner"] else re.search(r"【待补：责任人】|负责|牵头", text), (key, text)
            assert core(detail["deadline"]) in text if detail["deadline"] else "【待补：完成时限】" in text, (key, text)


def test_a_preamble_that_is_kept_carries_every_preparation_fact(live):
    context, drafted = live
    _, draft = drafted["preamble-01"]
    text = "".join(draft.paragraphs)
    if not PENDING.fullmatch(text):
        assert all(fact_present(fact, text) for fact in preparation_facts(context["profile"])), text


def test_what_the_live_runs_shipped_is_fixed():
    agency = replayed(ROOT / "tests/fixtures/live/agency-2024-dangji.qwen1.5b.run1.answers.json")[1]
    branch = replayed(ROOT / "tests/fixtures/live/branch-2025-zuzhi.qwen1.5b.run1.answers.json")[1]

    def text(drafted, key):
        return "".join(drafted[key][1].paragraphs)

    # Shipped '【待补：责任人】。2024年9月底前。比如，案卷评查中有6份文书…' and, elsewhere, '【待补：measure】'.
    assert text(agency, "measures-05") == "对6份问题文书逐份整改，执法文书实行法制员审核签字。责任人：法规科科长。完成时限：2024年9月底前。"
    assert "【待补：measure】" not in text(agency, "measures-02") and "不得以业务培训代替" in text(agency, "measures-02")
    # The preamble the model wrote with the unit's counts was dropped as an echo of the prompt.
    assert "谈话交流31人次，征求意见建议19条" in text(branch, "preamble-01")
    # 'we found it in 2025年1月 … 2025年4月': dates the unit never gave.
    assert "2025年1月" not in text(branch, "case_study-01") and "挪用惠民资金" in text(branch, "case_study-01")
    # '确定了每月【待补。需要补充的内容】', '负责人是社区食堂负责人'; '责任人。党支部书记和楼栋长。…意见；。'
    assert "每月【待补：需要补充的内容】日前" in text(branch, "measures-03")
    assert "负责人是【待补：责任人】" in text(branch, "measures-03")
    assert "责任人：【待补：责任人】" in text(branch, "measures-04") and "楼栋长" not in text(branch, "measures-04")
    # A year's result the unit gave, asked for again as a bare 【待补：整改结果】.
    assert "【待补：整改结果】" not in text(branch, "last_year-01") and "120余人次" in text(branch, "last_year-01")


def test_what_the_second_live_runs_shipped_is_fixed():
    live = ROOT / "tests/fixtures/live"
    agency = replayed(live / "agency-2024-dangji.qwen1.5b.run2.answers.json")[1]
    branch = replayed(live / "branch-2025-zuzhi.qwen1.5b.run2.answers.json")[1]
    township = replayed(live / "township-2024-niandu.qwen1.5b.run2.answers.json")[1]

    def text(drafted, key):
        return "".join(drafted[key][1].paragraphs)

    # '…确保学习质量和效果（措施：…；完成时限：2024年9月起执行。' — the label ate the bracket's close.
    assert text(agency, "measures-01").startswith("严格按照“三会一课”制度开展学习活动，确保学习质量和效果。")
    # Two measures the model added, with its own owners and dates: they get the slots, not the unit's owner and
    # time limit, which stay with the unit's own measure.
    township_1 = text(township, "measures-01")
    assert "党委办公室" not in township_1 and "2025年6月" not in township_1 and "2025年8月" not in township_1
    assert township_1.count("镇长、分管副镇长") == 1 and township_1.count("2025年3月底前") == 1
    assert township_1.count("【待补：完成时限】") == 2
    # '负责人。完成时限：【待补：完成时限】。' and '责任人为：/- 宣传委员' on two lines.
    assert "负责人：【待补：责任人】" in text(branch, "measures-01")
    assert "责任人：宣传委员。" in text(agency, "measures-06") and "。宣传委员。" not in text(agency, "measures-06")
    # 'Problem's essence is: …' and '本单位情况是，…' openings restated the prompt.
    assert text(agency, "problems-03").startswith("执法环节的风险防控不够严格")
    assert "本单位情况是" not in text(branch, "problems-04")


def test_what_the_third_live_runs_shipped_is_fixed():
    branch = replayed(ROOT / "tests/fixtures/live/branch-2025-zuzhi.qwen1.5b.run3.answers.json")[1]
    # '责任人：【待补】。完成时限：【待补】。责任人：【待补】。…' five times over: no measure at all, so the model failed it.
    assert PENDING.fullmatch("".join(branch["measures-03"][1].paragraphs))
    # Its own slot after a label is the pipeline's: '负责：…；完成时限：【待补：完成时限】' keeps one slot, not two.
    assert "".join(branch["measures-05"][1].paragraphs).count("【待补：完成时限】") == 1


def test_what_the_fourth_live_runs_shipped_is_fixed():
    live = ROOT / "tests/fixtures/live"
    agency = replayed(live / "agency-2024-dangji.qwen1.5b.run4.answers.json")[1]
    branch = replayed(live / "branch-2025-zuzhi.qwen1.5b.run4.answers.json")[1]
    township = replayed(live / "township-2024-niandu.qwen1.5b.run4.answers.json")[1]

    def text(drafted, key):
        return "".join(drafted[key][1].paragraphs)

    # Opened with '现将对照检查情况报告如下：', ended with '感谢大家的参与和支持！'.
    assert text(agency, "preamble-01").endswith("。现将对照检查情况报告如下：") and "感谢大家" not in text(agency, "preamble-01")
    # '现将对照检查情况报告如下：【待补：需要补充的内容】。' then the counts re-inserted after the closing line.
    assert text(township, "preamble-01") == ("会前，党委理论学习中心组围绕党的二十届三中全会精神开展专题学习4次，谈心谈话46人次，"
                                              "征求意见建议32条。现将对照检查情况报告如下：")
    # '【待补：责任人】：社区工作人员和志愿者；【待补：完成时限】：2周。', and the owner's name replaced in the text too.
    branch_4 = text(branch, "measures-04")
    assert "增加社区工作人员和志愿者的力量" in branch_4 and branch_4.endswith("责任人：【待补：责任人】；【待补：完成时限】。")
    # Four problems the model listed in the prompt's '（措施：…；责任人：…）' format, left as '对村党组织建设不到位。'
    assert text(township, "measures-04") == ("对3个未整改到位的财务问题逐一挂牌督办，村级财务每季度交叉检查一次。"
                                              "责任人：纪委书记。完成时限：2025年2月底前。")
    # The sub-part's heading and hint written out ('案例原因剖析——案例中的问题是怎样发生的，根源在哪里。').
    assert text(branch, "case_study-causes").startswith("放松党性修养")


def test_what_the_fifth_live_runs_shipped_is_fixed():
    live = ROOT / "tests/fixtures/live"
    agency = replayed(live / "agency-2024-dangji.qwen1.5b.run5.answers.json")[1]
    branch = replayed(live / "branch-2025-zuzhi.qwen1.5b.run5.answers.json")[1]
    township = replayed(live / "township-2024-niandu.qwen1.5b.run5.answers.json")[1]

    def text(drafted, key):
        return "".join(drafted[key][1].paragraphs)

    # '汉语拼音。zūn tóu qiáo fàn jiào kǎo …。' and a '阅读提示：' about it.
    assert text(branch, "problems-03") == "比如，社区食堂运营补贴使用情况第三季度没有按时公示。" or "pending" in \
        branch["problems-03"][1].flags
    assert "zūn" not in text(branch, "problems-03") and "汉语拼音" not in text(branch, "problems-03")
    # Run-in labels of the prompt's wording left as sentences: '实质或影响。…', '整改结果。…'.
    assert not text(branch, "problems-04").startswith("实质或影响") and "整改结果。" not in text(township, "last_year-01")
    # Talk about the answer: '请确保以上措施是本单位实际情况…', '这条措施回应了…这个事实'.
    assert "请确保" not in text(township, "measures-02") and "这条措施回应" not in text(agency, "measures-04")
