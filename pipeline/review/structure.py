"""Structure check: is the material well-formed for its meeting? Findings carry stable codes for machines."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document, Item, Point, Section
from pipeline.text.numbering import cn_to_int, marker_number, point_style
from pipeline.material.parse import ParseResult, assign_aspects
from pipeline.core.resources import lexicon
from pipeline.material.scrub import find_slots
from pipeline.material.specs import MeetingSpec, all_specs, match_aspect
from pipeline.text.slots import PENDING

Severity = Literal["error", "warning", "info"]
GENERIC_ROLES = ["preamble", "problems", "causes", "measures"]


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    severity: Severity
    message: str
    location: str = ""
    path: list[int] = []


class CheckReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ok: bool
    spec: str | None = None
    findings: list[Finding] = []
    structure: dict = {}
    metrics: dict = {}

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)


def message(code: str, **values) -> str:
    return lexicon("findings")[code].format(**values)


def code_name(code: str) -> str:
    """The Chinese name people see for a finding's code (the code itself stays in JSON)."""
    words = lexicon("findings")
    names = {**lexicon("supervision")["code-names"], **words["code-names"]}
    return names.get(code, words["code-name-default"])


def metric_names() -> dict[str, str]:
    """The metrics shown to people, in order, with their Chinese names."""
    return lexicon("findings")["metric-names"]


def role_name(role: str) -> str:
    return lexicon("findings")["role-names"].get(role, role)


def section_label(section: Section) -> str:
    return (section.marker + section.heading) or role_name(section.role)


def item_label(section: Section, item: Item) -> str:
    return f"{section_label(section)} › {item.marker}{item.heading[:16]}"


def _finding(code: str, severity: Severity, location: str = "", path: list[int] | None = None, **values) -> Finding:
    return Finding(code=code, severity=severity, message=message(code, **values), location=location, path=path or [])


def _check_sections(document: Document, required: list[str], order: list[str], spec_name: str) -> list[Finding]:
    """Required parts present; the parts the spec names (required or not) in its order; none empty."""
    findings: list[Finding] = []
    present = [s.role for s in document.sections]
    for role in required:
        if role not in present:
            findings.append(_finding("section-missing", "error", role=role_name(role), spec=spec_name))
    placed = [(index, r) for index, r in enumerate(present) if r in order]
    expected = [r for r in order if r in present]
    for (where, got), want in zip(placed, expected):
        if got != want:
            # Name the role `got` must follow, not the one at this position: that one may be missing or misplaced too.
            rank = expected.index(got)
            after = role_name(expected[rank - 1]) if rank else "标题"
            findings.append(_finding("section-order", "error", section_label(document.sections[where]), [where],
                                     role=role_name(got), after=after))
            break
    for index, section in enumerate(document.sections):
        if not section.intro and not section.items and section.role != "closing":
            findings.append(_finding("section-empty", "error", section_label(section), [index], role=role_name(section.role)))
    return findings


def _same_heading(heading: str, wanted: str) -> bool:
    """A heading names a spec heading when one contains the other, punctuation aside."""
    a, b = (re.sub(r"[\s。：:，,；;]", "", text) for text in (heading, wanted))
    return bool(a and b) and (a in b or b in a)


def assign_part_roles(document: Document, spec: MeetingSpec) -> None:
    """Sections whose heading is a spec part's own heading take that part's role (the words of a new year's
    skeleton need no lexicon entry)."""
    for section in document.sections:
        if not section.marker:
            continue
        for part in spec.skeleton:
            if part.heading and "{" not in part.heading and _same_heading(section.heading, part.heading):
                section.role = part.role  # type: ignore[assignment]
                break


def _check_subparts(document: Document, spec: MeetingSpec) -> list[Finding]:
    """Each present part with sub-parts has them as its （一）（二） items, in the spec's order."""
    findings: list[Finding] = []
    for index, section in enumerate(document.sections):
        part = spec.part(section.role)
        if part is None or not part.subparts:
            continue
        found = []
        for sub in part.subparts:
            where = next((i for i, item in enumerate(section.items) if _same_heading(item.heading, sub.heading)), None)
            if where is None:
                findings.append(_finding("subpart-missing", "error", section_label(section), [index],
                                         heading=sub.heading, role=role_name(section.role)))
            else:
                found.append((where, sub.heading))
        for (before_at, before), (at, heading) in zip(found, found[1:]):
            if at < before_at:
                findings.append(_finding("subpart-order", "error", section_label(section), [index, at],
                                         heading=heading, before=before))
                break
    return findings


