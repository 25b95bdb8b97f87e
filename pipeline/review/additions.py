"""What a draft says that the unit never said: rules for any material, sharper when the unit's profile is given.

- an item the model could not write (flagged in the .json; older drafts: the 【待补：…（模型未能写出：…）】 marker) —
  an error, always;
- 《…》 titles of rules and laws not in lexicon/laws.yaml (nor in the profile) — a warning;
- with a profile: last year's problems the profile does not list, owners it does not name, numbers it does not
  give (in the preamble, any count but the preparation's), time limits it does not set, preparation facts the
  preamble leaves out, praise in problems / causes / last year's report, more points than problems asked, causes
  that turn into measures, measures that restate the fault.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pipeline.core.resources import lexicon
from pipeline.material.document import Document, render
from pipeline.material.preparation import preparation_facts
from pipeline.material.profile import Profile
from pipeline.review.findings import Unit, section_units
from pipeline.review.structure import Finding, Severity
from pipeline.text.deadlines import deadlines, given
from pipeline.text.facts import fact_present, invented_dates, numbers
from pipeline.text.owners import invented_owners
import json

_CLAUSE = re.compile(r"[^，。；：！？;:!?]+")
_SMALL_COUNTS = set(map(float, range(11)))  # "以下4个方面", "查摆的2个问题": counts the pipeline itself writes
_TITLE = re.compile(r"《([^《》\n]{2,40})》")
_PREFIXES = ("中国共产党", "中华人民共和国", "中共中央", "中共")
_SHOWN = 40


@lru_cache(maxsize=1)
def words() -> dict:
    return lexicon("additions")


@lru_cache(maxsize=1)
def _known_titles() -> frozenset[str]:
    return frozenset(_bare(t) for t in lexicon("laws")["titles"])


def _bare(title: str) -> str:
    title = re.sub(r"[（(]试行[）)]", "", title.strip())
    for prefix in _PREFIXES:
        if title.startswith(prefix) and len(title) > len(prefix) + 2:
            return title[len(prefix):]
    return title


def pending_pattern() -> re.Pattern:
    return re.compile(words()["pending_pattern"])


def _finding(code: str, severity: Severity, unit: Unit | None, **values) -> Finding:
    message = words()["findings"][code].format(**values)
    return Finding(code=code, severity=severity, message=message, location=unit.label if unit else "",
                   path=unit.path if unit else [])


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _units(document: Document, roles: tuple[str, ...] | None = None) -> list[tuple[str, Unit]]:
    return [(section.role, unit) for s, section in enumerate(document.sections)
            if roles is None or section.role in roles for unit in section_units(document, s)]


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE.findall(text) if c.strip()]


def _shares_run(text: str, sources: list[str], run: int = 4) -> bool:
    grams = {s[i:i + run] for s in sources for i in range(len(s) - run + 1)}
    return any(text[i:i + run] in grams for i in range(len(text) - run + 1))


def _in_order(needle: str, haystack: str) -> bool:
    """Every character of `needle` in `haystack`, in order, within twice its length."""
    chars = re.sub(r"[^\u4e00-\u9fff]", "", needle)
    if len(chars) < 4:
        return False
    for start in [m.start() for m in re.finditer(re.escape(chars[0]), haystack)]:
        window, position = haystack[start:start + 2 * len(chars)], 0
        for ch in window:
            if position < len(chars) and ch == chars[position]:
                position += 1
        if position == len(chars):
            return True
    return False


# ---- rules for any material -------------------------------------------------------------------------------------

def check_pending(document: Document) -> list[Finding]:
    pattern = pending_pattern()
    return [_finding("model-gave-up", "error", unit, reason="；".join(dict.fromkeys(pattern.findall(unit.text))))
            for _, unit in _units(document) if pattern.search(unit.text)]


def check_titles(document: Document, profile_text: str = "") -> list[Finding]:
    known = _known_titles()
    suffixes = tuple(words()["regulation_suffixes"])
    findings, seen = [], set()
    for _, unit in _units(document):
        for title in _TITLE.findall(unit.text):
            bare = _bare(title)
            if (bare in seen or not bare.endswith(suffixes) or bare in known or title in profile_text
                    or title in document.title):
                continue
            seen.add(bare)
            findings.append(_finding("title-unknown", "warning", unit, title=title))
    return findings


# ---- rules that need the profile ----------------------------------------------------------------------------------

def profile_text(profile: Profile) -> str:
    return "\n".join(str(value) for value in _strings(profile.model_dump(by_alias=True)))


def _strings(value) -> list:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if value is not None else []


def check_last_year(document: Document, profile: Profile) -> list[Finding]:
    given = [text for e in profile.last_year for text in (e.problem, e.fixed, e.measure) if text]
    shown = "；".join(e.problem for e in profile.last_year) or "（无）"
    faults = words()["fault_words"]
    findings = []
    for _, unit in _units(document, ("last_year",)):
        for clause in _clauses(pending_pattern().sub("", unit.text)):
            if any(w in clause for w in faults) and not _shares_run(clause, given):
                findings.append(_finding("last-year-invented", "error", unit, clause=_short(clause), given=shown))
    return findings


def check_owners(document: Document, profile: Profile) -> list[Finding]:
    allowed = profile_text(profile)
    return [_finding("owner-invented", "error", unit, owner=owner)
            for _, unit in _units(document, ("measures", "last_year"))
            for owner in invented_owners(unit.text, allowed, profile.unit.self_name)]


def check_numbers(document: Document, profile: Profile, severity: Severity = "warning") -> list[Finding]:
    allowed = set(numbers(profile_text(profile) + document.title)) | _SMALL_COUNTS
    # The preamble states the preparation: a count from elsewhere in the profile there is a changed count, and
    # so is a small one (谈心谈话5人次); the pipeline writes no count of its own there.
    prepared = set(numbers("\n".join(preparation_facts(profile)) + document.title))
    findings = []
    given = profile_text(profile) + document.title
    prepared_text = "\n".join(preparation_facts(profile)) + document.title
    for role, unit in _units(document, ("preamble", "problems", "last_year", "case_study")):
        text = pending_pattern().sub("", unit.text)
        for clause in _clauses(text):
            new = [surface for value, surface in numbers(clause).items()
                   if value not in (prepared if role == "preamble" else allowed)]
            new += invented_dates(clause, prepared_text if role == "preamble" else given)
            if new:
                findings.append(_finding("number-invented", severity, unit, numbers="、".join(new),
                                         clause=_short(clause)))
    return findings


def check_deadlines(document: Document, profile: Profile, severity: Severity = "warning") -> list[Finding]:
    """A measure's time limit the profile never set (the drafter puts the unit's own or a slot in its place)."""
    allowed = profile_text(profile) + document.title
    return [_finding("deadline-invented", severity, unit, deadline=found.text)
            for _, unit in _units(document, ("measures",))
            for found in deadlines(unit.text) if not given(found, allowed)]


def check_preparation(document: Document, profile: Profile) -> list[Finding]:
    """Each preparation fact (study, 谈心谈话 人次, 意见 条数) in the preamble, its numbers unchanged."""
    preamble = [unit for _, unit in _units(document, ("preamble",))]
    if not preamble:
        return []
    text = "\n".join(unit.text for unit in preamble)
    return [_finding("preparation-missing", "warning", preamble[0], fact=fact)
            for fact in preparation_facts(profile) if not fact_present(fact, text)]


def check_praise(document: Document, profile: Profile | None = None) -> list[Finding]:
    given = profile_text(profile) if profile is not None else ""
    names = lexicon("findings")["role-names"]
    findings = []
    for role, unit in _units(document, ("problems", "causes", "last_year")):
        for pattern in words()["praise_patterns"]:
            for match in re.finditer(pattern, unit.text):
                if match.group(0) not in given:
                    findings.append(_finding("praise", "error", unit, part=names.get(role, role), phrase=match.group(0)))
    return findings


def check_points(document: Document, profile: Profile) -> list[Finding]:
    asked = {aspect: len(problems) for aspect, problems in profile.aspects.items() if problems}
    findings = []
    for s, section in enumerate(document.sections):
        if section.role != "problems":
            continue
        for i, item in enumerate(section.items):
            count = asked.get(item.aspect or "") or next((n for a, n in asked.items() if a in item.heading), 0)
            actual = sum(1 for p in item.points if p.marker)
            if count and actual > count:
                unit = Unit(s, i, None, f"{section.marker}{section.heading} › {item.marker}{item.heading[:16]}",
                            item.heading, "")
                findings.append(_finding("points-extra", "warning", unit, asked=count, actual=actual))
    return findings


def _uncited(clause: str) -> str:
    """A measure's clause without what only names the problem it answers (针对“…”, “…”的问题): a citation."""
    cited = words()["cited_problem"]
    if any(re.fullmatch(pattern, clause) for pattern in cited["clauses"]):
        return ""
    return re.sub(cited["quote"], "", clause)


