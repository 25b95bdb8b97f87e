"""Rules for what a 督导组 sends a material back for on sight: the no-model banner left in, measures without
时限 or 责任人, achievements praised inside the problems, a long preamble of achievements before short problems.

Cue words and thresholds are data (lexicon/content.yaml `template`, `measure_terms`, `praise`, `preamble`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.material.document import Document, count_chars
from pipeline.review.findings import Mark, RuleResult, Unit, finding, settings
from pipeline.review.structure import section_label

_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


# ---- the offline banner ---------------------------------------------------------------------------------

def banner_cues() -> list[str]:
    return list(settings()["template"]["banner"])


def check_banner(document: Document) -> RuleResult:
    """The no-model banner, as the notice line under the title or pasted anywhere in the text."""
    result = RuleResult()
    cues = banner_cues()
    places = [("标题下提示", [], document.notice)]
    for s_index, section in enumerate(document.sections):
        texts = [p.text for p in section.intro] + [item.heading + "".join(p.text for p in item.points)
                                                  for item in section.items]
        places += [(section_label(section), [s_index], text) for text in texts]
    reported: set[str] = set()
    for location, path, text in places:
        hit = next((cue for cue in cues if cue in text), None)
        if hit is None or location in reported:
            continue
        reported.add(location)
        start = text.index(hit)
        result.findings.append(finding("offline-banner", "error", None, location=location, path=path,
                                       text=_short(text[max(0, start - 8):], 40)))
    return result


# ---- measures: 时限 and 责任人 ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _measure_patterns() -> tuple[re.Pattern, re.Pattern]:
    terms = settings()["measure_terms"]
    return re.compile("|".join(f"(?:{p})" for p in terms["deadline"])), re.compile("|".join(terms["owner"]))


def measure_terms(text: str) -> dict[str, list[str]]:
    deadline, owner = _measure_patterns()
    return {"deadline": [m.group(0) for m in deadline.finditer(text)], "owner": [m.group(0) for m in owner.finditer(text)]}


def check_measure_terms(measures: list[Unit]) -> RuleResult:
    result = RuleResult()
    missing = {"deadline": 0, "owner": 0}
    for unit in measures:
        terms = measure_terms(unit.text)
        for kind, code in (("deadline", "measure-no-deadline"), ("owner", "measure-no-owner")):
            if not terms[kind]:
                missing[kind] += 1
                result.findings.append(finding(code, "warning", unit, measure=_short(unit.text)))
                result.marks.append(Mark(unit.anchor, code))
    result.metrics = {"measures_without_deadline": missing["deadline"], "measures_without_owner": missing["owner"]}
    return result


# ---- praise where problems belong -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _praise_pattern() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in settings()["praise"]["cues"]))


def praise_sentences(text: str) -> list[str]:
    """Sentences that report an achievement and do not turn it into an admission."""
    negations = settings()["praise"]["negations"]
    found = []
    for sentence in _SENTENCE.findall(text):
        match = _praise_pattern().search(sentence)
        if match is None:
            continue
        # "成效不明显" / "没有取得实效" / "虽然取得了…但…" admit a problem: look around the cue and at the clause.
        around = sentence[max(0, match.start() - 8) : match.end() + 4]
        if any(word in around for word in negations):
            continue
        found.append(sentence.strip())
    return found


def check_praise(problems: list[Unit]) -> RuleResult:
    result = RuleResult()
    for unit in problems:
        for sentence in praise_sentences(unit.text):
            result.findings.append(finding("praise-in-problems", "warning", unit, sentence=_short(sentence, 40)))
            result.marks.append(Mark(unit.anchor, "praise", sentence))
    return result


def check_preamble(document: Document) -> RuleResult:
    """A long preamble full of achievements before a short problems section."""
    result = RuleResult()
    limits = settings()["preamble"]
    preamble = next((s for s in document.sections if s.role == "preamble"), None)
    problems = next((s for s in document.sections if s.role == "problems"), None)
    if preamble is None or problems is None:
        return result
    text = "".join(p.text for p in preamble.intro) + "".join(i.heading + "".join(p.text for p in i.points)
                                                            for i in preamble.items)
    problems_chars = count_chars("".join(p.text for p in problems.intro)
                                 + "".join(i.heading + "".join(p.text for p in i.points) for i in problems.items))
    chars, praise = count_chars(text), praise_sentences(text)
    result.metrics = {"preamble_chars": chars, "preamble_praise": len(praise)}
    if chars >= limits["min_chars"] and chars >= limits["ratio"] * problems_chars and len(praise) >= limits["min_praise"]:
        index = document.sections.index(preamble)
        result.findings.append(finding("preamble-praise", "warning", None, location=section_label(preamble), path=[index],
                                       preamble=chars, praise=len(praise), problems=problems_chars))
    return result


def check_sendback(document: Document, problems: list[Unit], measures: list[Unit]) -> list[RuleResult]:
    return [check_banner(document), check_measure_terms(measures), check_praise(problems), check_preamble(document)]

