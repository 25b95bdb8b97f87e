"""Problems ↔ measures: does every problem get a measure, and does every measure answer a problem?

A measure answers a problem when it says something about the problem beyond restating it. Two questions:
- which problem a measure is aimed at: the one whose title it quotes (针对“…”的问题), else those of the aspect
  its heading names (群众纪律方面的整改措施), else none said;
- whether it answers it: the words of its action (the quoted title and aspect cut out) against the problem's
  words (answer_words.py: jieba words, weighted by how rare they are in the document and in the genre). A
  measure aimed at a problem needs some of the problem's own case (its facts, and the causes the document gives
  for it) in its action; one aimed at nothing must stand out as the problem's match (or be plainly similar).
A measure whose action is still a 【待补】 prompt is reported as such (`pending`), not as answering nothing.
Thresholds are data (lexicon/content.yaml `matching`), calibrated on the shipped examples and 范文.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.material.specs import MeetingSpec, match_aspect
from pipeline.review.answer_words import (Weights, chars, cosine, features, lead, points, quotes, restated,
                                          without_slots)
from pipeline.review.findings import Mark, RuleResult, Unit, finding, settings

_PIECE = re.compile(r"[，,；;：:]")
_SENTENCE = re.compile(r"(?<=[。；！？])")


def _titles(problem: Unit) -> list[str]:
    """What names the problem: each point's first sentence, cut at commas, its heading left out."""
    first = lead(without_slots(problem.text))
    if problem.heading and first.startswith(problem.heading):
        first = first[len(problem.heading):]
    return [piece for piece in _PIECE.split(first) if piece.strip()]


def _linked_causes(problems: list[Unit], causes: list[Unit], length: int) -> list[list[str]]:
    """Per problem, the sentences of the causes section that quote its title and no other problem's: what the
    document itself says the problem comes from. A measure that takes that up answers the problem."""
    titles = [_titles(problem) for problem in problems]
    linked: list[list[str]] = [[] for _ in problems]
    for unit in causes:
        for sentence in _SENTENCE.split(without_slots(unit.text)):
            named = [i for i, pieces in enumerate(titles) if any(quotes(sentence, p, length) for p in pieces)]
            if len(named) == 1:
                linked[named[0]].append(sentence)
    return linked


@dataclass
class Matching:
    """Scores and targets of every problem × measure pair, and the rule that says which pairs answer."""

    scores: list[list[float]]  # how alike: ranks the measures for a problem
    case: list[list[float]]  # share of the problem's own case (facts, causes) the measure's action takes up
    targets: list[set[int]]  # per measure, the problems it is aimed at
    # Per measure, how it is aimed: "quote" (it quotes the problem's title), "aspect" (its heading is the aspect's:
    # 群众纪律方面的整改措施, or the spec's measure heading), "theme" (its heading reads like the aspect: 强化理论武装),
    # None. A measure aimed by quote or aspect answers only its own problems (unless plainly about another).
    aim: list[str | None]
    pending: list[bool]  # per measure: its action is still a 【待补】 prompt
    has_case: list[bool]  # per problem: it says more than its title (a case, a cause the document gives)
    limits: dict = field(default_factory=dict)

    def __post_init__(self):
        rows, columns = range(len(self.scores)), range(len(self.targets))
        self._best_measure = [max((j for j in columns if self.eligible(i, j)), key=lambda j: self.scores[i][j], default=None)
                              for i in rows]
        self._best_problem = [max((i for i in rows if self.eligible(i, j)), key=lambda i: self.scores[i][j], default=None)
                              for j in columns]

    def eligible(self, i: int, j: int) -> bool:
        """A measure aimed at some problems answers another only when plainly about it."""
        if self.pending[j]:
            return False
        if self.aim[j] in (None, "theme") or i in self.targets[j]:
            return True
        return self.scores[i][j] >= self.limits["other_target"]

    def best_measure(self, i: int) -> int | None:
        return self._best_measure[i]

    def best_problem(self, j: int) -> int | None:
        return self._best_problem[j]

    def answers(self, i: int, j: int) -> bool:
        """Aimed at the problem: its action takes up some of the problem's own case (for a problem that is all
        title: it is alike). Aimed elsewhere: plainly about this problem too. Aimed at nothing (or by a heading
        that only reads like the aspect): alike, or each other's best and not unlike."""
        if not self.eligible(i, j):
            return False
        score, limits = self.scores[i][j], self.limits
        if i in self.targets[j]:
            if self.case[i][j] >= limits["case_floor"] if self.has_case[i] else score >= limits["threshold"]:
                return True
            if self.aim[j] != "theme":
                return False
        elif self.aim[j] in ("quote", "aspect"):
            return True  # eligible although aimed elsewhere
        if score >= limits["threshold"]:
            return True
        return self.best_measure(i) == j and self.best_problem(j) == i and score >= limits["mutual_floor"]

    def answered(self, i: int) -> bool:
        """Answered by some measure, or aimed at by a measure still to write (reported as `pending`)."""
        columns = range(len(self.targets))
        return any(self.answers(i, j) for j in columns) or any(self.pending[j] and i in self.targets[j] for j in columns)

    def matched(self, j: int) -> bool:
        return self.pending[j] or any(self.answers(i, j) for i in range(len(self.scores)))


