"""Checks of the meeting's documents: personal voice, 辣味 of criticisms, 查重 between members, 整改清单 rows."""

from __future__ import annotations

from pipeline.material.document import Document, Item, Point, Section
from pipeline.material.meeting_docs import LedgerRow
from pipeline.review.meeting_rules import (check_criticisms, check_ledger, check_personal, copy_against, has_bite,
                                           pairwise_copy)


def personal(*problems: str) -> Document:
    return Document(title="张三同志个人对照检查材料", sections=[
        Section(role="preamble", intro=[Point(text="按照会议要求，我作了准备。")]),
        Section(role="problems", marker="一、", heading="存在的主要问题",
                items=[Item(marker=f"（{n}）", heading="在作为担当方面", points=[Point(text=text)])
                       for n, text in zip("一二三", problems)])])


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_personal_voice_passes_and_collective_voice_is_flagged():
    assert check_personal(personal("我对分管的农业站管理偏松，比如2名干部上班时间离岗。")) == []
    flagged = check_personal(personal("我们班子对村级监督抓得不够严，比如3个问题没有整改。"))
    assert codes(flagged) == ["voice-collective"] and flagged[0].severity == "error"
    assert "我们班子" in flagged[0].message


def test_a_material_without_first_person_is_flagged():
    document = Document(title="张三", sections=[Section(role="problems", items=[
        Item(marker="（一）", heading="在担当方面", points=[Point(text="镇区新增违建5处没有拆除。")])])])
    assert set(codes(check_personal(document))) == {"voice-missing", "work-problem"}


def test_pure_work_problem_is_a_warning():
    findings = check_personal(personal("镇区新增违建5处没有拆除。", "我查处违建有畏难情绪，比如5处违建没有拆。"))
    assert codes(findings) == ["work-problem"] and findings[0].severity == "warning"


def test_bite():
    assert has_bite("防汛有侥幸心理，2座山塘巡查人员没有按时到岗")
    assert has_bite("希望你改进会风，全年常务会议41次")  # a wish that names the fact has bite
    assert not has_bite("希望进一步加强理论学习，发挥好带头作用")
    assert not has_bite("建议在今后工作中进一步提高站位")


def sheet(points_by_name: dict[str, list[str]]) -> Document:
    items = [Item(marker=f"（{n}）", heading=f"对{name}同志（副镇长）", points=[Point(text=t) for t in points])
             for n, (name, points) in zip("一二三四", points_by_name.items())]
    return Document(title="批评意见", sections=[Section(role="other", items=items)])


def test_criticisms_missing_and_wish_only():
    findings = check_criticisms(sheet({"王五": ["【待补：对王五同志的批评意见（指出具体问题和事例）】"],
                                       "赵六": ["希望进一步加强学习，提高站位。"],
                                       "钱七": ["抓安全检查流于形式，12处隐患有4处没有复查。"]}))
    assert [(f.code, f.severity) for f in findings] == [("criticism-missing", "error"), ("criticism-wish", "warning")]
    assert "王五" in findings[0].message


SHARED = "对分管领域的风险隐患排查得不够深入细致，有时满足于面上过得去。"


def test_pair_copy_counts_shared_sentences_and_exempts_mandated_wording():
    a = "带头履行全面从严治党政治责任方面。我对村级财务监督不严，3个问题没有整改。" + SHARED
    b = "带头履行全面从严治党政治责任方面。我对农业站管理偏松，2名干部上班离岗。" + SHARED
    rates = copy_against(a, {"b": b}, ["带头履行全面从严治党政治责任"])
    rate, run = rates["b"]
    shared = len(SHARED.replace("，", "").replace("。", ""))
    assert SHARED.rstrip("。") in run and "全面从严治党" not in run
    content = len([ch for ch in a.replace("带头履行全面从严治党政治责任", "") if ch not in "，。"])
    assert abs(rate - shared / content) < 0.02
    # Without the exemption the aspect name counts as copied too.
    assert copy_against(a, {"b": b}, [])["b"][0] > rate + 0.1


def test_pairwise_orders_pairs_by_rate():
    texts = {"甲": "我对分管工作抓得不细，比如台账不全。" + SHARED, "乙": "我对信访工作推得慢，比如2件超期。" + SHARED,
             "丙": "我主持组织生活不严，比如支委会推迟两周。"}
    pairs = pairwise_copy(texts, [])
    assert {pairs[0].a, pairs[0].b} == {"甲", "乙"} and pairs[0].rate > 0.3
    assert pairs[-1].rate == 0.0 and len(pairs) == 3


def row(number: int, owner: str = "张三", deadline: str = "2025年6月底", measure: str = "每月调度") -> LedgerRow:
    return LedgerRow(number=number, problem=f"问题{number}", who="张三", aspect="担当", measure=measure, owner=owner,
                     deadline=deadline, status="整改中")


def test_ledger_rows_need_owner_deadline_and_every_problem():
    rows = [row(1), row(2, owner=""), row(3, deadline="【待补：完成时限】")]
    findings = check_ledger(rows, [("张三", "问题1"), ("张三", "问题2"), ("张三", "问题3"), ("李四", "问题9")])
    assert sorted(codes(findings)) == ["ledger-deadline", "ledger-missing", "ledger-owner"]
    assert check_ledger([row(1)], [("张三", "问题1。")]) == []


def test_a_problem_raised_in_opinions_needs_its_measure_now_a_criticism_after_the_meeting():
    raised = row(1, measure="").model_copy(update={"kind": "opinions", "source": "征求意见"})
    received = row(2, measure="").model_copy(update={"kind": "criticism", "source": "相互批评（李四提给张三）"})
    findings = check_ledger([raised, received], [("张三", "问题1")])
    assert [(f.code, f.severity) for f in findings] == [("ledger-measure", "error"), ("ledger-measure", "warning")]
