"""The no-model composer: a draft that says only what the unit said.

Every sentence it writes is one of: the profile's own words (problems, facts, causes, measures, owners,
deadlines, preparation counts); a connective from lexicon/composer.yaml that asserts nothing about the unit;
or a 【待补：…】 prompt saying exactly what to write. 范文 never enter the text (they are attached as Word
comments, see draft/notes.py). Connectives are chosen per unit (text/vary.choose), so two units' drafts
share only their common facts and the meeting's mandated wording.
"""

from __future__ import annotations

from pipeline.draft.glitches import has_glitch
from pipeline.draft.plan import Outline, OutlineItem, composer_words
from pipeline.material.profile import Profile
from pipeline.text.vary import choose

_END = "。；;，,"


def _words(outline: Outline) -> dict:
    return composer_words(outline.voice)


def _say(outline: Outline, options, *seed: str, **values) -> str:
    """One connective for this unit (seeded by its name and `seed`), filled in."""
    options = [options] if isinstance(options, str) else options
    filled = [template.format(self=outline.self_name, unit=outline.unit, meeting=outline.meeting,
                              meeting_kind=outline.meeting_kind, **values) for template in options]
    # An option that reads wrong with this text (对“对…”, 限…起执行完成) is skipped for the others.
    return choose([text for text in filled if not has_glitch(text)] or filled, outline.unit, *seed)


def _clause(text: str) -> str:
    """The unit's phrase without its own closing punctuation, to be framed by a connective."""
    return text.strip().rstrip(_END)


def _quoted(text: str) -> str:
    """The unit's phrase to be set inside “…”: its own double quotes become single ones."""
    return _clause(text).replace("“", "‘").replace("”", "’")


def _sentence(text: str) -> str:
    text = _clause(text)
    return text if text.endswith(("。", "！", "？", "】")) else text + "。"


def _problems(item: OutlineItem, outline: Outline) -> list[str]:
    words = _words(outline)["problems"]
    paragraphs = []
    for index, problem in enumerate(item.problems):
        facts = item.problem_facts[index] if index < len(item.problem_facts) else []
        note = item.problem_notes[index] if index < len(item.problem_notes) else {}
        text = _sentence(problem)
        if note.get("detail"):
            text += _sentence(note["detail"])
        if facts:
            lead = _say(outline, words["case_lead"], "case", problem)
            text += lead + words["fact_join"].join(_clause(f) for f in facts) + "。"
        else:
            text += words["missing_case"]
        if note.get("impact"):
            text += _say(outline, words["impact_lead"], "impact", problem) + _sentence(note["impact"])
        if note.get("cause"):
            text += _say(outline, words["cause_lead"], "cause-lead", problem) + _sentence(note["cause"])
        paragraphs.append(text)
    if not paragraphs:
        paragraphs.append(_say(outline, words["missing_problem"], aspect=item.aspect) + words["missing_case"])
    return paragraphs


def _causes(item: OutlineItem, outline: Outline) -> list[str]:
    """The unit's note on a root, then each problem's own cause filed under it; a root left empty asks for it by
    name, with the problems that still have no cause."""
    words = _words(outline)["causes"]
    text = _sentence(item.note) if item.note else ""
    for detail in item.details:
        text += _say(outline, words["problem_cause"], "cause", detail["problem"],
                     problem=_quoted(detail["problem"]), cause=_clause(detail["cause"]))
    if not text:
        name = next((r["name"] for r in words["roots"] if r["id"] == item.hint), item.heading.rstrip("。"))
        problems = "”“".join(_quoted(a) for a in dict.fromkeys(item.answers[:3]))
        text = _say(outline, words["missing"], root=name, problems=problems) if problems else \
            _say(outline, words["missing_root"], root=name)
    return [text]


def _measure(detail: dict[str, str], outline: Outline) -> str:
    words = _words(outline)["measures"]
    lead = _say(outline, words["answer"], "answer", detail["problem"], problem=_quoted(detail["problem"]))
    measure, owner, deadline = (detail.get(k, "").strip() for k in ("measure", "owner", "deadline"))
    if not (measure or owner or deadline):
        return lead + words["missing_all"]
    parts = [_clause(measure) if measure else words["missing_measure"],
             _say(outline, words["owner"], "owner", detail["problem"], owner=_clause(owner)) if owner
             else words["missing_owner"],
             _say(outline, words["deadline"], "deadline", detail["problem"], deadline=_clause(deadline)) if deadline
             else words["missing_deadline"]]
    return lead + "，".join(parts) + "。"