def _aspect_words(unit: Unit, aspects: dict) -> list[str]:
    aspect = aspects.get(unit.aspect or "")
    return [aspect.name, *aspect.aliases, getattr(aspect, "measure", "") or ""] if aspect else []


def _aimed_by_heading(heading: str, spec: MeetingSpec) -> tuple[str | None, str | None]:
    """(aspect, how): the heading is the aspect's own ("…方面", the spec's measure heading) or reads like it."""
    aspect = match_aspect(heading, spec)
    if aspect is None:
        return None, None
    named = next(a for a in spec.aspects if a.name == aspect)
    plain = chars(heading)
    own = any(chars(name) + "方面" in plain for name in (named.name, *named.aliases))
    measure = chars(getattr(named, "measure", "") or "")
    own = own or len(plain) >= 4 and bool(measure) and measure.startswith(plain[: len(measure)])
    return aspect, "aspect" if own else "theme"


def _targets(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None, length: int):
    titles = [_titles(problem) for problem in problems]
    targets, aim = [], []
    for measure in measures:
        aimed = {i for i, pieces in enumerate(titles) if any(quotes(measure.text, p, length) for p in pieces)}
        how = "quote" if aimed else None
        if not aimed and spec is not None and measure.heading:
            aspect, how = _aimed_by_heading(measure.heading, spec)
            aimed = {i for i, problem in enumerate(problems) if aspect and problem.aspect == aspect}
            how = how if aimed else None
        targets.append(aimed)
        aim.append(how)
    return targets, aim


def _head_and_body(measure: Unit) -> tuple[str, str]:
    if measure.heading and measure.text.startswith(measure.heading):
        return measure.heading, measure.text[len(measure.heading):]
    return "", measure.text


def _linked_notes(problems: list[Unit], notes: list[tuple[str, list[str]]], length: int) -> list[list[str]]:
    """Per problem, what the unit's profile says of it (its facts, its cause), found by the problem's title."""
    linked: list[list[str]] = [[] for _ in problems]
    for title, texts in notes:
        named = [i for i, problem in enumerate(problems) if quotes(problem.text, title, length)]
        if len(named) == 1:
            linked[named[0]] += [text for text in texts if text]
    return linked


def _pending(measures: list[Unit], problems: list[Unit], aspects: dict, length: int) -> list[bool]:
    """Per measure: it has a 【…】 prompt and nothing of its own once every title, aspect and its heading are cut."""
    every_title = [t for problem in problems for t in (problem.heading, *_titles(problem))]
    every_name = [n for a in aspects.values() for n in (a.name, *a.aliases)]
    found = []
    for measure in measures:
        text = without_slots(measure.text, "，")
        left = restated(text, [measure.heading, *every_title, *every_name], length)
        found.append(text != measure.text and not features(left))
    return found


