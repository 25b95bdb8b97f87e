"""Plan: spec + profile → outline. Every required section and aspect in order, a budget each, the facts each must carry."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pipeline.material.budget import fact_budget, section_budgets, split_budget
from pipeline.text.numbering import level1_marker
from pipeline.text.query import clip_query
from pipeline.text.vary import choose
from pipeline.material.preparation import preparation_facts
from pipeline.material.profile import Problem, Profile, profile_aspects
from pipeline.core.resources import lexicon
from pipeline.material.specs import MeetingSpec, Part, expected_roots, part_heading, spoken_name


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
    # The unit's other words on each problem, parallel to `problems`: 表现 (detail), 影响 (impact), and its cause
    # when filed under no root (written with the problem, in the unit's words).
    problem_notes: list[dict[str, str]] = []
    # For a cause: the problems it explains; for a measure: the problems it answers.
    answers: list[str] = []
    # The unit's own words for this item: a cause's note, and per problem its `cause` (causes) or its
    # `measure`, `owner`, `deadline` (measures). Keys: problem, cause | measure, owner, deadline.
    note: str = ""
    details: list[dict[str, str]] = []
    query: str = ""
    # The spec sub-part this item is (case_study's "gaps" …); empty for the part's own text.
    sub: str = ""

    def own(self) -> list[str]:
        """The unit's own sentences a drafter must build on (shown to the model; composed offline). Each detail
        is labelled in Chinese (措施：…；责任人：…): a model repeats whatever label it is shown."""
        labels = lexicon("composer")["detail_labels"]
        lines = [self.note] if self.note else []
        for detail in [*self.details, *self.problem_notes]:
            parts = [f"{labels.get(key, key)}：{value}" for key, value in detail.items() if key != "problem" and value]
            if parts:
                lines.append(f"{detail['problem']}（{'；'.join(parts)}）")
        return lines


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
    # "personal": a member's own material in the voice 我 (its unit is the member, whose name seeds the wording).
    voice: str = "collective"

    def items(self) -> list[OutlineItem]:
        return [item for section in self.sections for item in section.items]


def _merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def composer_words(voice: str = "collective") -> dict:
    """The composer's wording in a voice: the personal one (lexicon/composer_personal.yaml) laid over the
    collective one key by key."""
    words = lexicon("composer")
    return _merge(words, lexicon("composer_personal")) if voice == "personal" else words


def _title(profile: Profile, spec: MeetingSpec) -> str:
    if profile.title:
        return profile.title
    template = spec.title or "{unit}{year}年{meeting}对照检查材料"
    year = profile.meeting.year or spec.year
    if not year:  # no year anywhere: the title names the meeting without one (never “年度组织生活会”)
        template = template.replace("{year}年度", "").replace("{year}年", "").replace("{year}", "")
    return template.format(unit=profile.unit.name, year=year or "", meeting=spec.meeting).replace("年年", "年")


# Parts that need nothing from the profile: drafted whenever the spec has them.
_NO_MATERIAL = ("preamble", "problems", "causes", "measures", "closing")


def _parts(profile: Profile, spec: MeetingSpec) -> list[Part]:
    """The spec's required parts, plus the optional ones the profile gives material for, in the spec's order."""
    return [part for part in spec.skeleton
            if part.required or part.role in _NO_MATERIAL or getattr(profile, part.role, None)]


def _short_name(name: str, spec: MeetingSpec, limit: int = 10) -> str:
    """How a measure heading names its aspect: a long mandated aspect (四个“带头”, 四个对照) by its longest alias
    of at most `limit` 字, so the measures do not restate the problems' headings; 对照… without 对照."""
    aspect = next((a for a in spec.aspects if a.name == name), None)
    if len(name) > limit and aspect is not None:
        short = [alias for alias in aspect.aliases if len(alias) <= limit]
        name = max(short, key=len) if short else name
    return name.removeprefix("对照")