def _sequence_gaps(markers: list[tuple[str, int]], level: int, label: str, path: list[int]) -> list[Finding]:
    expected = 1
    for marker, number in markers:
        if number != expected:
            return [_finding("numbering-gap", "error", label, path, marker=marker, expected=expected,
                             level=lexicon("findings")["level-names"][level])]
        expected += 1
    return []


def _point_gaps(points: list[Point], label: str, path: list[int]) -> list[Finding]:
    # Styles nest in the order they first appear; an outer style's next number restarts the inner ones.
    order: list[str] = []
    counters: dict[str, int] = {}
    for index, point in enumerate(points):
        style = point_style(point.marker)
        if style is None:
            continue
        kind, number = style
        if kind not in order:
            order.append(kind)
        for inner in order[order.index(kind) + 1 :]:
            counters.pop(inner, None)
        expected = counters.get(kind, 0) + 1
        if number != expected:
            return [_finding("numbering-gap", "error", f"{label} › {point.marker}", [*path, index],
                             marker=point.marker, expected=expected, level="三")]
        counters[kind] = number
    return []


def _check_numbering(document: Document) -> list[Finding]:
    findings: list[Finding] = []
    level1 = [(s.marker, marker_number(s.marker)) for s in document.sections if s.marker]
    findings += _sequence_gaps([(m, n) for m, n in level1 if n], 1, "一级标题", [])
    for s_index, section in enumerate(document.sections):
        label = section_label(section)
        items = [(i.marker, marker_number(i.marker)) for i in section.items]
        findings += _sequence_gaps([(m, n) for m, n in items if n], 2, label, [s_index])
        findings += _point_gaps(section.intro, label, [s_index])
        for i_index, item in enumerate(section.items):
            findings += _point_gaps(item.points, item_label(section, item), [s_index, i_index])
    return findings


def _check_aspects(document: Document, spec: MeetingSpec) -> list[Finding]:
    problems_index = next((i for i, s in enumerate(document.sections) if s.role == "problems"), None)
    if problems_index is None or spec.free_aspects:
        return []
    section = document.sections[problems_index]
    names = spec.aspect_names()
    findings: list[Finding] = []
    seen: list[str] = []
    for i_index, item in enumerate(section.items):
        aspect = item.aspect or match_aspect(item.heading, spec)
        if aspect is None:
            findings.append(_finding("aspect-unknown", "warning", item_label(section, item), [problems_index, i_index],
                                     heading=item.heading))
        elif aspect not in seen:
            if seen and names.index(aspect) < names.index(seen[-1]):
                findings.append(_finding("aspect-order", "error", item_label(section, item), [problems_index, i_index],
                                         aspect=aspect, before=seen[-1]))
            seen.append(aspect)
    for name in names:
        if name not in seen:
            findings.append(_finding("aspect-missing", "error", section_label(section), [problems_index], aspect=name))
    return findings


def _check_counts(document: Document) -> list[Finding]:
    pattern = re.compile(lexicon("roles")["count_pattern"])
    findings = []
    for s_index, section in enumerate(document.sections):
        if not section.items:
            continue
        for point in section.intro:
            match = pattern.search(point.text)
            if match:
                count = cn_to_int(match.group(1).replace("两", "二"))
                if count != len(section.items):
                    findings.append(_finding("count-mismatch", "error", section_label(section), [s_index],
                                             count=match.group(1), actual=len(section.items)))
    return findings


@lru_cache(maxsize=1)
def _template_pattern() -> re.Pattern:
    return re.compile(lexicon("content")["template"]["placeholder"])


def _slot_findings(slots: list[str], label: str, path: list[int], final: bool) -> list[Finding]:
    """【待补】 prompts (warning; error in a 送审稿 check), template text left in (error), other slots (XX, **)."""
    findings = []
    pending = [s for s in dict.fromkeys(slots) if s.startswith(PENDING)]
    template = [s for s in dict.fromkeys(slots) if s.startswith("【") and s not in pending]
    other = [s for s in dict.fromkeys(slots) if s not in pending and s not in template]
    if template:
        findings.append(_finding("template-text", "error", label, path, slot="”“".join(template)))
    if pending:
        findings.append(_finding("pending", "error" if final else "warning", label, path, slot="”“".join(pending)))
    if other:
        findings.append(_finding("placeholder", "error" if final else "warning", label, path, slot="”“".join(other)))
    return findings


