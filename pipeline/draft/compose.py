"""The no-model composer: builds each outline item from retrieved 范文 sentences and the unit's own facts.

It never invents a number or a case: sentences from 范文 are used only when they carry no digits, no
example markers and no placeholders (those belong to another unit), and where the profile gives no case
the text carries 【待补：…】 for the user to fill.
"""

from __future__ import annotations

import re
from datetime import date

from pipeline.draft.plan import Outline, OutlineItem
from pipeline.material.profile import Profile
from pipeline.core.resources import lexicon

# A sentence starts at the text's start or after a sentence end (the lookbehind): tried at every character
# of a long text without one, the search was quadratic.
_SENTENCE = re.compile(r"(?<![^。！？；])[^。！？；]+[。！？；]")
_SELF_WORDS = re.compile(r"(领导班子|党组班子|支委班子|支部班子|党委班子|党支部班子)")
_FOREIGN = re.compile(r"[0-9０-９*×XＸ]|比如|例如|如：|譬如|我镇|我县|我局|我村|我市|【")
_MARKER = re.compile(r"^(?:[一二三四五六七八九十]{1,3}是|\d{1,2}[、.．]|[（(]\d{1,2}[）)]|[（(][一二三四五六七八九十]{1,3}[）)])")


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def relevant(sentence: str, topic: str, minimum: int = 2) -> bool:
    """A sentence is about the topic when it shares a few character bigrams with it (aspect, hint, problems)."""
    return len(_bigrams(sentence) & _bigrams(topic)) >= minimum


def _words() -> dict:
    return lexicon("composer")


def usable_sentences(text: str, self_name: str, min_len: int = 12, max_len: int = 45) -> list[str]:
    """General sentences of a 范文 passage, adapted to the unit's self-reference; cases and numbers dropped."""
    foreign_terms = tuple(_words()["foreign_terms"])
    sentences = []
    for sentence in _SENTENCE.findall(text):
        sentence = _MARKER.sub("", sentence.strip()).rstrip("；")
        if not min_len <= len(sentence) <= max_len or _FOREIGN.search(sentence) or any(t in sentence for t in foreign_terms):
            continue
        if sentence[-1] not in "。！？":
            sentence += "。"
        sentences.append(_SELF_WORDS.sub(self_name, sentence))
    return sentences


def _body(passage_text: str) -> str:
    # Passages start with their heading (（一）在理论学习方面。); the general claims follow it.
    return re.sub(r"^[（(][一二三四五六七八九十]+[）)][^。]{0,30}。?", "", passage_text)


def _pick(passages: list[str], self_name: str, used: set[str], count: int = 1, topic: str = "") -> list[str]:
    picked: list[str] = []
    for passage in passages:
        for sentence in usable_sentences(_body(passage), self_name):
            if topic and not relevant(sentence, topic):
                continue
            if sentence not in used and len(picked) < count:
                picked.append(sentence)
                used.add(sentence)
    return picked


def _fmt(template: str, outline: Outline, **values) -> str:
    year = outline.year or date.today().year
    return template.format(self=outline.self_name, unit=outline.unit, year=year, next_year=year + 1,
                           meeting=outline.meeting, meeting_kind=outline.meeting_kind, **values)


def _case(facts: list[str]) -> str:
    words = _words()["problems"]
    return words["example_lead"] + words["example_join"].join(f.rstrip("。；") for f in facts) + "。"


