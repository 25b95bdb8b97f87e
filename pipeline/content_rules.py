"""Content rules of the check: what 督导组 reviewers send back, one pure function per rule.

Each rule reads `Unit`s (one problem, cause or measure with its place in the document) and returns
findings plus `Mark`s (phrases to highlight in the HTML report). Word lists and thresholds are data:
lexicon/content.yaml and lexicon/stock_phrases.yaml.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from .check import Finding, Severity, item_label, message, section_label
from .document import Document, Point
from .resources import lexicon
from .specs import MeetingSpec

_CLAUSE = re.compile(r"[，。；！？：,;!?:]+")
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


@dataclass
class Unit:
    """One problem / cause / measure: an item, or one numbered point of an item (or of a section intro)."""

    section: int
    item: int | None
    point: int | None
    label: str
    heading: str
    text: str
    aspect: str | None = None

    @property
    def path(self) -> list[int]:
        if self.item is None:
            return [self.section]
        return [self.section, self.item] + ([self.point] if self.point is not None else [])

    @property
    def anchor(self) -> tuple[int, int | None, int | None]:
        return (self.section, self.item, self.point)


@dataclass
class Mark:
    """Something to highlight: `phrase` inside the unit at `anchor`, or the whole unit when phrase is empty."""

    anchor: tuple[int, int | None, int | None]
    kind: str
    phrase: str = ""
    note: str = ""


@dataclass
class RuleResult:
    findings: list[Finding] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def settings() -> dict:
    return lexicon("content")


def finding(code: str, severity: Severity, unit: Unit | None = None, template: str | None = None,
            location: str = "", path: list[int] | None = None, **values) -> Finding:
    return Finding(code=code, severity=severity, message=message(template or code, **values),
                   location=unit.label if unit else location, path=unit.path if unit else (path or []))


def content_length(text: str) -> int:
    return len(_CONTENT.findall(text))


def _joined(points: list[Point]) -> str:
    return "".join(p.marker + p.text for p in points)


def _split(points: list[Point]) -> list[tuple[int, str]]:
    """(index, text) of each numbered point, unnumbered continuations joined to the point before."""
    units: list[tuple[int, str]] = []
    for index, point in enumerate(points):
        if point.marker:
            units.append((index, point.marker + point.text))
        elif units:
            units[-1] = (units[-1][0], units[-1][1] + point.text)
    return units


def section_units(document: Document, s_index: int, split_points: bool = True) -> list[Unit]:
    """The units of a section: its items (or their numbered points), else its intro's numbered points."""
    section = document.sections[s_index]
    units: list[Unit] = []
    for i_index, item in enumerate(section.items):
        label = item_label(section, item)
        numbered = _split(item.points)
        if split_points and len(numbered) >= 2:
            for p_index, text in numbered:
                units.append(Unit(s_index, i_index, p_index, f"{label} › {item.points[p_index].marker}", item.heading,
                                  text, item.aspect))
        else:
            units.append(Unit(s_index, i_index, None, label, item.heading, item.heading + _joined(item.points), item.aspect))
    if not section.items and section.intro:
        numbered = _split(section.intro)
        label = section_label(section)
        if split_points and len(numbered) >= 2:
            units += [Unit(s_index, None, p, f"{label} › {section.intro[p].marker}", "", text) for p, text in numbered]
        else:
            units.append(Unit(s_index, None, None, label, "", _joined(section.intro)))
    return units


# ---- 见人见事 specificity -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _concrete_patterns() -> tuple[dict[str, list[re.Pattern]], tuple[str, ...], tuple[str, ...]]:
    spec = settings()["specificity"]
    kinds = {kind: [re.compile(p) for p in patterns] for kind, patterns in spec["kinds"].items()}
    return kinds, tuple(spec["not_concrete"]), tuple(spec["stock_names"])


def concrete_markers(text: str) -> dict[str, list[str]]:
    """Concrete markers by kind (example, number, time, place, named), stock names of the genre left out."""
    kinds, not_concrete, stock_names = _concrete_patterns()
    found: dict[str, list[str]] = {}
    for kind, patterns in kinds.items():
        for pattern in patterns:
            for match in pattern.finditer(text):
                hit = match.group(0)
                context = text[max(0, match.start() - 3) : match.end() + 3]
                if any(word in context for word in not_concrete) or hit in stock_names or "XX" in hit or "**" in hit:
                    continue
                found.setdefault(kind, []).append(hit)
    return found


@lru_cache(maxsize=1)
def _stock_patterns() -> tuple[tuple[str, ...], tuple[re.Pattern, ...]]:
    words = lexicon("stock_phrases")
    return tuple(words.get("phrases", [])), tuple(re.compile(p) for p in words.get("patterns", []))


def stock_clauses(text: str) -> tuple[int, list[str]]:
    """(number of clauses, the stock phrase each stock clause contains)."""
    phrases, patterns = _stock_patterns()
    clauses = [c for c in _CLAUSE.split(text) if content_length(c) >= 4]
    hits = []
    for clause in clauses:
        hit = next((p for p in phrases if p in clause), None)
        if hit is None:
            match = next((m for m in (p.search(clause) for p in patterns) if m), None)
            hit = match.group(0) if match else None
        if hit:
            hits.append(hit)
    return len(clauses), hits


