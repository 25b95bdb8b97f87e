"""Plan: spec + profile → outline. Every required section and aspect in order, a budget each, the facts each must carry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pipeline.material.budget import section_budgets, split_budget
from pipeline.text.numbering import level1_marker
from pipeline.material.profile import Profile, profile_aspects
from pipeline.core.resources import lexicon
from pipeline.material.specs import MeetingSpec


class OutlineItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str  # stable id, e.g. "problems-02"; the cache and the draft record use it
    role: str
    heading: str = ""
    aspect: str | None = None
    hint: str = ""
    budget: int
    problems: list[str] = []
    # The facts of each problem, parallel to `problems`; `facts` is all of them (what the draft must carry).
    problem_facts: list[list[str]] = []
    facts: list[str] = []
    # For a cause: the problems it explains; for a measure: the problems it answers.
    answers: list[str] = []
    query: str = ""


class OutlineSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    marker: str = ""
    heading: str = ""
    budget: int
    items: list[OutlineItem] = []


class Outline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec_id: str
    meeting: str
    meeting_kind: str
    title: str
    unit: str
    self_name: str
    year: int | None
    target_chars: int
    sections: list[OutlineSection]

    def items(self) -> list[OutlineItem]:
        return [item for section in self.sections for item in section.items]


def _title(profile: Profile, spec: MeetingSpec) -> str:
    if profile.title:
        return profile.title
    template = spec.title or "{unit}{year}年{meeting}对照检查材料"
    title = template.format(unit=profile.unit.name, year=profile.meeting.year or spec.year or "", meeting=spec.meeting)
    return title.replace("年年", "年").replace("None", "")


_CANONICAL_ORDER = ["preamble", "last_year", "problems", "case_study", "causes", "measures", "closing"]


def _roles(profile: Profile, spec: MeetingSpec) -> list[str]:
    """The spec's sections, plus the optional ones the profile gives material for, in the genre's order."""
    wanted = set(spec.roles) | {"closing"}
    if profile.last_year:
        wanted.add("last_year")
    if profile.case_study:
        wanted.add("case_study")
    return [role for role in _CANONICAL_ORDER if role in wanted]


def _cause_roots(problem_items: list[OutlineItem]) -> list[tuple[dict, list[str]]]:
    """Pick subjective roots whose keywords the problem areas touch; each explains a few problems, spread so
    that no two causes quote the same list."""
    words = lexicon("composer")["causes"]
    problems = [(item, item.problems[0]) for item in problem_items if item.problems]
    scored = []
    for order, root in enumerate(words["roots"]):
        matched = [problem for item, problem in problems
                   if any(k in (item.aspect or "") + item.hint + "".join(item.problems) for k in root["keywords"])]
        scored.append((len(matched), -order, root, matched))
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    count = min(max(words["min_roots"], sum(1 for s in scored if s[0])), words["max_roots"])
    chosen = sorted(scored[:count], key=lambda entry: -entry[1])
    quoted: dict[str, int] = {}
    result = []
    for _, _, root, matched in chosen:
        pool = matched or [problem for _, problem in problems]
        # Least-quoted problems first, at most two per cause.
        picked = sorted(pool, key=lambda problem: quoted.get(problem, 0))[:2]
        for problem in picked:
            quoted[problem] = quoted.get(problem, 0) + 1
        result.append((root, picked))
    return result


def make_outline(profile: Profile, spec: MeetingSpec) -> Outline:
    words = lexicon("composer")
    roles = _roles(profile, spec)
    target = profile.target_chars or None
    budgets = section_budgets(roles, target)
    meeting_kind = spec.meeting
    sections: list[OutlineSection] = []
    number = 0
    problem_items: list[OutlineItem] = []
    for role in roles:
        heading_template = words["headings"].get(role, "")
        marker = ""
        if heading_template:
            number += 1
            marker = level1_marker(number)
        section = OutlineSection(role=role, marker=marker, budget=budgets[role],
                                 heading=heading_template.format(meeting_kind=meeting_kind))
        if role == "problems":
            aspects = profile_aspects(profile, spec)
            spec_aspects = {a.name: a for a in spec.aspects}
            for index, ((name, problems), budget) in enumerate(zip(aspects, split_budget(section.budget, len(aspects))), 1):
                aspect = spec_aspects.get(name)
                template = words["problem_item_heading_long" if len(name) > 10 else "problem_item_heading"]
                heading = name if name.startswith("对照") else template.format(aspect=name)
                item = OutlineItem(
                    key=f"problems-{index:02d}", role=role, heading=heading, aspect=name,
                    hint=aspect.hint if aspect else "", budget=budget,
                    problems=[p.problem for p in problems], problem_facts=[list(p.facts) for p in problems],
                    facts=[f for p in problems for f in p.facts],
                    query=" ".join([name, *(p.problem for p in problems), *(f for p in problems for f in p.facts)]),
                )
                section.items.append(item)
            problem_items = section.items
        elif role == "causes":
            roots = _cause_roots(problem_items)
            for index, ((root, explained), budget) in enumerate(zip(roots, split_budget(section.budget, len(roots))), 1):
                section.items.append(OutlineItem(
                    key=f"causes-{index:02d}", role=role, heading=root["heading"] + "。", hint=root["id"], budget=budget,
                    answers=[e for e in explained if e], query=root["heading"] + " " + " ".join(explained)))
        elif role == "measures":
            spec_aspects = {a.name: a for a in spec.aspects}
            budgets_each = split_budget(section.budget, len(problem_items))
            for index, (problem, budget) in enumerate(zip(problem_items, budgets_each), 1):
                aspect = spec_aspects.get(problem.aspect or "")
                heading = (aspect.measure if aspect and aspect.measure
                           else words["measure_item_heading"].format(aspect=problem.aspect))
                section.items.append(OutlineItem(
                    key=f"measures-{index:02d}", role=role, heading=heading + "。", aspect=problem.aspect, budget=budget,
                    answers=problem.problems or [problem.aspect or ""], facts=problem.facts,
                    query=f"{heading} {problem.aspect} 整改措施"))
        else:
            facts: list[str] = []
            if role == "last_year":
                facts = [f"{e.problem}：{e.fixed}" for e in profile.last_year]
            elif role == "case_study" and profile.case_study:
                facts = list(profile.case_study.facts)
            section.items.append(OutlineItem(key=f"{role}-01", role=role, budget=section.budget, facts=facts,
                                             query=f"{spec.name} {role}"))
        sections.append(section)
    return Outline(spec_id=spec.id, meeting=spec.name, meeting_kind=meeting_kind, title=_title(profile, spec),
                   unit=profile.unit.name, self_name=profile.unit.self_name, year=profile.meeting.year or spec.year,
                   target_chars=sum(budgets.values()), sections=sections)