def check_causes_and_measures(document: Document, profile: Profile) -> list[Finding]:
    cues = words()["measure_cues"]
    corrections = words()["correction_words"]
    problems = [p.problem for ps in profile.aspects.values() for p in ps]
    findings = []
    for role, unit in _units(document, ("causes", "measures")):
        for clause in _clauses(unit.text):
            if role == "causes" and any(clause.startswith(c) or f"，{c}" in clause for c in cues):
                findings.append(_finding("cause-has-measure", "warning", unit, clause=_short(clause)))
            if role == "measures" and not any(w in clause for w in corrections):
                hit = next((p for p in problems if _in_order(p, _uncited(clause))), None)
                if hit:
                    findings.append(_finding("measure-restates-fault", "warning", unit, clause=_short(clause),
                                             problem=hit))
    return findings


def check_additions(document: Document, profile: Profile | None = None, drafted: bool = True,
                    final: bool = False) -> list[Finding]:
    """Every rule above; those needing the unit's facts run only when its profile is given. `drafted`: the
    document was drafted from this profile, so every owner, number and point must come from it (a material the
    user wrote from fuller notes is held only to last year's problems the profile lists). `final`: a number or
    time limit the profile never gave is an error, as it is for any other material checked with `--final`."""
    severity: Severity = "error" if final else "warning"
    text = profile_text(profile) if profile is not None else ""
    findings = check_pending(document) + check_titles(document, text) + check_praise(document, profile)
    if profile is not None:
        if profile.last_year:
            findings += check_last_year(document, profile)
        if drafted:
            findings += (check_owners(document, profile) + check_numbers(document, profile, severity)
                         + check_points(document, profile))
            findings += check_deadlines(document, profile, severity) + check_preparation(document, profile)
        findings += check_causes_and_measures(document, profile)
    return findings