def specificity(text: str) -> dict:
    """Score = min(1, kind_weight × kinds present) × (1 − stock_penalty × stock share of clauses)."""
    spec = settings()["specificity"]
    markers = concrete_markers(text)
    clauses, stock = stock_clauses(text)
    share = len(stock) / clauses if clauses else 0.0
    base = min(1.0, spec["kind_weight"] * len(markers))
    score = base * (1 - spec["stock_penalty"] * share)
    return {"score": round(score, 3), "kinds": sorted(markers), "markers": markers, "stock_share": round(share, 3),
            "stock": stock, "clauses": clauses}


def check_specificity(units: list[Unit]) -> RuleResult:
    result = RuleResult()
    limits = settings()["stock"]
    scores = []
    for unit in units:
        measured = specificity(unit.text)
        scores.append({"location": unit.label, "path": unit.path, "score": measured["score"], "kinds": measured["kinds"],
                       "stock_share": measured["stock_share"]})
        if not measured["kinds"]:
            result.findings.append(finding("no-concrete-case", "warning", unit, score=measured["score"]))
            result.marks.append(Mark(unit.anchor, "vague"))
        for hits in measured["markers"].values():
            result.marks += [Mark(unit.anchor, "concrete", hit) for hit in hits]
        if measured["clauses"] >= limits["min_clauses"] and measured["stock_share"] >= limits["share"]:
            shown = "、".join(dict.fromkeys(measured["stock"]))
            result.findings.append(finding("stock-phrase", "warning", unit, share=f"{measured['stock_share']:.0%}",
                                           phrases=shown[:60]))
        result.marks += [Mark(unit.anchor, "stock", hit) for hit in dict.fromkeys(measured["stock"])]
    mean = sum(s["score"] for s in scores) / len(scores) if scores else None
    result.metrics = {"specificity": {"mean": round(mean, 3) if mean is not None else None,
                                      "without_case": sum(not s["kinds"] for s in scores), "units": scores}}
    return result


# ---- problems ↔ measures --------------------------------------------------------------------------------

def _bigrams(text: str) -> list[str]:
    chars = _CONTENT.findall(text)
    return ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)]


def _lead(text: str) -> str:
    """The first sentence of each numbered point: where a problem or measure states what it is about."""
    pieces = re.split(r"(?=[一二三四五六七八九十]是|\d[、.．]|[（(]\d[)）])", text)
    return "，".join(_FIRST.split(piece, maxsplit=1)[0] for piece in pieces if piece)


_FIRST = re.compile(r"[。；！？]")


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


# ---- causes: objective conditions vs subjective roots ---------------------------------------------------

def _objective_hits(text: str, words: list[str], excused: list[str]) -> list[str]:
    hits = []
    for word in words:
        for match in re.finditer(re.escape(word), text):
            around = text[max(0, match.start() - 6) : match.end() + 4]
            if not any(e in around for e in excused):
                hits.append(word)
                break
    # "任务重" inside "工作任务重" is one hit, not two.
    return [w for w in hits if not any(w != o and w in o for o in hits)]


def check_causes(causes: list[Unit], problems: list[Unit]) -> RuleResult:
    result = RuleResult()
    words = settings()["causes"]
    subjective_anywhere = False
    for unit in causes:
        objective = _objective_hits(unit.text, words["objective"], words["excused"])
        subjective = [w for w in words["subjective"] if w in unit.text]
        subjective_anywhere |= bool(subjective)
        if objective and not subjective:
            result.findings.append(finding("cause-objective", "warning", unit, words="、".join(objective)))
            result.marks += [Mark(unit.anchor, "objective", w) for w in objective]
    for unit in problems:
        blamed = _objective_hits(unit.text, words["attribution"], words["excused"])
        if blamed:
            result.findings.append(finding("cause-objective", "warning", unit, template="cause-objective-problem",
                                           words="、".join(blamed)))
            result.marks += [Mark(unit.anchor, "objective", w) for w in blamed]
    if causes and not subjective_anywhere:
        result.findings.append(finding("cause-objective", "warning", None, template="cause-objective-section",
                                       location=causes[0].label.split(" › ")[0], path=[causes[0].section]))
    return result


# ---- redundancy ---------------------------------------------------------------------------------------

def _sentences(unit: Unit, min_chars: int) -> list[tuple[str, set[str]]]:
    found = []
    for sentence in _SENTENCE.findall(unit.text):
        chars = "".join(_CONTENT.findall(sentence))
        if len(chars) >= min_chars:
            found.append((sentence.strip(), {chars[i : i + 3] for i in range(len(chars) - 2)}))
    return found


def check_redundancy(units: list[Unit]) -> RuleResult:
    """Sentences repeated (or nearly: trigram containment ≥ similarity) in two different items or sections."""
    result = RuleResult()
    limits = settings()["redundancy"]
    seen: list[tuple[Unit, str, set[str]]] = []
    flagged = 0
    for unit in units:
        for sentence, grams in _sentences(unit, limits["min_chars"]):
            for other, other_sentence, other_grams in seen:
                if (other.section, other.item) == (unit.section, unit.item):
                    continue
                overlap = len(grams & other_grams) / min(len(grams), len(other_grams))
                if overlap >= limits["similarity"]:
                    result.findings.append(finding("redundancy", "warning", unit, other=other.label,
                                                   sentence=sentence[:40] + ("…" if len(sentence) > 40 else "")))
                    result.marks += [Mark(unit.anchor, "redundant", sentence), Mark(other.anchor, "redundant", other_sentence)]
                    flagged += 1
                    break
            seen.append((unit, sentence, grams))
    result.metrics = {"redundant_sentences": flagged}
    return result