def _problem_side(problem: Unit, linked: list[str], names: list[str], weights: Weights, length: int):
    """What a measure's action is compared with: the problem's own case (text beyond its title, and the causes
    linked to it) as weights, and per point (the whole text first) its case weights and its vector."""
    text = without_slots(problem.text)
    cut = [problem.heading, *_titles(problem)]
    cause = [piece for sentence in linked for piece in restated(sentence, cut + names, length)]
    own = {t: weights(t) for t in features(restated(text, cut + names, length) + cause) if not t.startswith("#")}
    sides = []
    for segment in [text, *points(text)]:
        seg_case = {t: weights(t) for t in features(restated(segment, cut + names, length) + cause)}
        sides.append((seg_case, weights.vector(features([segment, *cause]))))
    return cut, own, sides


def _share(weighted: dict[str, float], said) -> float:
    total = sum(weighted.values())
    return sum(w for t, w in weighted.items() if t in said) / total if total else 0.0


def match(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None,
          causes: list[Unit] | None = None, notes: list[tuple[str, list[str]]] | None = None) -> Matching:
    """`causes`: the units of the causes section; `notes`: (problem title, the profile's facts and cause)."""
    matching = settings()["matching"]
    length = matching.get("restated_run", 8)
    aspects = {a.name: a for a in spec.aspects} if spec else {}
    causes = causes or []
    linked = _linked_causes(problems, causes, length)
    for i, more in enumerate(_linked_notes(problems, notes or [], length)):
        linked[i] += more
    weights = Weights([[without_slots(u.text)] for u in problems + measures + causes])
    scores, case, has_case = [], [], []
    for i, problem in enumerate(problems):
        names = _aspect_words(problem, aspects)
        cut, own, sides = _problem_side(problem, linked[i], names, weights, length)
        has_case.append(bool(own))
        score_row, case_row = [], []
        for measure in measures:
            head, body = _head_and_body(measure)
            # The title and aspect quoted are cut; the heading may name the aspect (群众纪律方面的整改措施), the
            # action may use the aspect's words anew (加强理论学习).
            case_row.append(_share(own, features(restated(without_slots(measure.text, "，"), cut + names, length))))
            head_left = restated(without_slots(head, "，"), cut + names, length)
            best = 0.0
            for segment in [body, *points(body)]:
                said = features(head_left + restated(without_slots(segment, "，"), cut, length))
                vector = weights.vector(said)
                best = max([best] + [max(_share(seg_case, said), cosine(vec, vector)) for seg_case, vec in sides])
            score_row.append(best)
        scores.append(score_row)
        case.append(case_row)
    targets, aim = _targets(problems, measures, spec, length)
    limits = {key: matching[key] for key in ("threshold", "mutual_floor", "case_floor", "other_target")}
    return Matching(scores, case, targets, aim, _pending(measures, problems, aspects, length), has_case, limits)


def check_answers(problems: list[Unit], measures: list[Unit], spec: MeetingSpec | None,
                  causes: list[Unit] | None = None, notes: list[tuple[str, list[str]]] | None = None) -> RuleResult:
    result = RuleResult()
    if not problems or not measures:
        return result
    found = match(problems, measures, spec, causes, notes)
    pairs = []
    for i, problem in enumerate(problems):
        j = found.best_measure(i)
        j = j if j is not None else max(range(len(measures)), key=lambda k: found.scores[i][k])
        answered = found.answered(i)
        pairs.append({"problem": problem.label, "measure": measures[j].label,
                      "similarity": round(found.scores[i][j], 3), "case": round(found.case[i][j], 3),
                      "answered": answered})
        if not answered:
            result.findings.append(finding("problem-unanswered", "warning", problem, problem=problem.heading or problem.text[:20],
                                           best=measures[j].heading or measures[j].text[:20],
                                           score=f"{found.scores[i][j]:.2f}"))
            result.marks.append(Mark(problem.anchor, "unanswered"))
    for j, measure in enumerate(measures):
        if not found.matched(j):
            top = max(found.scores[i][j] for i in range(len(problems)))
            result.findings.append(finding("measure-unmatched", "warning", measure,
                                           measure=measure.heading or measure.text[:20], score=f"{top:.2f}"))
            result.marks.append(Mark(measure.anchor, "unmatched"))
    result.metrics = {"answers": {**found.limits, "pairs": pairs,
                                  "pending_measures": [m.label for m, p in zip(measures, found.pending) if p]}}
    return result
