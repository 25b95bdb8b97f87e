"""Wording every material of a meeting must use — its theme, the aspect names, the title pattern — is not
copying: two units of one meeting share it by mandate. Quotes of it are taken out of a copy-rate report."""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.text.overlap import OverlapIndex, OverlapReport, SharedRun, normalise


def mandated_phrases(spec) -> list[str]:
    """Wording every material of the meeting must use: its theme (the spec's name, and its parts outside
    brackets), the aspect names and the aliases the spec writes, the fixed parts of the title pattern."""
    if spec is None:
        return []
    phrases = [spec.name, spec.meeting, *re.split(r"[（()）“”]", spec.name)]
    phrases += [name for aspect in spec.aspects for name in (aspect.name, *aspect.aliases)]
    phrases += re.split(r"\{[^}]*\}", spec.title or "")
    return [p for p in dict.fromkeys(p.strip() for p in phrases) if len(normalise(p)[0]) >= 2]


MANDATED_QUOTE = 6  # a quote of a long mandated phrase this long (content characters) is exempt


@lru_cache(maxsize=1)
def composer_formulae() -> tuple[str, ...]:
    """The fixed words of the offline composer's connectives (现将…对照检查情况报告如下 and the like): formulae of
    the genre that assert nothing, in every unit's material. Only the literal parts between placeholders, and only
    those long enough to be matched as quotes, so a unit's own words around them still count."""
    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, list):
            for item in node:
                yield from strings(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key != "roots":  # the cause roots' names and keywords are content, not connectives
                    yield from strings(value)

    # The personal composer's and the meeting documents' fixed wording (the 相互批评意见's opening) too.
    sources = [lexicon("composer"), lexicon("composer_personal"), lexicon("meeting")["criticism"]]
    fragments = (part.strip() for source in sources for template in strings(source)
                 for part in re.split(r"\{[^}]*\}", template))
    return tuple(dict.fromkeys(f for f in fragments if len(normalise(f)[0]) >= MANDATED_QUOTE))


def exempt_mandated(report: OverlapReport, text: str, phrases: list[str], run_length: int) -> OverlapReport:
    """`report` with the characters that quote mandated wording (runs of ≥ MANDATED_QUOTE shared with a phrase)
    no longer counted as copied, and what is left of a run counted only if it still reaches `run_length`."""
    if not phrases or not report.marked:
        return report
    quotes = OverlapIndex(MANDATED_QUOTE)
    short = []
    for number, phrase in enumerate(phrases):
        if len(normalise(phrase)[0]) >= MANDATED_QUOTE:
            quotes.add(f"m{number}", phrase)
        else:
            short.append(phrase)
    quoted = quotes.check(text).owners
    # A short name (政治纪律, 四风) is exempt where it appears whole.
    for phrase in short:
        start = text.find(phrase)
        while start >= 0:
            quoted[start : start + len(phrase)] = ["m"] * len(phrase)
            start = text.find(phrase, start + len(phrase))
    content, offsets = normalise(text)
    marks = [None if quoted[o] is not None else report.owners[o] for o in offsets]
    result = OverlapReport(marked=0, total=report.total)
    owners: list[str | None] = [None] * len(text)
    start = 0
    while start < len(marks):
        end = start + 1
        while end < len(marks) and marks[end] == marks[start]:
            end += 1
        source = marks[start]
        if source is not None and end - start >= run_length:
            first, last = offsets[start], offsets[end - 1] + 1
            owners[first:last] = [source] * (last - first)
            result.runs.append(SharedRun(source, first, last, text[first:last]))
            result.by_source[source] = result.by_source.get(source, 0) + (end - start)
            result.marked += end - start
        start = end
    result.owners = owners
    return result
