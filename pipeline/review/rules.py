"""Content rules of the check: what 督导组 reviewers send back, one pure function per rule.

Each rule reads `Unit`s (one problem, cause or measure with its place in the document) and returns
findings plus `Mark`s (phrases to highlight in the HTML report). Word lists and thresholds are data:
lexicon/content.yaml and lexicon/stock_phrases.yaml. Problems ↔ measures live in answers.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.review.findings import Mark, RuleResult, Unit, content_length, finding, settings
from pipeline.text.overlap import OverlapIndex

_CLAUSE = re.compile(r"[，。；！？：,;!?:]+")
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


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


@lru_cache(maxsize=1)
def _slot_pattern() -> re.Pattern:
    return re.compile(settings()["specificity"]["slot"])


def specificity(text: str) -> dict:
    """Score = min(1, kind_weight × scored kinds present) × (1 − stock_penalty × stock share of clauses), with the
    【…】 slots left out: what the case carries (number, time, place, named task, role), not the word 比如."""
    spec = settings()["specificity"]
    text = _slot_pattern().sub("", text)
    markers = concrete_markers(text)
    clauses, stock = stock_clauses(text)
    share = len(stock) / clauses if clauses else 0.0
    scored = [kind for kind in markers if kind in spec["scored"]]
    base = min(1.0, spec["kind_weight"] * len(scored))
    score = base * (1 - spec["stock_penalty"] * share)
    return {"score": round(score, 3), "kinds": sorted(markers), "scored": sorted(scored), "markers": markers,
            "stock_share": round(share, 3), "stock": stock, "clauses": clauses}


def check_specificity(units: list[Unit]) -> RuleResult:
    result = RuleResult()
    limits = settings()["stock"]
    scores = []
    for unit in units:
        measured = specificity(unit.text)
        scores.append({"location": unit.label, "path": unit.path, "score": measured["score"], "kinds": measured["kinds"],
                       "scored": measured["scored"], "stock_share": measured["stock_share"]})
        if not measured["scored"]:
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
                                      "without_case": sum(not s["scored"] for s in scores), "units": scores}}
    return result


# ---- causes: objective conditions vs subjective roots ---------------------------------------------------

@lru_cache(maxsize=64)
def _word_pattern(word: str) -> re.Pattern:
    return re.compile(re.escape(word))


def _objective_hits(text: str, words: list[str], excused: list[str]) -> list[str]:
    hits = []
    for word in words:
        if word not in text:
            continue
        for match in _word_pattern(word).finditer(text):
            around = text[max(0, match.start() - 6) : match.end() + 4]
            if not any(e in around for e in excused):
                hits.append(word)
                break
    # "任务重" inside "工作任务重" is one hit, not two.
    return [w for w in hits if not any(w != o and w in o for o in hits)]


objective_hits = _objective_hits  # also read by supervision.py (excuses inside problems)


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

_QUOTE = re.compile(r"“[^“”\n]{1,40}”")


def _sentences(unit: Unit, min_chars: int) -> list[tuple[str, set[str]]]:
    """Sentences and their character trigrams, 【…】 prompts and “…” quotes left out: two prompts of the same form
    (【待补：本单位在理想信念方面的原因…】, 【待补：…理论武装…】) are duizhao asking twice, and a measure quoting the
    problem it answers (针对“…”的问题) cites it; neither is the unit repeating itself."""
    found = []
    for sentence in _SENTENCE.findall(unit.text):
        chars = "".join(_CONTENT.findall(_QUOTE.sub("", _slot_pattern().sub("", sentence))))
        if len(chars) >= min_chars:
            found.append((sentence.strip(), {chars[i : i + 3] for i in range(len(chars) - 2)}))
    return found


def _without_slots(text: str, mark: list[int]) -> str:
    """`text` with each 【…】 prompt replaced by a character of its own (no shared run can cross or include it)."""
    def unique(_match) -> str:
        mark[0] += 1
        return chr(0xF0000 + mark[0])  # a private-use character, one per prompt

    return _slot_pattern().sub(unique, text)


def _without(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, "")
    return text


def check_redundancy(units: list[Unit]) -> RuleResult:
    """A sentence repeated (or nearly: trigram containment ≥ similarity) in two different items or sections,
    or a passage of ≥ run_length characters they share."""

    result = RuleResult()
    limits = settings()["redundancy"]
    seen: list[tuple[Unit, str, set[str]]] = []
    passages = OverlapIndex(limits["run_length"])
    by_name: dict[str, Unit] = {}
    names_of_item: dict[tuple, list[str]] = {}

    def report(unit: Unit, other: Unit, quoted: str, other_quoted: str) -> None:
        result.findings.append(finding("redundancy", "warning", unit, other=other.label,
                                       sentence=quoted[:40] + ("…" if len(quoted) > 40 else "")))
        result.marks.extend([Mark(unit.anchor, "redundant", quoted), Mark(other.anchor, "redundant", other_quoted)])

    # Every unit is compared with every earlier one. A material has tens of units; past `max_units` the
    # text is not one (a pasted book, a generated file) and the rest goes unchecked rather than taking hours.
    checked = units[: limits.get("max_units", 400)]
    mark = [0]
    for unit in checked:
        flagged = False
        for sentence, grams in _sentences(unit, limits["min_chars"]):
            for other, other_sentence, other_grams in seen:
                if (other.section, other.item) == (unit.section, unit.item):
                    continue
                if len(grams & other_grams) / min(len(grams), len(other_grams)) >= limits["similarity"]:
                    report(unit, other, sentence, other_sentence)
                    flagged = True
                    break
            seen.append((unit, sentence, grams))
        if not flagged:
            same_item = names_of_item.get((unit.section, unit.item), [])
            runs = sorted(passages.check(_without_slots(unit.text, mark), exclude=same_item).runs, key=lambda r: -r.length)
            shared = next((r for r in runs if content_length(_without(r.text, limits["names"])) >= limits["run_length"]), None)
            if shared is not None:
                report(unit, by_name[shared.source], shared.text, shared.text)
        name = "/".join(map(str, unit.anchor))
        by_name[name] = unit
        names_of_item.setdefault((unit.section, unit.item), []).append(name)
        passages.add(name, _without_slots(unit.text, mark))
    result.metrics = {"redundant_sentences": len(result.findings)}
    if len(checked) < len(units):
        result.metrics["redundancy_units_unchecked"] = len(units) - len(checked)
    return result
