"""The check of the meeting's other documents (会议方案 … 情况报告), each by its kind: the kind recognised from its
title, the parts the kind must hold, every member / aspect / 整改 row it must name, and no number or date the
meeting file does not hold (a count the tool works out must say so). 【待补】 left to fill is a warning."""

from __future__ import annotations

import re

from pipeline.core.resources import lexicon
from pipeline.material.document import Document, render
from pipeline.material.meeting import MeetingFile
from pipeline.material.meeting_docs import LedgerRow
from pipeline.material.meeting_papers import Paper
from pipeline.material.profile import Profile, profile_aspects
from pipeline.material.specs import MeetingSpec
from pipeline.review.kinds import kind_of, kinds
from pipeline.review.structure import Finding
from pipeline.text.facts import invented_dates, numbers
from pipeline.text.slots import PENDING

_PENDING = re.compile(r"【待补[^】]*】")


def _words() -> dict:
    return lexicon("meeting_docs/common")


def _finding(code: str, severity: str, **values) -> Finding:
    return Finding(code=f"paper-{code}", severity=severity, message=_words()["messages"][code].format(**values))


def without_derived(text: str) -> str:
    """The text with each labelled count (7名（据会议文件统计）) taken out: those numbers are the tool's own."""
    label = re.escape(_words()["derived"])
    return re.sub(rf"\d+[^\d\s（）。，；]{{0,2}}{label}", "", text)


def _body_texts(document: Document) -> list[str]:
    """Every text the reader sees except numbering markers (一、 （一） 1.)."""
    texts = [document.title, *document.signature]
    for section in document.sections:
        texts += [section.heading, *(p.text for p in section.intro)]
        for item in section.items:
            texts += [item.heading, *(p.text for p in item.points)]
    return [t for t in texts if t]


def sources_text(meeting: MeetingFile, spec: MeetingSpec) -> str:
    """What the meeting's documents may take numbers and dates from: the meeting file and its spec's wording."""
    return "\n".join([meeting.model_dump_json(), spec.name, spec.theme, *spec.aspect_names()])


def check_numbers(texts: list[str], sources: str) -> list[Finding]:
    allowed = set(numbers(sources))
    findings, seen = [], set()
    for text in texts:
        bare = _PENDING.sub("", without_derived(text))
        for value, surface in numbers(bare).items():
            if value not in allowed and surface not in seen:
                seen.add(surface)
                findings.append(_finding("number", "error", number=surface))
        findings += [_finding("date", "error", date=d) for d in invented_dates(bare, sources)]
    return findings


def check_parts(document: Document, kind: str, severity: str = "warning") -> list[Finding]:
    """The parts a kind must hold (lexicon/meeting_docs/common.yaml `checks`). `duizhao check` applies them to any
    document of the kind as warnings (another unit may word its parts its own way); ours must hold them."""
    text = render(document)
    return [_finding("missing", severity, kind=kinds()[kind].name, word=w) for w in _words()["checks"][kind]
            if w not in text]


def check_paper(paper: Paper, meeting: MeetingFile, spec: MeetingSpec, group: Profile,
                rows: list[LedgerRow]) -> list[Finding]:
    """The findings of one document, as its kind's reviewer reads it."""
    words = _words()
    kind_name = lexicon("meeting")["index"]["kinds"][paper.kind]
    document = paper.document
    text = render(document) + "\n" + "\n".join(paper.rows)
    findings: list[Finding] = []
    if kind_of(document.title).id != paper.kind:  # `duizhao check` reads it by its title, as this kind
        findings.append(_finding("kind", "error", title=document.title, kind=kind_name))
    findings += check_parts(document, paper.kind, "error")
    names = [m.name for m in meeting.members]
    if paper.kind == "talks":
        names = [n for n in names if n != document.signature[0]] if document.signature else names
    if paper.kind in ("plan", "opinions", "talks", "host"):
        findings += [_finding("member", "error", kind=kind_name, name=n) for n in names if n not in text]
    if paper.kind == "opinions":
        findings += [_finding("aspect", "error", aspect=row) for row, _ in profile_aspects(group, spec)
                     if row not in paper.rows]
    if paper.kind == "rectification":
        findings += [_finding("row", "error", problem=r.problem) for r in rows if r.problem not in text]
    if paper.kind == "host" and meeting.session and meeting.session.supervisor:
        if text.count(meeting.session.supervisor) < 2:  # welcomed, and asked to give remarks
            findings.append(_finding("supervisor", "error", supervisor=meeting.session.supervisor))
    findings += check_numbers(_body_texts(document) + paper.rows, sources_text(meeting, spec))
    slots = text.count(PENDING)
    if slots:
        findings.append(_finding("pending", "warning", count=slots))
    return findings

