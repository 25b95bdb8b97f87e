"""Facts against the profile, in any document: every number, date, owner, time limit, person and named case the
text states that the unit's profile (or meeting file) does not hold is named, quoting it. A time limit before the
meeting, or only "长期坚持", asks for a stage deadline. Warnings; errors in a 送审稿 check (--final).

The finding helpers are the drafter's own (text/facts.py, text/owners.py, text/deadlines.py) and additions.py's."""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.material.document import Document
from pipeline.material.profile import Profile
from pipeline.review.additions import profile_text
from pipeline.review.findings import Unit, section_units
from pipeline.review.structure import Finding, Severity, section_label
from pipeline.text.deadlines import deadlines, given
from pipeline.text.facts import invented_dates, numbers
from pipeline.text.owners import invented_owners

PROMPT = re.compile(r"【[^【】\n]{0,200}】")  # a prompt to fill (【待补：…】) states no fact
_CLAUSE = re.compile(r"[^，。；：！？;:!?]+")
_DATE = re.compile(r"(\d{4})年(?:(\d{1,2})月)?(?:(\d{1,2})日)?")
_SHOWN = 40
# A numbering marker (1. 1、 （1）) at a point's start: the number is no fact.
_MARKER = re.compile(r"(?:^|(?<=[。！？；]))(?:\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[)）])")


@lru_cache(maxsize=1)
def words() -> dict:
    return lexicon("supervision")


def finding(code: str, severity: Severity, unit: Unit | None, **values) -> Finding:
    return Finding(code=code, severity=severity, message=words()["messages"][code].format(**values),
                   location=unit.label if unit else "", path=unit.path if unit else [])


def short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def units(document: Document, roles: tuple[str, ...] | None = None) -> list[tuple[str, Unit]]:
    """Every unit of the parts asked for, and the lead-in of a part that has items (section_units leaves it)."""
    found = []
    for s, section in enumerate(document.sections):
        if (roles is not None and section.role not in roles) or section.role == "closing":
            continue
        if section.items and section.intro:
            found.append((section.role, Unit(s, None, None, section_label(section), "",
                                             "".join(p.marker + p.text for p in section.intro))))
        found += [(section.role, unit) for unit in section_units(document, s)]
    return found


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.findall(text) if c.strip()]


def _self_count(clause: str, surface: str) -> bool:
    """"以下5个方面", "查摆的3个问题": a count of the material's own parts, not a fact."""
    at = clause.find(surface)
    try:
        value = float(re.sub(r"[^\d.]", "", surface) or "nan")
    except ValueError:
        return False
    return at >= 0 and value <= 10 and bool(re.match(words()["self_counts"], clause[at + len(surface):]))


def check_numbers(document: Document, allowed: str, severity: Severity) -> list[Finding]:
    known = set(numbers(allowed))
    findings = []
    for role, unit in units(document):
        from pipeline.review.meeting_papers import without_derived  # lazy: that module reads much more

        # 1. / （1） number no fact; nor does a count labelled as the tool's own (5项（据会议文件统计）).
        text = _MARKER.sub("", PROMPT.sub("", without_derived(unit.text)))
        if role == "measures":  # a measure's time limit is the deadline rule's
            for found in reversed(deadlines(text)):
                text = text[:found.start] + "，" + text[found.end:]
        for clause in clauses(text):
            new = [surface for value, surface in numbers(clause).items()
                   if value not in known and not _self_count(clause, surface)]
            new += invented_dates(clause, allowed)
            if new:
                findings.append(finding("number-unsourced", severity, unit, numbers="、".join(new), clause=short(clause)))
    return findings


