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


def _restated(text: str, phrases: list[str], length: int) -> list[str]:
    """`text` cut into the pieces that do not restate a phrase: every run of ≥ `length` content characters
    shared with a phrase (the whole phrase when it is shorter) is removed. A measure quoting the problem's title
    or aspect says nothing by that quote; a word of the title used in a new sentence (涉案财物 …) stays."""
    chars = "".join(_CONTENT.findall(text))
    covered = [False] * len(chars)
    for phrase in phrases:
        phrase_chars = "".join(_CONTENT.findall(phrase))
        size = min(length, len(phrase_chars))
        if size < 2:
            continue
        grams = {phrase_chars[i : i + size] for i in range(len(phrase_chars) - size + 1)}
        for i in range(len(chars) - size + 1):
            if chars[i : i + size] in grams:
                covered[i : i + size] = [True] * size
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

    def idf(self, gram: str) -> float:
        return math.log((self.count + 1) / (self.df.get(gram, 0) + 1)) + 1

    def coverage_of(self, case: list[str]):
        return _coverage(self, case)

    def vector(self, segments: list[str]) -> dict[str, float]:
        counts = _features(segments, self.stop)
        weighted = {g: (1 + math.log(c)) * self.idf(g) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        return {g: v / norm for g, v in weighted.items()}


def _coverage(weights: "_Weights", case: list[str]):
    """How much of the problem's own case (its text beyond the title) a measure takes up: the idf-weighted share
    of the case's features found in the measure. Boilerplate around a measure (责任人, 时限) does not dilute it."""
    features = _features(case, weights.stop)
    idf = {g: weights.idf(g) for g in features}
    total = sum(idf.values())

    def score(measure: list[str]) -> float:
        if not total:
            return 0.0
        present = _features(measure, weights.stop)
        return sum(w for g, w in idf.items() if g in present) / total

    return score


def _cosine(left: dict[str, float], right: dict[str, float]) -> float:
    return sum(v * right.get(g, 0.0) for g, v in left.items())


def similarity_matrix(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None) -> list[list[float]]:
    """Per pair, how far the measure answers the problem beyond restating it: the measure's text with every
    run it shares with the problem's title (heading, each point's first sentence, the aspect's name, aliases
    and the spec's model measure) cut out, compared with the problem (character-bigram TF-IDF plus concept
    tokens, so that a measure naming the problem in other words still matches): the largest of the cosine of
    the heads, the cosine of the whole texts, and the share of the problem's own case (its text beyond the
    title) the measure takes up."""
    matching = settings()["matching"]
    stop, length = set(matching["stop_bigrams"]), matching.get("restated_run", 8)
    aspects = {a.name: a for a in spec.aspects} if spec else {}

    def aspect_words(unit: Unit) -> list[str]:
        aspect = aspects.get(unit.aspect or "")
        return [aspect.name, *aspect.aliases, getattr(aspect, "measure", "") or ""] if aspect else []

    weights = _Weights([[u.text] for u in problems + measures], stop)
    matrix = []
    for problem in problems:
        lead = _lead(problem.text)
        titles = [problem.heading, *re.split(r"[，,；;：:]", lead), *aspect_words(problem)]
        head = weights.vector([problem.heading + "，" + lead])
        body = weights.vector([problem.text])
        case = weights.coverage_of(_restated(problem.text, titles, length))
        row = []
        for measure in measures:
            measure_head = weights.vector(_restated(measure.heading + "，" + _lead(measure.text), titles, length))
            rest = _restated(measure.text, titles, length)
            row.append(max(_cosine(head, measure_head), _cosine(body, weights.vector(rest)), case(rest)))
        matrix.append(row)
    return matrix


def _answered(matrix: list[list[float]], threshold: float, floor: float) -> tuple[list[int], list[float], list[float]]:
    """Per problem, its best measure; a pair counts at `threshold`, or at `floor` when problem and measure are each
    other's best match (short one-to-one pairs share few characters). Returns (best measure per problem, the score
    counted per problem, the score counted per measure)."""
    rows, columns = len(matrix), len(matrix[0])
    best_measure = [max(range(columns), key=lambda j: matrix[i][j]) for i in range(rows)]
    best_problem = [max(range(rows), key=lambda i: matrix[i][j]) for j in range(columns)]

    def counted(i: int, j: int) -> float:
        value = matrix[i][j]
        mutual = best_measure[i] == j and best_problem[j] == i
        return value if value >= threshold or (mutual and value >= floor) else 0.0

    by_problem = [counted(i, best_measure[i]) for i in range(rows)]
    by_measure = [counted(best_problem[j], j) for j in range(columns)]
    return best_measure, by_problem, by_measure


def check_answers(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None) -> RuleResult:
    result = RuleResult()
    if not problems or not measures:
        return result
    matching = settings()["matching"]
    threshold, floor = matching["threshold"], matching.get("mutual_floor", matching["threshold"])
    matrix = similarity_matrix(problems, measures, spec)
    best, by_problem, by_measure = _answered(matrix, threshold, floor)
    pairs = []
    for i, problem in enumerate(problems):
        j = best[i]
        pairs.append({"problem": problem.label, "measure": measures[j].label, "similarity": round(matrix[i][j], 3),
                      "answered": by_problem[i] > 0})
        if not by_problem[i]:
            result.findings.append(finding("problem-unanswered", "warning", problem, problem=problem.heading or problem.text[:20],
                                           best=measures[j].heading or measures[j].text[:20],
                                           score=f"{matrix[i][j]:.2f}"))
            result.marks.append(Mark(problem.anchor, "unanswered"))
    for j, measure in enumerate(measures):
        if not by_measure[j]:
            top = max(matrix[i][j] for i in range(len(problems)))
            result.findings.append(finding("measure-unmatched", "warning", measure,
                                           measure=measure.heading or measure.text[:20], score=f"{top:.2f}"))
            result.marks.append(Mark(measure.anchor, "unmatched"))
    result.metrics = {"answers": {"threshold": threshold, "mutual_floor": floor, "pairs": pairs}}
    return result