def check_record(path, document: Document, found: list[Finding], sibling: bool = False) -> list[Finding]:
    """A duizhao .json keeps each item's flags: an item the model could not write is an error even when its
    marker was edited out of the text. `sibling`: the .json next to a checked .md / .docx, whose body no longer
    says why the model failed: its failed items count while their 【待补】 is still in the document."""

    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = record.get("items") if isinstance(record, dict) else None
    if not isinstance(items, list):
        return []
    if sibling:
        text = render(document)
        items = [i for i in items if isinstance(i, dict) and "".join(i.get("paragraphs") or []) in text
                 and "".join(i.get("paragraphs") or [])]
        return [f for f in item_findings(items, found) if f.code == "model-gave-up"]
    return item_findings(items, found)


def item_findings(items: list, found: list[Finding]) -> list[Finding]:
    """Findings from the drafted items' own record: failed items, owners the drafter replaced."""
    items = [i for i in items if isinstance(i, dict)]
    reasons, messages = words()["pending_reasons"], words()["findings"]
    findings = []
    if not any(f.code == "model-gave-up" for f in found):
        findings += [Finding(code="model-gave-up", severity="error", location=str(i.get("key", "")),
                             message=messages["model-gave-up"].format(
                                 reason=reasons.get(flag[8:], flag[8:]).format(rate="—")))
                     for i in items for flag in i.get("flags") or [] if str(flag).startswith("pending:")]
    # What the drafter took out of an answer (an invented owner) is still named.
    for i in items:
        for entry in i.get("removed") or []:
            code, _, text = str(entry).partition("：")
            if code == "owner-invented":
                owner, _, replacement = text.partition(" → ")
                findings.append(Finding(code="owner-replaced", severity="warning", location=str(i.get("key", "")),
                                        message=messages["owner-replaced"].format(
                                            owner=owner, replacement=replacement or words()["owner_slot"])))
            elif code == "deadline-invented":
                deadline, _, replacement = text.partition(" → ")
                findings.append(Finding(code="deadline-replaced", severity="warning", location=str(i.get("key", "")),
                                        message=messages["deadline-replaced"].format(deadline=deadline,
                                                                                     replacement=replacement)))
    return findings