def _balanced(text: str, start: int, end: int) -> str:
    """A 【待补：…】 prompt quoting template text (联系“【问题概括】”等问题…) runs to its own closing bracket."""
    depth, index = 0, start
    while index < len(text) and index - start < 400:
        depth += {"【": 1, "】": -1}.get(text[index], 0)
        if depth == 0:
            return text[start : index + 1]
        index += 1
    return text[start:end]


def _slots_in(text: str) -> list[str]:
    found = [(slot.start, _balanced(text, slot.start, slot.end) if slot.text.startswith("【") else slot.text)
             for slot in find_slots(text)]
    found += [(m.start(), m.group(0)) for m in _template_pattern().finditer(text)]
    return [text for _, text in sorted(found)]


def check_slots(document: Document, final: bool = False) -> list[Finding]:
    findings = _slot_findings(_slots_in(document.title), "标题", [], final)
    for s_index, section in enumerate(document.sections):
        places = [(section_label(section), [s_index], section.intro)]
        places += [(item_label(section, item), [s_index, i], [Point(text=item.heading), *item.points])
                   for i, item in enumerate(section.items)]
        for label, path, points in places:
            findings += _slot_findings([slot for point in points for slot in _slots_in(point.text)], label, path, final)
    # An unfilled unit name or date in the signature (XX党支部) is as visible as one in the body.
    findings += _slot_findings([slot for line in document.signature for slot in _slots_in(line)],
                               role_name("signature"), [], final)
    return findings


def guess_spec(document: Document) -> MeetingSpec | None:
    """The spec (built-in or the user's) whose aspects the problems items name best."""
    problems = document.section("problems")
    if problems is None or not problems.items:
        return None
    best, best_score = None, 0.0
    for spec in all_specs().values():
        hits = sum(match_aspect(item.heading, spec) is not None for item in problems.items)
        score = hits / max(len(problems.items), len(spec.aspects))
        # Two years' specs may share their aspects: the year in the title decides between them.
        if spec.year and str(spec.year) in document.title:
            score += 0.01
        if score > best_score:
            best, best_score = spec, score
    return best if best_score >= 0.5 else None


def outline(document: Document) -> dict:
    return {
        "title": document.title,
        "sections": [
            {"role": s.role, "heading": s.marker + s.heading, "intro_paragraphs": len(s.intro),
             "items": [{"marker": i.marker, "heading": i.heading, "aspect": i.aspect, "points": len(i.points)} for i in s.items]}
            for s in document.sections
        ],
    }


def check_structure(parsed: ParseResult, spec: MeetingSpec | None = None, final: bool = False) -> CheckReport:
    """`final`: checked as a 送审稿, where every slot still to fill (【待补】, XX) is an error."""
    # A private copy (aspects get assigned below); a dump and validate copies several times faster than deepcopy.
    document = Document.model_validate(parsed.document.model_dump())
    findings: list[Finding] = []
    guessed = None
    if spec is None:
        guessed = guess_spec(document)
        if guessed is not None:
            findings.append(_finding("spec-guess", "info", spec=guessed.id, name=guessed.name))
    else:
        assign_part_roles(document, spec)
        assign_aspects(document, spec)
    if not document.title:
        findings.append(_finding("title-missing", "warning"))
    required = spec.required_roles() if spec else GENERIC_ROLES
    order = [part.role for part in spec.skeleton] if spec else GENERIC_ROLES
    findings += _check_sections(document, required, order, spec.name if spec else "通用结构")
    findings += _check_numbering(document)
    findings += _check_counts(document)
    if spec is not None:
        findings += _check_aspects(document, spec)
        findings += _check_subparts(document, spec)
    findings += check_slots(document, final)
    kinds = lexicon("findings")["artifact-kinds"]
    for cleaning in parsed.cleaning:
        findings.append(_finding("artifact", "warning", kind=kinds.get(cleaning.code, cleaning.code),
                                 count=cleaning.count, example=cleaning.example))
    ok = not any(f.severity == "error" for f in findings)
    return CheckReport(ok=ok, spec=spec.id if spec else None, findings=findings, structure=outline(document))
