"""The no-model draft reads as correct Chinese: no pattern of lexicon/glitches.yaml in the offline draft of any
example, meeting member, 相互批评意见, meeting document (会议方案 … 情况报告) or generated profile (missing fields,
one item, many items, personal voice), and causes stand where the unit filed them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.draft.assemble import ItemDraft, assemble
from pipeline.draft.compose import compose_item
from pipeline.draft.glitches import glitches
from pipeline.draft.plan import make_outline
from pipeline.material.document import render
from pipeline.material.meeting import group_profile, load_meeting, member_profile, parse_meeting
from pipeline.material.meeting_docs import criticism_sheet, meeting_ledger_rows
from pipeline.material.meeting_papers import meeting_papers
from pipeline.material.profile import load_profile, parse_profile, resolve_spec
from pipeline.material.specs import builtin_specs, expected_roots

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
MEETINGS = sorted((ROOT / "examples" / "meetings").glob("*.yaml"))


def offline(profile, spec, voice="collective"):
    outline = make_outline(profile, spec, voice)
    drafts = {item.key: ItemDraft(key=item.key, role=item.role, system="offline",
                                  paragraphs=compose_item(item, outline, profile)) for item in outline.items()}
    return assemble(outline, drafts, profile)


def _problem(n: int, aspect: str, full: bool, root: str = "") -> dict:
    # Problems that start with 对, deadlines that are a start or a standing rule: what made the old glitches.
    problem = {"problem": f"对{aspect}方面第{n}项工作的监督抓得不够细" if n % 2 else f"{aspect}方面第{n}项工作落实不够到位"}
    if full:
        problem.update(detail=f"在第{n}项工作中只部署、不检查", facts=[f"全年{n + 2}次检查只去了{n}次"],
                       impact="群众反映的问题拖延办理", cause=f"对第{n}项工作的重要性认识不足", measure="建立台账，每月通报",
                       owner="支部书记", deadline=("2024年1月起执行", "长期坚持", "2026年6月底前")[n % 3])
        if root:
            problem["root"] = root
    return problem


def generated(spec) -> list[tuple[str, dict]]:
    """Profiles a clerk might bring for `spec`: nothing but the unit, one bare problem, every aspect full."""
    unit = {"name": "测试单位党支部", "self": "支部班子"}
    meeting = {"spec": spec.id, "year": spec.year or 2025}
    aspects = spec.aspect_names()
    roots = expected_roots(spec)
    many = {a: [_problem(n, a[:6], True, roots[n % len(roots)] if n % 2 else "") for n in range(1, 4)] for a in aspects}
    return [
        ("missing", {"unit": unit, "meeting": {"spec": spec.id}}),
        ("one", {"unit": unit, "meeting": meeting, "aspects": {aspects[0]: [_problem(1, aspects[0][:6], False)]},
                 "causes": {roots[0]: "对这项工作的认识不够深"}}),
        ("many", {"unit": unit, "meeting": meeting, "aspects": many, "causes": {roots[-1]: "抓落实的韧劲不足"},
                  "preparation": {"talks": 12, "opinions": 5, "study": ["集中学习3次", "开展研讨1次"]},
                  "last_year": [{"problem": "对党员教育抓得不紧", "fixed": "建立学习台账"}, {"problem": "调研不深"}],
                  "case_study": {"title": "某局原局长违纪案", "facts": ["其多次接受宴请"], "gaps": ["对接待监督偏软"]},
                  "signature": {"name": "测试单位党支部", "date": "2026年1月15日"}}),
    ]


def meeting_data(spec) -> dict:
    aspects = spec.aspect_names()
    return {"unit": {"name": "测试单位领导班子"}, "meeting": {"spec": spec.id, "year": spec.year or 2025},
            "members": [
                {"name": "甲某", "post": "书记", "duties": ["全面工作"],
                 "aspects": {aspects[0]: [_problem(1, "分管", True, expected_roots(spec)[0])]},
                 "causes": {expected_roots(spec)[1]: "对自身要求有所放松"}, "criticisms": {"乙某": ["对下属督促不够"]}},
                {"name": "乙某", "post": "副书记"},
                {"name": "丙某", "post": "委员", "duties": ["组织", "宣传"],
                 "aspects": {a: [_problem(n, "本人", True)] for n, a in enumerate(aspects, 1)}}]}


def _papers(name: str, meeting, spec, group):
    """The meeting's other documents; no profile: they are not held to a unit's causes."""
    for paper in meeting_papers(meeting, spec, group, meeting_ledger_rows(meeting, group, spec)):
        yield f"{name}:{paper.stem}", None, spec, paper.document


def _drafts():
    for path in EXAMPLES:
        profile = load_profile(path)
        spec = resolve_spec(profile, path.parent)
        yield path.stem, profile, spec, offline(profile, spec)
    for path in MEETINGS:
        meeting, spec = load_meeting(path)
        group = group_profile(meeting, spec, path)
        yield path.stem, group, spec, offline(group, spec)
        yield from _papers(path.stem, meeting, spec, group)
        for member in meeting.members:
            profile = member_profile(meeting, member, spec)
            yield f"{path.stem}:{member.name}", profile, spec, offline(profile, spec, "personal")
            yield f"{path.stem}:{member.name}:批评", None, spec, criticism_sheet(meeting, member, spec)
    for spec in builtin_specs().values():
        for name, data in generated(spec):
            profile = parse_profile(data)
            yield f"{spec.id}:{name}", profile, spec, offline(profile, spec)
        meeting = parse_meeting(meeting_data(spec))
        yield from _papers(spec.id, meeting, spec, group_profile(meeting, spec, ROOT))
        for member in meeting.members:
            profile = member_profile(meeting, member, spec)
            yield f"{spec.id}:{member.name}", profile, spec, offline(profile, spec, "personal")
            yield f"{spec.id}:{member.name}:批评", None, spec, criticism_sheet(meeting, member, spec)


DRAFTS = list(_drafts())


def test_the_drafts_cover_every_kind():
    assert len(DRAFTS) >= 100
    assert sum(":批评" in name for name, *_ in DRAFTS) >= 20
    assert sum("情况报告" in name for name, *_ in DRAFTS) >= 5


@pytest.mark.parametrize("name,profile,spec,document", DRAFTS, ids=[d[0] for d in DRAFTS])
def test_no_glitch(name, profile, spec, document):
    text = render(document)
    assert not glitches(text), glitches(text)
    # An annual meeting is named 年度 wherever its year is written.
    dated = spec.year or profile is None or profile.meeting.year
    if dated and (spec.annual or "年度" in spec.name):
        assert re.search(r"\d{4}年度", document.title), document.title


@pytest.mark.parametrize("name,profile,spec,document", [d for d in DRAFTS if d[1] is not None],
                         ids=[d[0] for d in DRAFTS if d[1] is not None])
def test_causes_stand_where_the_unit_filed_them(name, profile, spec, document):
    causes = document.section("causes")
    if causes is None:
        return
    headings = [item.heading for item in causes.items]
    body = {item.heading: "".join(p.text for p in item.points) for item in causes.items}
    named = {cause.root for cause in profile.causes if cause.note}
    problems = [p for ps in profile.aspects.values() for p in ps]
    named |= {p.root for p in problems if p.root and p.cause}
    # Every root the spec expects or the unit named, no other; each root appears once.
    roots = [root for root in expected_roots(spec)] + sorted(named)
    assert {h for h in headings} == {h for h in headings if any(r in h for r in roots)}
    assert all(any(root in h for h in headings) for root in roots)
    for problem in problems:
        if not problem.cause:
            continue
        under = [h for h, text in body.items() if problem.cause.rstrip("。") in text]
        if problem.root:
            assert under and all(problem.root in h for h in under), (problem.problem, under)
        else:  # the tool files no cause under a root of its own choosing
            assert not under, (problem.problem, under)
    for heading, text in body.items():
        if text.startswith("【待补"):
            root = next(r for r in roots if r in heading)
            assert text.startswith(f"【待补：{root}方面的原因"), text