def _measures(item: OutlineItem, outline: Outline) -> list[str]:
    if not item.details:
        return [_words(outline)["measures"]["missing_problems"]]
    return [_measure(detail, outline) for detail in item.details]


def _preamble(outline: Outline, profile: Profile) -> list[str]:
    words = _words(outline)["preamble"]
    prep = profile.preparation
    parts = [_say(outline, words["opening"], "opening")]
    if prep.study_items():
        parts.append(_say(outline, words["study"], "study", study="，".join(_clause(s) for s in prep.study_items())))
    counts = []
    if prep.talks:
        counts.append(_say(outline, words["talks"], "talks", talks=prep.talks))
    if prep.opinions:
        counts.append(_say(outline, words["opinions"], "opinions", opinions=prep.opinions))
    counts += [_clause(other) for other in prep.other]
    if counts:
        parts.append(_say(outline, words["joined"], "joined", parts="，".join(counts)))
    if len(parts) == 1:
        parts.append(words["missing"])
    parts.append(_say(outline, words["closing"], "closing"))
    return ["".join(parts)]


def _fixes(outline: Outline, role: str, entries: list) -> list[str]:
    """last_year / campaign: one sentence per problem and what was done about it, 【待补】 where nothing is said."""
    words = _words(outline)[role]
    if not entries:
        return [_say(outline, words["missing"])]
    seed = role.replace("_", "-")
    return [_fix(outline, words, seed, entry) for entry in entries]


def _fix(outline: Outline, words: dict, seed: str, entry) -> str:
    """One of last year's problems: the 整改清单's 状态 and 完成情况 where kept, else the unit's result, else the
    measure promised and a slot for the result; never a result the unit did not give."""
    problem = _quoted(entry.problem)
    status, measure = getattr(entry, "status", ""), getattr(entry, "measure", "")
    lead = (words.get("status_lead") or {}).get(status, "")
    if lead:
        fixed = _clause(entry.fixed) if entry.fixed.strip() else words["pending_result"]
        return _say(outline, words["entry_status"], problem=problem, lead=lead, fixed=fixed)
    if entry.fixed.strip():
        return _say(outline, words["entry"], seed, entry.problem, problem=problem, fixed=_clause(entry.fixed))
    if measure.strip() and "entry_measure" in words:
        return _say(outline, words["entry_measure"], problem=problem, measure=_clause(measure))
    return _say(outline, words["entry_open"], problem=problem)



def _case_study(item: OutlineItem, outline: Outline, profile: Profile) -> list[str]:
    words = _words(outline)["case_study"]
    case = profile.case_study
    if item.sub:
        # A sub-part (案例原因剖析, 对照案例查摆自身差距): the profile's own sentences, or what to write.
        text = "".join(_sentence(f) for f in item.facts if f.strip())
        return [text or _say(outline, words["missing_sub"], heading=item.heading, hint=item.hint or item.heading)]
    with_subparts = any(i.sub for s in outline.sections if s.role == item.role for i in s.items)
    text = _sentence(case.title) if case and case.title else words["missing_case"]
    text += "".join(_sentence(f) for f in (case.facts if case else []))
    if case and case.lesson:
        text += _sentence(case.lesson)
    elif not with_subparts:  # with sub-parts, the lesson is what they say
        text += words["missing_lesson"]
    return [text]


def compose_item(item: OutlineItem, outline: Outline, profile: Profile) -> list[str]:
    """Paragraphs (without numbering) for one outline item."""
    if item.role == "problems":
        return _problems(item, outline)
    if item.role == "causes":
        return _causes(item, outline)
    if item.role == "measures":
        return _measures(item, outline)
    if item.role == "preamble":
        return _preamble(outline, profile)
    if item.role in ("last_year", "campaign"):
        return _fixes(outline, item.role, getattr(profile, item.role))
    if item.role == "case_study":
        return _case_study(item, outline, profile)
    if item.role == "closing":
        return [_say(outline, _words(outline)["closing"], "closing")]
    return []


def section_intro(role: str, outline: Outline, count: int) -> str:
    """The lead sentence of the problems / causes / measures / last-year section, or ''."""
    words = _words(outline).get(role)
    words = words if isinstance(words, dict) else {}
    options = (count == 1 and words.get("intro_one")) or words.get("intro")
    return _say(outline, options, role + "-intro", count=count) if options else ""
