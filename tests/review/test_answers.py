"""Problems ↔ measures (review/answers.py) on real inputs: the seeds' measures that answer their problems in other
words, the shipped examples drafted offline, and those drafts with a measure left out, replaced by another unit's,
or replaced by a stock one that only quotes the problem."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.core.resources import data_dir
from pipeline.corpus.passages import read_manifest
from pipeline.material.load import load_document
from pipeline.material.profile import resolve_spec
from pipeline.material.specs import load_spec
from pipeline.review.answers import match
from pipeline.review.check import CheckOptions, check_file
from pipeline.review.content import units_of

CORPUS = data_dir("corpus")
SEEDS = {path.name[:3]: path for path in sorted(CORPUS.glob("*.txt"))}


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "duizhao-cache"))
    monkeypatch.delenv("DUIZHAO_STORE_DIR", raising=False)
    monkeypatch.delenv("DUIZHAO_CHROMA_URL", raising=False)


def units(path: Path, spec):
    document = load_document(path, spec).document
    return (units_of(document, "problems", False), units_of(document, "measures", False),
            units_of(document, "causes"))


def seed_matching(prefix: str):
    spec = load_spec(read_manifest(CORPUS)[SEEDS[prefix].name].spec)
    problems, measures, causes = units(SEEDS[prefix], spec)
    return match(problems, measures, spec, causes), problems, measures


def pair(problems, measures, problem: str, measure: str) -> tuple[int, int]:
    (i,) = [i for i, u in enumerate(problems) if u.heading.startswith(problem)]
    (j,) = [j for j, u in enumerate(measures) if u.heading.startswith(measure)]
    return i, j


# --- the seeds: real 范文 whose measures answer their problems in other words ---------------------------------

# (seed, problem heading, measure heading, what they share in other words)
ANSWERING = [
    ("000", "思想认识方面", "以人为本惠民生", "党建履职、党风廉政职责 → 抓党建、一岗双责、第一责任"),
    ("001", "在理论学习方面", "强化理论武装", "学用孤立 → 学用结合、以知促行"),
    ("001", "在担当作为方面", "强化责任担当", "乡村产业、产业链短 → 农业综合产业园、高端产业链"),
    ("001", "在工作作风方面", "强化宗旨意识", "人民至上、群众观念淡薄 → 群众利益、深入基层调研"),
    ("001", "在廉洁自律方面", "坚持正风肃纪", "主体责任、制度执行 → 一岗双责、规章制度的执行"),
    ("002", "在工作作风方面", "注重狠抓正风肃纪", "沉下心调研较少 → 深入挂点社区开展调查研究"),
    ("003", "对照履行党章规定的职责任务", "突出“三个结合”", "学懂弄通、学用相长 → 理论和实践相结合"),
    ("003", "对照人民群众的新期待", "突出“三用三真”", "调查研究少、服务群众 → 用真心服务群众、到基层调研"),
    ("004", "党性观念是否纯洁", "深刻践行为民服务宗旨", "宗旨、深入群众 → 以人民为中心、深入基层一线"),
    ("004", "廉洁纪律是否严守", "不断加强党员教育管理", "全面从严治党 → 主体责任、党员教育管理"),
]
# Measures about another aspect: they answer nothing of these problems.
UNRELATED = [
    ("001", "在理论学习方面", "强化责任担当"), ("001", "在廉洁自律方面", "强化责任担当"),
    ("001", "在政治素质方面", "强化责任担当"), ("001", "在理论学习方面", "强化宗旨意识"),
    ("002", "在担当作为方面", "注重深化理论武装"),
    ("003", "对照履行党章规定的职责任务", "突出“三个坚守”"), ("003", "对照上级部署要求", "突出“三个坚守”"),
    ("004", "组织纪律是否遵守", "扎实推进党内主题教育"), ("004", "组织纪律是否遵守", "深刻践行为民服务宗旨"),
    ("004", "群众纪律是否忘记", "扎实推进党内主题教育"), ("004", "“四风”问题是否整改", "深刻践行为民服务宗旨"),
]


@pytest.mark.parametrize("prefix, problem, measure, shared", ANSWERING, ids=lambda v: str(v)[:12])
def test_seed_measures_answer_their_problems_in_other_words(prefix, problem, measure, shared):
    found, problems, measures = seed_matching(prefix)
    i, j = pair(problems, measures, problem, measure)
    assert found.answers(i, j), (shared, round(found.scores[i][j], 3))


@pytest.mark.parametrize("prefix, problem, measure", UNRELATED, ids=lambda v: str(v)[:12])
def test_seed_measures_of_another_aspect_do_not_answer(prefix, problem, measure):
    found, problems, measures = seed_matching(prefix)
    i, j = pair(problems, measures, problem, measure)
    assert not found.answers(i, j), round(found.scores[i][j], 3)


def test_seeds_fewer_problems_go_unanswered_than_before():
    # Measured before this matcher: 18 of the seeds' 27 problems and 10 of their 19 measures were reported; the
    # pairs above were among them. What is left is what no measure takes up (八小时之外的关心, 请示报告 …).
    reported = {"problems": 0, "measures": 0}
    for prefix in SEEDS:
        found, problems, measures = seed_matching(prefix)
        reported["problems"] += sum(not found.answered(i) for i in range(len(problems)))
        reported["measures"] += sum(not found.matched(j) for j in range(len(measures)))
    assert reported["problems"] <= 14 and reported["measures"] <= 7, reported


# --- the examples drafted offline -----------------------------------------------------------------------------

def draft_units(drafted):
    spec = resolve_spec(drafted.profile, drafted.profile_path.parent)
    return (spec, *units(drafted.md, spec))


def own_measures(drafted, problems, measures) -> list[tuple[int, int]]:
    """(problem, measure) of every profile problem whose measure the draft wrote (not a 【待补】 prompt)."""
    pairs = []
    for entry in [p for problems_ in drafted.profile.aspects.values() for p in problems_]:
        if not entry.measure:
            continue
        (i,) = [i for i, u in enumerate(problems) if entry.problem in u.text]
        (j,) = [j for j, u in enumerate(measures) if entry.measure in u.text]
        pairs.append((i, j))
    return pairs


def test_every_drafted_problem_is_answered_by_its_own_measure(offline_drafts):
    for name, drafted in offline_drafts.items():
        spec, problems, measures, causes = draft_units(drafted)
        found = match(problems, measures, spec, causes)
        for i, j in own_measures(drafted, problems, measures):
            assert found.answers(i, j) and found.best_measure(i) == j, (name, problems[i].text[:30])
            # Worded without quoting the problem (a model's draft), the measure still answers it.
            bare = re.sub(r"^(?:(?:对|针对|就)?“[^”]*”(?:的问题)?，)", "", measures[j].text[len(measures[j].heading):])
            reworded = [replace(m, text=m.heading + bare) if k == j else m for k, m in enumerate(measures)]
            again = match(problems, reworded, spec, causes)
            assert again.answers(i, j), (name, bare[:30])


def test_a_problem_whose_measure_is_left_out_is_unanswered(offline_drafts):
    for name, drafted in offline_drafts.items():
        spec, problems, measures, causes = draft_units(drafted)
        for i, j in own_measures(drafted, problems, measures):
            found = match(problems, measures[:j] + measures[j + 1:], spec, causes)
            assert not found.answered(i), (name, problems[i].text[:30])


# Measures of one narrow matter each (from the examples), with the words of that matter: put in place of the
# measure of a unit that has no problem of that matter.
FOREIGN = {"大宗食材采购实行三方询价并在校务公开栏公示，家长代表每月参与一次验收，2024年2月起每月执行。": ("食堂", "食材"),
           "对人工抄表户加装远程采集终端，差错退补逐户分析到人，营销部主任牵头，限2024年12月底前完成。": ("抄表",),
           "利用高标准农田建成后的地块发展订单种植，新增1个集体经营项目，由村委会主任负责。": ("高标准农田", "集体经济"),
           "争取利用闲置校舍改建周转宿舍，校长负责落实，限2024年8月底前完成。": ("宿舍",),
           "建立重大案件证据审查清单，移送前由法制员逐项审核签字，由法制员负责。": ("案件", "执法", "案卷")}
# Stock measures: they fit any problem and answer none, however they quote it.
STOCK = ["建立专项整改台账，实行销号管理，2025年6月底前完成，由党政办主任负责。",
         "要切实提高思想认识，进一步加强学习，举一反三，确保整改取得实效，由支部书记负责，长期坚持。",
         "坚持问题导向，压实整改责任，建立健全长效机制，定期开展督促检查，班子成员负责，年底前完成。",
         "强化责任担当，增强宗旨意识，以钉钉子精神抓好整改落实，由书记牵头，2025年底前完成。"]


def test_a_measure_about_something_else_is_reported_both_ways(offline_drafts):
    tried, slipped = 0, []
    for name, drafted in offline_drafts.items():
        spec, problems, measures, causes = draft_units(drafted)
        text = drafted.profile_path.read_text(encoding="utf-8")
        for i, j in own_measures(drafted, problems, measures):
            for action, matter in FOREIGN.items():
                if any(word in text for word in matter):
                    continue  # the unit has a problem of that matter itself
                tried += 1
                other = replace(measures[j], text=measures[j].heading + action)
                found = match(problems, [*measures[:j], other, *measures[j + 1:]], spec, causes)
                if found.answered(i) or found.matched(j):
                    slipped.append((name, problems[i].text[:20], action[:12]))
    # Lexical matching has a floor: a foreign measure sharing one word of the case by chance (集体研究 / 集体经营,
    # 报备审核 / 审核签字) passes as aimed at its slot's problem. Measured: 8 of 190 (the lexical matcher before: 19).
    assert tried >= 180 and len(slipped) <= 0.05 * tried, slipped


def test_a_stock_measure_quoting_the_problem_does_not_answer_it(offline_drafts):
    for name, drafted in offline_drafts.items():
        spec, problems, measures, causes = draft_units(drafted)
        for i, j in own_measures(drafted, problems, measures):
            title = problems[i].text[len(problems[i].heading):].split("。")[0]
            for action in STOCK:
                stock = replace(measures[j], text=f"{measures[j].heading}针对“{title}”的问题，{action}")
                found = match(problems, [*measures[:j], stock, *measures[j + 1:]], spec, causes)
                assert not found.answered(i), (name, title, action[:12])


def test_the_cause_the_document_gives_links_a_measure_in_other_words(offline_drafts):
    # 推进新高考选课走班办法不多 (高一选课走班后物理类教学班58人) ← 重新测算高二、高三选科需求，提前一学期制定教师
    # 和教室调配方案: no word in common with the problem; the causes section says why: “…”，师资和教室调配没有提前谋划.
    drafted = offline_drafts["school-2023-zhuti"]
    spec, problems, measures, causes = draft_units(drafted)
    (i,) = [i for i, u in enumerate(problems) if "选课走班" in u.text]
    (j,) = [j for j, u in enumerate(measures) if "选科" in u.text]
    assert match(problems, measures, spec, causes).answers(i, j)
    # Without a cause in the document nothing lexical links 选课 and 选科 …
    assert not match(problems, measures, spec, []).answers(i, j)
    # … but the unit's profile does: the problem's facts and cause, found by its title.
    notes = [(p.problem, [*p.facts, p.cause]) for ps in drafted.profile.aspects.values() for p in ps]
    assert match(problems, measures, spec, [], notes).answers(i, j)


def test_measures_still_to_write_are_pending_not_unmatched(offline_drafts, tmp_path):
    # The 2025 examples give no measures: each measure is “…”的问题，【待补：具体措施、责任人、完成时限】.
    for name in ("branch-2025-zuzhi", "county-2025-niandu"):
        drafted = offline_drafts[name]
        report = check_file(drafted.md, CheckOptions(profile=drafted.profile_path))
        codes = [f.code for f in report.findings]
        assert "measure-unmatched" not in codes, name
        pending = [f.location for f in report.findings if f.code == "pending" and "整改" in f.location]
        assert len(pending) == len(report.metrics["answers"]["pending_measures"]) >= 5
        final = check_file(drafted.md, CheckOptions(profile=drafted.profile_path, final=True))
        assert not final.ok and {f.severity for f in final.findings if f.code == "pending"} == {"error"}
    # The branch names no problem for 生活纪律 and the draft has no measure for it: that is reported.
    drafted = offline_drafts["branch-2025-zuzhi"]
    report = check_file(drafted.md, CheckOptions(profile=drafted.profile_path))
    assert [f.location.split(" › ")[1] for f in report.findings if f.code == "problem-unanswered"] == ["（六）在生活纪律方面"]
