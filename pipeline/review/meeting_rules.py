"""Checks that fit the meeting's own documents: a member's personal material (voice 我, personal problems),
the 相互批评意见 (every colleague, with 辣味), 查重 between members' materials, and the 整改清单 rows.

Pure functions over documents and rows; word lists and limits are lexicon/meeting.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.core.resources import lexicon
from pipeline.material.document import Document, Item, render
from pipeline.review.mandated import composer_formulae
from pipeline.review.structure import Finding, Severity
from pipeline.text.overlap import OverlapIndex, normalise
from pipeline.text.slots import is_pending

_DIGIT = re.compile(r"[0-9０-９]|[一二三四五六七八九十两百千]+(次|个|名|人|件|户|天|项|条|月|年|处|家|份)")


def _words() -> dict:
    return lexicon("meeting")


def _finding(code: str, severity: Severity, location: str = "", **values) -> Finding:
    return Finding(code=code, severity=severity, message=_words()["messages"][code].format(**values), location=location)


def _problem_points(document: Document) -> list[tuple[str, str]]:
    """(location, text) of every problem point of the problems section."""
    section = document.section("problems")
    if section is None:
        return []
    points = []
    for item in section.items:
        for point in item.points:
            points.append((f"{section.marker}{section.heading} › {item.marker}{item.heading[:16]}", point.text))
    return points


def _personal_problem(text: str) -> bool:
    """The problem's own sentence says something about the member: 我…, or an attitude or fault (不够、畏难…)."""
    checks = _words()["checks"]
    head = re.split(r"[。！？]", text, maxsplit=1)[0]
    return any(cue in head for cue in checks["self_cues"]) or any(cue in head for cue in checks["fault_cues"])


def check_personal(document: Document) -> list[Finding]:
    """A member's material speaks as 我 and examines the member, not the 班子."""
    checks = _words()["checks"]
    findings: list[Finding] = []
    body = "".join(render(document).splitlines()[1:])
    if checks["first_person"] not in body:
        findings.append(_finding("voice-missing", "error"))
    for location, text in _problem_points(document):
        phrase = next((p for p in checks["collective"] if p in text), None)
        if phrase:
            findings.append(_finding("voice-collective", "error", location, phrase=phrase))
        elif not _personal_problem(text):
            findings.append(_finding("work-problem", "warning", location, text=text[:30]))
    return findings


def has_bite(text: str) -> bool:
    """A criticism names a concrete problem: a problem cue or a number; a bare wish (希望…/建议…) does not."""
    checks = _words()["checks"]
    core = text.strip()
    if not core.startswith(tuple(checks["wish_starts"])):
        return True
    return bool(_DIGIT.search(core)) or any(cue in core for cue in checks["problem_cues"])


def check_criticisms(sheet: Document) -> list[Finding]:
    """Every colleague gets at least one point; a point that is only a wish is flagged."""
    findings: list[Finding] = []
    items: list[Item] = [item for section in sheet.sections for item in section.items]
    for item in items:
        name = re.sub(r"^对|同志.*$", "", item.heading)
        texts = [p.text for p in item.points if p.text.strip() and not is_pending(p.text)]
        location = f"{item.marker}{item.heading}"
        if not texts:
            findings.append(_finding("criticism-missing", "error", location, name=name))
        for text in texts:
            if not has_bite(text):
                findings.append(_finding("criticism-wish", "warning", location, text=text[:40]))
    return findings


@dataclass
class PairCopy:
    a: str
    b: str
    rate: float  # the larger of the two directions
    run: str = ""


_PROMPT = re.compile(r"【[^【】\n]{0,200}】")


def exempt_mask(text: str, mandated: list[str]) -> list[bool]:
    # A 【待补：…】 prompt is the same in every draft and none reaches the material handed in: never 雷同.
    mask = [False] * len(text)
    for match in _PROMPT.finditer(text):
        mask[match.start() : match.end()] = [True] * (match.end() - match.start())
    # The composer's connective formulae assert nothing and are the same in every member's material.
    for phrase in sorted({p for p in [*mandated, *composer_formulae()] if len(p) >= 4}, key=len, reverse=True):
        for match in re.finditer(re.escape(phrase), text):
            mask[match.start() : match.end()] = [True] * (match.end() - match.start())
    return mask


def _masked(text: str, mask: list[bool], filler: str) -> str:
    # Mandated wording becomes a filler the other document never has: it is not copied, and it does not
    # join the words around it into one shared run either.
    return "".join(filler if hidden else ch for ch, hidden in zip(text, mask))


def copy_against(text: str, others: dict[str, str], mandated: list[str]) -> dict[str, tuple[float, str]]:
    """Per other document: share of `text`'s content characters in 13-字 runs shared with it, and the longest
    run. Mandated wording (the meeting's name, aspect names, headings) is left out of both texts."""
    mask = exempt_mask(text, mandated)
    own = _masked(text, mask, "\ue000")
    counted = [i for i, ch in enumerate(text) if not mask[i] and normalise(ch)[0]]
    total = len(counted) or 1
    result = {}
    for name, other in others.items():
        index = OverlapIndex()
        index.add(name, _masked(other, exempt_mask(other, mandated), "\ue001"))
        report = index.check(own)
        marked = sum(1 for i in counted if report.owners[i])
        longest = max((run.text for run in report.runs), key=len, default="")
        result[name] = (marked / total, longest)
    return result


def pairwise_copy(texts: dict[str, str], mandated: list[str]) -> list[PairCopy]:
    """Every pair of documents, with the higher of its two directed copy rates."""
    names = list(texts)
    rates = {name: copy_against(texts[name], {o: texts[o] for o in names if o != name}, mandated) for name in names}
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (ab, run_ab), (ba, run_ba) = rates[a][b], rates[b][a]
            pairs.append(PairCopy(a, b, max(ab, ba), run_ab if ab >= ba else run_ba))
    return sorted(pairs, key=lambda p: p.rate, reverse=True)


def pair_findings(name: str, pairs: list[PairCopy]) -> list[Finding]:
    limit = _words()["checks"]["pair_copy_limit"]
    return [_finding("pair-copy", "error", other=p.b if p.a == name else p.a, rate=p.rate, limit=limit, run=p.run[:30])
            for p in pairs if name in (p.a, p.b) and p.rate > limit]


def corpus_finding(rate: float, source: str = "") -> list[Finding]:
    limit = _words()["checks"]["corpus_copy_limit"]
    return [_finding("corpus-copy", "error", rate=rate, limit=limit, source=source)] if rate > limit else []


def check_ledger(rows, problems: list[tuple[str, str]]) -> list[Finding]:
    """Every (who, problem) has a row; each row names a measure, an owner and a deadline."""
    findings: list[Finding] = []
    listed = {(row.who, row.problem) for row in rows}
    for who, problem in problems:
        if (who, problem.rstrip("。")) not in listed:
            findings.append(_finding("ledger-missing", "error", problem=problem, who=who))
    for row in rows:
        # A problem the material states (found itself or raised in 征求意见) needs its measure now; a criticism
        # received, a case gap or a problem carried over gets one after the meeting (the row is 未开始 until then).
        severity = "error" if getattr(row, "kind", "group") in ("group", "personal", "opinions") else "warning"
        for field, code in (("owner", "ledger-owner"), ("deadline", "ledger-deadline"), ("measure", "ledger-measure")):
            if not getattr(row, field).strip() or is_pending(getattr(row, field)):
                findings.append(_finding(code, severity, f"第{row.number}行", row=row.number, problem=row.problem))
    return findings
