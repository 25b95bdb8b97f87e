"""Problems ↔ measures: does every problem get a measure, and does every measure answer a problem?

Similarity is lexical (character bigrams, TF-IDF over the document's own units), so it needs no model
and runs in milliseconds; the threshold is data (lexicon/content.yaml `matching`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

from pipeline.material.specs import MeetingSpec
from pipeline.review.findings import Mark, RuleResult, Unit, finding, settings
from pipeline.text.numbering import CN_NUMERALS

_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


def _bigrams(text: str) -> list[str]:
    chars = _CONTENT.findall(text)
    return ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)]


_CONCEPT_WEIGHT = 3
_FIRST = re.compile(r"[。；！？]")


def _lead(text: str) -> str:
    """The first sentence of each numbered point: where a problem or measure states what it is about."""
    pieces = re.split(rf"(?=[{CN_NUMERALS}]是|\d[、.．]|[（(]\d[)）])", text)
    return "，".join(_FIRST.split(piece, maxsplit=1)[0] for piece in pieces if piece)


@lru_cache(maxsize=1)
def _concepts() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Groups of words naming the same kind of problem (文山会海 / 发文 / 开会 …), as (token, words)."""
    groups = settings()["matching"].get("concepts", [])
    return tuple((f"#{number}", tuple(words)) for number, words in enumerate(groups))


def _features(segments: list[str], stop: set[str]) -> Counter:
    """Character bigrams inside each segment (never across a cut), plus one token per concept named."""
    features = Counter(b for segment in segments for b in _bigrams(segment) if b not in stop)
    for token, words in _concepts():
        hits = sum(segment.count(word) for segment in segments for word in words)
        if hits:
            # A concept weighs as much as several bigrams: it is what two wordings of one problem share.
            features[token] += hits * _CONCEPT_WEIGHT
    return features


def _restated(text: str, title: str, length: int) -> list[str]:
    """`text` cut into the pieces that do not restate `title`: every run of ≥ `length` content characters
    shared with the title is removed."""
    chars = "".join(_CONTENT.findall(text))
    title_chars = "".join(_CONTENT.findall(title))
    grams = {title_chars[i : i + length] for i in range(len(title_chars) - length + 1)}
    covered = [False] * len(chars)
    for i in range(len(chars) - length + 1):
        if chars[i : i + length] in grams:
            covered[i : i + length] = [True] * length
    pieces, current = [], []
    for char, cut in zip(chars, covered):
        if cut:
            if current:
                pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        pieces.append("".join(current))
    return pieces


class _Weights:
    """TF-IDF over the document's own units: idf from every problem and measure as written."""

    def __init__(self, texts: list[list[str]], stop: set[str]):
        self.stop = stop
        vectors = [_features(t, stop) for t in texts]
        self.count = len(vectors)
        self.df = Counter(gram for vector in vectors for gram in vector)

    def vector(self, segments: list[str]) -> dict[str, float]:
        counts = _features(segments, self.stop)
        weighted = {g: (1 + math.log(c)) * (math.log((self.count + 1) / (self.df.get(g, 0) + 1)) + 1)
                    for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        return {g: v / norm for g, v in weighted.items()}


def _cosine(left: dict[str, float], right: dict[str, float]) -> float:
    return sum(v * right.get(g, 0.0) for g, v in left.items())


def similarity_matrix(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None) -> list[list[float]]:
    """Per pair, how far the measure answers the problem beyond restating it: the measure's text with every
    run it shares with the problem's title (heading, each point's first sentence, the aspect's name, aliases
    and the spec's model measure) cut out, compared with the problem (character-bigram TF-IDF plus concept
    tokens, so that a measure naming the problem in other words still matches). The larger cosine of the
    heads and of the whole texts."""
    matching = settings()["matching"]
    stop, length = set(matching["stop_bigrams"]), matching.get("restated_run", 4)
    aspects = {a.name: a for a in spec.aspects} if spec else {}

    def aspect_words(unit: Unit) -> str:
        aspect = aspects.get(unit.aspect or "")
        return "，".join([aspect.name, *aspect.aliases, getattr(aspect, "measure", "") or ""]) if aspect else ""

    weights = _Weights([[u.text] for u in problems + measures], stop)
    titles = [u.heading + "，" + _lead(u.text) + "，" + aspect_words(u) for u in problems]
    problem_heads = [weights.vector([u.heading + "，" + _lead(u.text)]) for u in problems]
    problem_bodies = [weights.vector([u.text]) for u in problems]
    matrix = []
    for title, head, body in zip(titles, problem_heads, problem_bodies):
        row = []
        for measure in measures:
            measure_head = weights.vector(_restated(measure.heading + "，" + _lead(measure.text), title, length))
            measure_body = weights.vector(_restated(measure.text, title, length))
            row.append(max(_cosine(head, measure_head), _cosine(body, measure_body)))
        matrix.append(row)
    return matrix


def check_answers(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None) -> RuleResult:
    result = RuleResult()
    if not problems or not measures:
        return result
    threshold = settings()["matching"]["threshold"]
    matrix = similarity_matrix(problems, measures, spec)
    pairs = []
    for i, problem in enumerate(problems):
        best = max(range(len(measures)), key=lambda j: matrix[i][j])
        pairs.append({"problem": problem.label, "measure": measures[best].label, "similarity": round(matrix[i][best], 3)})
        if matrix[i][best] < threshold:
            result.findings.append(finding("problem-unanswered", "warning", problem, problem=problem.heading or problem.text[:20],
                                           best=measures[best].heading or measures[best].text[:20],
                                           score=f"{matrix[i][best]:.2f}"))
            result.marks.append(Mark(problem.anchor, "unanswered"))
    for j, measure in enumerate(measures):
        best = max(matrix[i][j] for i in range(len(problems)))
        if best < threshold:
            result.findings.append(finding("measure-unmatched", "warning", measure,
                                           measure=measure.heading or measure.text[:20], score=f"{best:.2f}"))
            result.marks.append(Mark(measure.anchor, "unmatched"))
    result.metrics = {"answers": {"threshold": threshold, "pairs": pairs}}
    return result