def _problems(item: OutlineItem, outline: Outline, passages: list[str], used: set[str], turn: int) -> list[str]:
    words = _words()["problems"]
    reflections = words["reflections"]
    paragraphs = []
    topic = f"{item.aspect}{item.hint}{''.join(item.problems)}"
    for index, problem in enumerate(item.problems):
        facts = item.problem_facts[index] if index < len(item.problem_facts) else []
        # A long budget per problem takes a second general sentence; the facts remain the core of the point.
        borrowed = 2 if item.budget / max(1, len(item.problems)) > 250 else 1
        parts = [problem.rstrip("。") + "。",
                 *_pick(passages, outline.self_name, used, count=borrowed, topic=f"{item.aspect}{item.hint}{problem}")]
        parts.append(_case(facts) if facts else _fmt(words["missing_case"], outline, aspect=item.aspect))
        parts.append(_fmt(reflections[(turn + index) % len(reflections)], outline))
        paragraphs.append("".join(parts))
    if not paragraphs:
        general = _pick(passages, outline.self_name, used, count=2, topic=topic)
        lead = _fmt(words["missing_problem"], outline, aspect=item.aspect) + "。"
        paragraphs.append(lead + "".join(general) + _fmt(words["missing_case"], outline, aspect=item.aspect))
    return paragraphs


def _causes(item: OutlineItem, outline: Outline, passages: list[str], used: set[str]) -> list[str]:
    roots = {root["id"]: root for root in _words()["causes"]["roots"]}
    root = roots[item.hint]
    examples = "”“".join(list(dict.fromkeys(item.answers))[:3]) or item.heading
    text = _fmt(root["body"], outline, examples=examples)
    return [text + "".join(_pick(passages, outline.self_name, used, topic=item.heading))]


def _measures(item: OutlineItem, outline: Outline, passages: list[str], used: set[str], turn: int) -> list[str]:
    words = _words()["measures"]
    deadline = _fmt(words["deadline"], outline)
    actions = words["actions"]
    paragraphs = [
        _fmt(words["answer"], outline, problem=problem,
             action=_fmt(actions[(turn + index) % len(actions)], outline, deadline=deadline))
        for index, problem in enumerate(item.answers)
    ]
    # Measures are the unit's own commitments: no 范文 sentence is borrowed here (reviewers check them line by line).
    return paragraphs


def _preamble(outline: Outline, profile: Profile) -> list[str]:
    words = _words()["preamble"]
    prep = profile.preparation
    parts = [_fmt(words["opening"], outline)]
    if prep.study_items():
        parts.append(_fmt(words["study"], outline, study="，".join(prep.study_items())))
    counts = []
    if prep.talks:
        counts.append(_fmt(words["talks"], outline, talks=prep.talks))
    if prep.opinions:
        counts.append(_fmt(words["opinions"], outline, opinions=prep.opinions))
    counts += prep.other
    if counts:
        parts.append(_fmt(words["joined"], outline, parts="，".join(counts)))
    parts.append(_fmt(words["closing"], outline))
    return ["".join(parts)]


def _last_year(outline: Outline, profile: Profile) -> list[str]:
    words = _words()["last_year"]
    return [
        _fmt(words["entry"] if entry.fixed else words["entry_open"], outline, problem=entry.problem.rstrip("。"),
             fixed=entry.fixed.rstrip("。"))
        for entry in profile.last_year
    ] or [_fmt(words["entry_open"], outline, problem="【待补：上年度查摆的问题】")]


def _case_study(outline: Outline, profile: Profile) -> list[str]:
    case = profile.case_study
    if case is None:
        return []
    text = case.title.rstrip("。") + "。" + "".join(f.rstrip("。") + "。" for f in case.facts)
    return [text + (case.lesson.rstrip("。") + "。" if case.lesson else "【待补：从中汲取的教训】")]


def compose_item(item: OutlineItem, outline: Outline, profile: Profile, passages: list[str], used: set[str],
                 turn: int = 0) -> list[str]:
    """Paragraphs (without numbering) for one outline item."""
    if item.role == "problems":
        return _problems(item, outline, passages, used, turn)
    if item.role == "causes":
        return _causes(item, outline, passages, used)
    if item.role == "measures":
        return _measures(item, outline, passages, used, turn)
    if item.role == "preamble":
        return _preamble(outline, profile)
    if item.role == "last_year":
        return _last_year(outline, profile)
    if item.role == "case_study":
        return _case_study(outline, profile)
    if item.role == "closing":
        return [_fmt(_words()["closing"], outline)]
    return []
