"""Problems ↔ measures: does every problem get a measure, and does every measure answer a problem?

Similarity is lexical (character bigrams, TF-IDF over the document's own units), so it needs no model
and runs in milliseconds; the threshold is data (lexicon/content.yaml `matching`).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from pipeline.material.specs import MeetingSpec
from pipeline.review.findings import Mark, RuleResult, Unit, finding, settings
from pipeline.text.numbering import CN_NUMERALS

_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


def _bigrams(text: str) -> list[str]:
    chars = _CONTENT.findall(text)
    return ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)]


_FIRST = re.compile(r"[。；！？]")


def _lead(text: str) -> str:
    """The first sentence of each numbered point: where a problem or measure states what it is about."""
    pieces = re.split(rf"(?=[{CN_NUMERALS}]是|\d[、.．]|[（(]\d[)）])", text)
    return "，".join(_FIRST.split(piece, maxsplit=1)[0] for piece in pieces if piece)


def _tfidf(texts: list[str], stop: set[str]) -> list[dict[str, float]]:
    vectors = [Counter(b for b in _bigrams(t) if b not in stop) for t in texts]
    df = Counter(gram for vector in vectors for gram in vector)
    weighted = []
    for vector in vectors:
        tfidf = {g: (1 + math.log(c)) * (math.log((len(vectors) + 1) / (df[g] + 1)) + 1) for g, c in vector.items()}
        norm = math.sqrt(sum(v * v for v in tfidf.values())) or 1.0
        weighted.append({g: v / norm for g, v in tfidf.items()})
    return weighted


def _cosines(left: list[dict[str, float]], right: list[dict[str, float]]) -> list[list[float]]:
    return [[sum(v * m.get(g, 0.0) for g, v in p.items()) for m in right] for p in left]


def similarity_matrix(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None) -> list[list[float]]:
    """Per pair, the larger of two cosines of character-bigram TF-IDF vectors (idf over the document's own
    units): of the heads (heading + each point's first sentence) and of the whole texts. A problem's head is
    extended with its aspect's name, aliases and model measure."""
    stop = set(settings()["matching"]["stop_bigrams"])
    aspects = {a.name: a for a in spec.aspects} if spec else {}

    def aspect_words(unit: Unit) -> str:
        aspect = aspects.get(unit.aspect or "")
        return "，".join([aspect.name, *aspect.aliases, getattr(aspect, "measure", "") or ""]) if aspect else ""

    heads = _tfidf([u.heading + "，" + _lead(u.text) + "，" + aspect_words(u) for u in problems]
                   + [u.heading + "，" + _lead(u.text) for u in measures], stop)
    bodies = _tfidf([u.text for u in problems + measures], stop)
    count = len(problems)
    by_head = _cosines(heads[:count], heads[count:])
    by_body = _cosines(bodies[:count], bodies[count:])
    return [[max(a, b) for a, b in zip(row_head, row_body)] for row_head, row_body in zip(by_head, by_body)]


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