def _problem_note(problem: Problem) -> dict[str, str]:
    """A problem's 表现, 影响 and (when it names no root) cause, as the unit wrote them; empty ones left out."""
    note = {"problem": problem.problem, "detail": problem.detail.strip(), "impact": problem.impact.strip(),
            "cause": "" if problem.root else problem.cause.strip()}
    return {key: value for key, value in note.items() if value}


class _Cause(BaseModel):
    """One item of the causes section: a root the spec expects or the unit named."""

    name: str
    root: dict
    note: str = ""
    details: list[dict[str, str]] = []
    explained: list[str] = []


def _causes_of(profile: Profile, spec: MeetingSpec, problem_items: list[OutlineItem],
               owned: dict[str, list[Problem]]) -> list[_Cause]:
    """The causes as the unit filed them: every root the spec expects and every root the unit named (its note
    under `causes:` and the problems whose `cause` names it as `root`), in the genre's order. The tool never
    picks a root for the unit's words: a cause filed under no root stays with its problem (`problem_notes`).
    A root left empty explains nothing yet: its 【待补】 names the problems that still have no cause."""
    standard = lexicon("composer")["causes"]["roots"]
    by_name = {root["name"]: root for root in standard}
    notes = {cause.root: cause.note.strip() for cause in profile.causes}
    filed: dict[str, list[dict[str, str]]] = {}
    unexplained: list[str] = []
    every = [problem.problem for item in problem_items for problem in owned.get(item.key, [])]
    for item in problem_items:
        for problem in owned.get(item.key, []):
            if not problem.cause.strip():
                unexplained.append(problem.problem)
                continue
            if problem.root:
                filed.setdefault(problem.root, []).append({"problem": problem.problem, "cause": problem.cause})
    wanted = set(expected_roots(spec)) | {n for n, note in notes.items() if note} | set(filed)
    causes = []
    for root in standard:
        if root["name"] not in wanted:
            continue
        details = filed.get(root["name"], [])
        note = notes.get(root["name"], "")
        # An empty root names the problems still without a cause (else all of them) for the unit to link.
        explained = [d["problem"] for d in details] if (note or details) else (unexplained or every)
        causes.append(_Cause(name=root["name"], root=root, note=note, details=details, explained=explained))
    return causes


def make_outline(profile: Profile, spec: MeetingSpec, voice: str = "collective") -> Outline:
    words = composer_words(voice)
    parts = _parts(profile, spec)
    target = profile.target_chars or None
    budgets = section_budgets([part.role for part in parts], target)
    meeting_kind = spec.meeting
    year = profile.meeting.year or spec.year
    sections: list[OutlineSection] = []
    number = 0
    problem_items: list[OutlineItem] = []
    owned: dict[str, list[Problem]] = {}
    for part in parts:
        role = part.role
        heading = part_heading(part, meeting_kind, year)
        marker = ""
        if heading:
            number += 1
            marker = level1_marker(number)
        section = OutlineSection(role=role, marker=marker, budget=budgets[role], heading=heading)
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
                    problem_notes=[_problem_note(p) for p in problems],
                    facts=[f for p in problems for f in p.facts],
                    query=clip_query(" ".join([name, *(p.problem for p in problems), *(f for p in problems for f in p.facts)])),
                )
                section.items.append(item)
            problem_items = section.items
            owned = {item.key: problems for item, (_, problems) in zip(section.items, aspects)}
        elif role == "causes":
            causes = _causes_of(profile, spec, problem_items, owned)
            for index, (cause, budget) in enumerate(zip(causes, split_budget(section.budget, len(causes))), 1):
                heading = choose(words["cause_item_headings"], profile.unit.name, "cause-heading").format(
                    root=cause.name)
                section.items.append(OutlineItem(
                    key=f"causes-{index:02d}", role=role, heading=heading + "。",
                    hint=cause.root["id"], aspect=None, budget=budget,
                    answers=[e for e in cause.explained if e], note=cause.note, details=cause.details,
                    query=clip_query(cause.name + " " + " ".join(cause.explained))))
        elif role == "measures":
            answered = [item for item in problem_items if item.problems] or problem_items[:0]
            budgets_each = split_budget(section.budget, max(1, len(answered)))
            for index, (problem, budget) in enumerate(zip(answered, budgets_each), 1):
                aspect_name = _short_name(problem.aspect or "", spec)
                heading = choose(words["measure_item_headings"], profile.unit.name, "measure-heading").format(
                    aspect=aspect_name)
                details = [{"problem": p.problem, "measure": p.measure, "owner": p.owner, "deadline": p.deadline}
                           for p in owned.get(problem.key, [])]
                section.items.append(OutlineItem(
                    key=f"measures-{index:02d}", role=role, heading=heading + "。", aspect=problem.aspect, budget=budget,
                    answers=problem.problems, facts=problem.facts, problem_facts=problem.problem_facts, details=details,
                    query=clip_query(f"{heading} {problem.aspect} 整改措施")))
            if not answered:
                # No problem stated yet: one slot that says what to write, no measure for an empty aspect.
                section.items.append(OutlineItem(key="measures-01", role=role, budget=section.budget,
                                                 heading=words["measures"]["missing_heading"] + "。",
                                                 query=f"{spec.name} 整改措施"))
        else:
            section.items = _part_items(part, profile, spec, section.budget)
        sections.append(section)
    for section in sections:
        for item in section.items:
            item.budget = _fitted(item)
    return Outline(spec_id=spec.id, meeting=spoken_name(spec, year), meeting_kind=meeting_kind, title=_title(profile, spec),
                   unit=profile.unit.name, self_name=profile.unit.self_name, year=year,
                   target_chars=sum(budgets.values()), sections=sections, voice=voice)


