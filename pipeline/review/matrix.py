"""The 雷同 matrix of a county's submissions: every material against every other, in one pass over one index.
Exempt in each: the wording its meeting mandates (theme, aspects, headings), the genre's connective formulae, the
titles of documents studied, and every 【…】 prompt (an unfilled prompt is never 雷同). Each material's masked
characters become a filler of its own, so they neither match another material nor join the words around them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.material.document import Document, render
from pipeline.material.specs import MeetingSpec
from pipeline.review.mandated import mandated_phrases
from pipeline.review.meeting_rules import PairCopy, exempt_mask
from pipeline.text.overlap import OverlapIndex, normalise

_TITLE = re.compile(r"《[^《》\n]{2,40}》")
_FILLER = 0xE000  # private-use characters: content to the index, in no real text


@dataclass
class Material:
    name: str
    document: Document
    spec: MeetingSpec | None = None
    # Materials are compared within their group only: a colleague's criticism quotes the member's own problem
    # by design; two 对照检查材料 (班子 or personal) sharing text is 雷同.
    group: str = ""


def body(document: Document) -> str:
    """What 查重 compares: the body, without the title, the banner and the signature (alike by design)."""
    return render(document.model_copy(update={"title": "", "notice": "", "signature": []}))


def _exempt(material: Material, text: str) -> list[str]:
    headings = [s.heading for s in material.document.sections]
    headings += [i.heading for s in material.document.sections for i in s.items]
    return [*mandated_phrases(material.spec), *headings, *_TITLE.findall(text)]


def copy_matrix(materials: list[Material]) -> tuple[dict[str, dict[str, float]], dict[tuple[str, str], str]]:
    """Per material, the share of its counted characters in 13-字 runs shared with each other material; and per
    ordered pair, the longest shared run."""
    rates: dict[str, dict[str, float]] = {}
    runs: dict[tuple[str, str], str] = {}
    for group in dict.fromkeys(m.group for m in materials):
        members = [(n, m) for n, m in enumerate(materials) if m.group == group]
        group_rates, group_runs = _matrix(members)
        rates.update(group_rates)
        runs.update(group_runs)
    return rates, runs


def _matrix(materials: list[tuple[int, Material]]) -> tuple[dict[str, dict[str, float]], dict[tuple[str, str], str]]:
    index = OverlapIndex()
    masked: dict[str, tuple[str, int]] = {}
    for number, material in materials:
        text = body(material.document)
        mask = exempt_mask(text, _exempt(material, text))
        filler = chr(_FILLER + number % 6000)
        own = "".join(filler if hidden else ch for ch, hidden in zip(text, mask))
        counted = sum(1 for ch, hidden in zip(text, mask) if not hidden and normalise(ch)[0])
        masked[material.name] = (own, counted)
        index.add(material.name, own)
    rates: dict[str, dict[str, float]] = {}
    runs: dict[tuple[str, str], str] = {}
    for name, (own, counted) in masked.items():
        report = index.check(own, exclude=[name])
        rates[name] = {other: chars / (counted or 1) for other, chars in report.by_source.items()}
        for other in report.by_source:
            longest = report.longest(other)
            runs[(name, other)] = longest.text if longest else ""
    return rates, runs


def pairs(rates: dict[str, dict[str, float]], runs: dict[tuple[str, str], str], floor: float = 0.0) -> list[PairCopy]:
    """Every pair sharing more than `floor`, with the higher of its two directed rates, highest first."""
    found: dict[tuple[str, str], PairCopy] = {}
    for a, row in rates.items():
        for b, rate in row.items():
            key = tuple(sorted((a, b)))
            if rate > floor and (key not in found or rate > found[key].rate):
                found[key] = PairCopy(key[0], key[1], rate, runs.get((a, b), ""))
    return sorted(found.values(), key=lambda p: p.rate, reverse=True)