def check_people(document: Document, allowed: str, severity: Severity) -> list[Finding]:
    """Persons named 某某同志 and cases named …案 that the profile never names."""
    skip = tuple(words()["not_persons"])
    findings, seen = [], set()
    for _, unit in units(document):
        text = PROMPT.sub("", unit.text)
        for match in re.finditer(words()["person_pattern"], text):
            name = match.group(1)
            while name and name.startswith(skip):  # "对王建华同志": the name after a preposition
                name = name[1:]
            if len(name) >= 2 and name not in allowed and name not in seen and not name.endswith(skip):
                seen.add(name)
                clause = next((c for c in clauses(text) if name in c), name)
                findings.append(finding("person-unknown", severity, unit, name=name, clause=short(clause)))
        for match in re.finditer(words()["case_pattern"], text):
            case = match.group(1)
            core = re.sub(r"^某", "", case)
            if case not in seen and not any(core[i:i + 6] in allowed for i in range(max(1, len(core) - 5))):
                seen.add(case)
                findings.append(finding("case-unknown", severity, unit, case=case))
    return findings


def check_owners(document: Document, allowed: str, self_name: str, severity: Severity) -> list[Finding]:
    messages = lexicon("additions")["findings"]
    return [Finding(code="owner-invented", severity=severity, message=messages["owner-invented"].format(owner=owner),
                    location=unit.label, path=unit.path)
            for _, unit in units(document) for owner in invented_owners(unit.text, allowed, self_name)]


def meeting_date(profile: Profile | None, document: Document) -> tuple[int, int, int] | None:
    """When the meeting is held: the signature's date (the document's, else the profile's)."""
    candidates = [*document.signature, profile.signature.date if profile and profile.signature else None]
    for text in candidates:
        match = _DATE.search(text or "")
        if match and match.group(2):
            return int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    year = profile.meeting.year if profile is not None else None
    return (int(year), 1, 1) if year else None  # held in its year at the earliest


def _before(deadline: str, date: tuple[int, int, int]) -> bool:
    match = _DATE.search(deadline)
    if not match:
        return False
    year, month = int(match.group(1)), int(match.group(2) or 12)
    return (year, month) < date[:2]


def check_deadlines(document: Document, profile: Profile | None, allowed: str, severity: Severity,
                    invented: bool = True) -> list[Finding]:
    """Time limits the profile never set; a time limit before the meeting; a measure with only 长期坚持."""
    messages = lexicon("additions")["findings"]
    date = meeting_date(profile, document)
    shown = f"{date[0]}年{date[1]}月{date[2]}日" if date else ""
    open_words = words()["open_deadlines"]
    findings = []
    for _, unit in units(document, ("measures",)):
        found = deadlines(unit.text)
        for deadline in found:
            if profile is not None and invented and not given(deadline, allowed):
                findings.append(Finding(code="deadline-invented", severity=severity, location=unit.label,
                                        path=unit.path, message=messages["deadline-invented"].format(deadline=deadline.text)))
            if date and _before(deadline.value, date):
                findings.append(finding("deadline-past", "warning", unit, deadline=deadline.text, date=shown))
        phrase = next((w for w in open_words if w in unit.text), None)
        if phrase and not found and not re.search(r"【[^】]*时限[^】]*】", unit.text):
            clause = next((c for c in clauses(unit.text) if phrase in c), phrase)
            findings.append(finding("deadline-open", "warning", unit, phrase=phrase, clause=short(clause)))
    return findings


def check_profile_facts(document: Document, profile: Profile | None, final: bool = False,
                        drafted: bool = False) -> list[Finding]:
    """Every rule above. Without a profile only the time limits' own rules run (before the meeting, 长期坚持);
    for a duizhao record (`drafted`) additions.py already holds numbers, owners and time limits to the profile."""
    severity: Severity = "error" if final else "warning"
    if profile is None:
        return check_deadlines(document, None, "", severity)
    allowed = profile_text(profile) + "\n" + document.title
    found = check_people(document, allowed, severity)
    if drafted:
        return found + check_deadlines(document, profile, allowed, severity, invented=False)
    return (found + check_numbers(document, allowed, severity)
            + check_owners(document, allowed, profile.unit.self_name, severity)
            + check_deadlines(document, profile, allowed, severity))