def _fitted(item: OutlineItem) -> int:
    """The item's budget once it follows the facts given (the closing has none to follow)."""
    if item.role == "closing":
        return item.budget
    if item.role in ("problems", "measures", "causes"):
        parts = len(item.problems or item.answers) or 1
        return fact_budget(item.budget, parts, [*item.problems, *item.facts, *item.own()])
    return fact_budget(item.budget, 1, item.facts)


def _fix_fact(entry, words: dict) -> str:
    """One of last year's problems as the model is told it: the ledger's state and the unit's result, or the
    measure promised when no result is given (the model then writes the result's 【待补】)."""
    lead = (words.get("status_lead") or {}).get(getattr(entry, "status", ""), "")
    if entry.fixed or lead:
        return f"{entry.problem}：{lead}{entry.fixed}"
    measure = getattr(entry, "measure", "")
    if measure and "fact_measure" in words:
        return f"{entry.problem}：" + words["fact_measure"].format(measure=measure.rstrip("。"))
    return f"{entry.problem}："


def _part_items(part: Part, profile: Profile, spec: MeetingSpec, budget: int) -> list[OutlineItem]:
    """A part other than problems/causes/measures: its own text, then one item per sub-part of the spec."""
    role = part.role
    material = getattr(profile, role, None)
    facts: list[str] = []
    if role == "preamble":
        facts = preparation_facts(profile)
    elif isinstance(material, list):  # last_year, campaign: entries of problem and what was done
        facts = [_fix_fact(e, composer_words().get(role) or {}) for e in material]
    elif material is not None and hasattr(material, "facts"):
        # The case's name is a fact the text must carry too (the model is told only the facts).
        facts = [material.title, *material.facts] if getattr(material, "title", "") else list(material.facts)
    budgets = split_budget(budget, 1 + len(part.subparts))
    items = [OutlineItem(key=f"{role}-01", role=role, budget=budgets[0], facts=facts, hint=part.hint,
                         query=f"{spec.name} {role}")]
    for sub, sub_budget in zip(part.subparts, budgets[1:]):
        sub_facts = getattr(material, sub.key, None) if material is not None else None
        items.append(OutlineItem(key=f"{role}-{sub.key}", role=role, sub=sub.key, heading=sub.heading,
                                 hint=sub.hint, budget=sub_budget, facts=list(sub_facts or []),
                                 query=f"{sub.heading} {sub.hint}"))
    return items
