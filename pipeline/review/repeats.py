"""年年提: a problem this year that raises one of last year's again, in other words or the same.

The one matcher for it: content words (jieba), with the genre's shared words (faults, generic verbs) left out
and a clerk's other names for the same thing counted as one, compared by overlap. Measured on a labelled set
of pairs (eval/bench_repeats.py); the multilingual embedder scored every pair of problems alike there.
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.material.document import Document
from pipeline.material.last_year import headline
from pipeline.text.numbering import POINT
from pipeline.text.slots import is_pending
from pipeline.material.profile import LastYear
from pipeline.review.findings import Unit, finding
from pipeline.review.structure import Finding


def _words() -> dict:
    return lexicon("last_year")["repeat"]


@lru_cache(maxsize=1)
def _canon() -> dict[str, str]:
    return {word: group[0] for group in _words()["same_words"] for word in group}


@lru_cache(maxsize=1)
def _tokenizer():
    """A tokenizer of our own: the genre's words added to it never change how other rules cut text."""
    import jieba  # lazy: loads its dictionary once, only when problems are compared

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    for word in _canon():
        tokenizer.add_word(word)
    return tokenizer


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    stop, canon = set(_words()["stop_words"]), _canon()
    words = set()
    for word in _tokenizer().lcut(text):
        word = word.strip("，。、；：“”‘’（）() ")
        if word and word not in stop and not word.isdigit():
            words.add(canon.get(word, word))
    return frozenset(words)


def similarity(a: str, b: str) -> float:
    """Share of the shorter problem's content words that the other one has too (0 … 1). Broad words (学习,
    党员, 群众) in common are no evidence on their own: some other word must be shared too."""
    wa, wb = content_words(a), content_words(b)
    shared = wa & wb
    if not wa or not wb or not shared - set(_words()["broad_words"]):
        return 0.0
    return len(shared) / min(len(wa), len(wb))


def same_problem(a: str, b: str) -> bool:
    return similarity(a, b) >= _words()["threshold"]


def best_match(problem: str, candidates: list[str]) -> int | None:
    """The index of the candidate that is the same problem as `problem` (the most similar), or None."""
    scored = [(similarity(problem, c), i) for i, c in enumerate(candidates)]
    scored = [(s, i) for s, i in scored if s >= _words()["threshold"]]
    return max(scored)[1] if scored else None


def match_last_year(text: str, problems: list[str]) -> str | None:
    """The one of last year's `problems` that `text` raises again, or None (for any rule that needs it)."""
    index = best_match(text, problems)
    return problems[index] if index is not None else None


def owned_up(text: str) -> bool:
    """The text says it is last year's problem again (and so can say why the measure did not hold)."""
    return any(cue in text for cue in _words()["owned_cues"])


def _problem_units(document: Document) -> list[Unit]:
    from pipeline.review.content import units_of  # lazy: the content rules import much more

    return units_of(document, "problems")


def check_repeats(document: Document, last_year: list[LastYear], notes: dict[str, str] | None = None) -> list[Finding]:
    """A warning for each problem of `document` that repeats one of `last_year` without owning up to it: it
    must say why last year's measure did not work. `notes`: the unit's own cause per problem (a profile's)."""
    if not last_year:
        return []
    problems = [entry.problem for entry in last_year]
    findings = []
    for unit in _problem_units(document):
        body = unit.text[len(unit.heading):] if unit.heading and unit.text.startswith(unit.heading) else unit.text
        head = headline(POINT.sub("", body, count=1) if POINT.match(body) else body)
        if not head or is_pending(head):
            continue  # a slot still to fill is no problem raised yet
        index = best_match(head, problems)
        if index is None:
            continue
        entry = last_year[index]
        own = " ".join(text for problem, text in (notes or {}).items() if problem and problem in unit.text)
        if owned_up(unit.text) or owned_up(own):
            continue
        findings.append(finding("repeat-problem", "warning", unit, None if entry.measure else "repeat-problem-open",
                                problem=head[:40], last=entry.problem, measure=entry.measure[:40]))
    return findings
