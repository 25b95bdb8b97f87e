"""The profile facts an outline item is drafted from, each with its field path, and the context it may name.

The same list is shown to the model (numbered [F1] …), judged against by draft/provenance.py and matched
verbatim by the offline record (the composer writes the profile's words as they are)."""

from __future__ import annotations

import re

from pipeline.draft.plan import Outline, OutlineItem
from pipeline.material.preparation import preparation_facts
from pipeline.material.profile import Profile
from pipeline.material.sentences import Fact, Sentence, split_sentences
from pipeline.draft.provenance import classify

_PROBLEM_FIELDS = ("problem", "facts", "cause", "measure", "owner", "deadline")


def _problem_facts(profile: Profile, wanted: set[str]) -> list[Fact]:
    out = []
    for aspect, problems in profile.aspects.items():
        for index, problem in enumerate(problems):
            if problem.problem not in wanted:
                continue
            base = f"aspects.{aspect}.{index}"
            for name in _PROBLEM_FIELDS:
                value = getattr(problem, name)
                if isinstance(value, list):
                    out += [Fact(id=f"{base}.{name}.{n}", text=v) for n, v in enumerate(value) if v.strip()]
                elif value.strip():
                    out.append(Fact(id=f"{base}.{name}", text=value))
    return out


def _entries(profile: Profile, role: str) -> list[Fact]:
    out = []
    for index, entry in enumerate(getattr(profile, role)):
        out.append(Fact(id=f"{role}.{index}.problem", text=entry.problem))
        if entry.fixed.strip():
            out.append(Fact(id=f"{role}.{index}.fixed", text=entry.fixed))
    return out


def _preparation(profile: Profile) -> list[Fact]:
    prep = profile.preparation
    texts = preparation_facts(profile)
    ids = [f"preparation.study.{n}" for n in range(len(prep.study_items()))]
    ids += ["preparation.talks"] if prep.talks else []
    ids += ["preparation.opinions"] if prep.opinions else []
    ids += [f"preparation.other.{n}" for n in range(len(prep.other))]
    return [Fact(id=i, text=t) for i, t in zip(ids, texts)]


def _case(profile: Profile, item: OutlineItem) -> list[Fact]:
    case = profile.case_study
    if case is None:
        return []
    out = [Fact(id="case_study.title", text=case.title)] if case.title else []
    for name in ("facts", "causes", "gaps"):
        if item.sub and item.sub != name:
            continue
        out += [Fact(id=f"case_study.{name}.{n}", text=v) for n, v in enumerate(getattr(case, name)) if v.strip()]
    if case.lesson and not item.sub:
        out.append(Fact(id="case_study.lesson", text=case.lesson))
    return out


def item_facts(item: OutlineItem, outline: Outline, profile: Profile) -> list[Fact]:
    """The facts given for `item`, in the order the prompt numbers them."""
    if item.role == "preamble":
        return _preparation(profile)
    if item.role in ("last_year", "campaign"):
        return _entries(profile, item.role)
    if item.role == "case_study":
        return _case(profile, item)
    wanted = {*item.problems, *item.answers, *(d.get("problem", "") for d in item.details)}
    facts = _problem_facts(profile, wanted)
    if item.role == "causes":
        facts += [Fact(id=f"causes.{n}.note", text=c.note) for n, c in enumerate(profile.causes)
                  if c.note.strip() and c.note == item.note]
    return facts


def item_context(item: OutlineItem, outline: Outline, profile: Profile) -> list[str]:
    """What a sentence may name without stating a fact: the unit, the meeting, the item's heading and aspect."""
    sections = [s.heading for s in outline.sections if s.role == item.role]
    return [outline.unit, outline.self_name, outline.meeting, outline.meeting_kind, outline.title, *sections,
            item.heading, item.aspect or "", item.hint, *profile.work]


def _verbatim(fact: Fact) -> list[str]:
    """How the composer writes a fact: as given without its closing punctuation, or inside ‘…’ quotes."""
    bare = fact.text.strip().rstrip("。；;，,")
    forms = [bare, bare.replace("“", "‘").replace("”", "’")]
    counts = re.findall(r"\d+\s*(?:人次|条)", bare) if fact.id in ("preparation.talks", "preparation.opinions") else []
    return [f for f in forms + counts if f]


def record_offline(paragraphs: list[str], facts: list[Fact]) -> list[Sentence]:
    """The composer's sentences as it wrote them: a sentence carrying a fact verbatim is the unit's, any other is
    a connective or a 【待补】 (the composer writes nothing else)."""
    out = []
    for paragraph in paragraphs:
        for text in split_sentences(paragraph):
            if not text.strip():
                continue
            ids = [f.id for f in facts if any(form in text for form in _verbatim(f))]
            bare = text.strip().rstrip("。；;，,！？")
            ids = ids or [f.id for f in facts if len(bare) >= 4 and bare in f.text]  # a fact cut at its own ；
            out.append(Sentence(text=text, source="unit" if ids else "formula", facts=ids))
    return out


def item_sentences(system: str, paragraphs: list[str], item: OutlineItem, outline: Outline,
                   profile: Profile) -> list[Sentence]:
    """The record of a drafted item's sentences: the composer's as it wrote them, a model's as judged."""
    facts = item_facts(item, outline, profile)
    if system == "offline":
        return record_offline(paragraphs, facts)
    return classify("\n".join(paragraphs), facts, item_context(item, outline, profile))
