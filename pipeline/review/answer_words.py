"""What a problem and a measure say, as weighted words, for the problems ↔ measures check (answers.py).

Words are jieba words (plus the character bigrams inside words of three characters or more, so 教学班 meets
教学), without stop words, plus one token per concept group named (文山会海 → 会议、发文 …). A word weighs by
how rare it is among the document's own units and among the shipped 范文: words every material uses (学习、
群众、担当 …) say little about which problem a measure answers. Word lists are data (lexicon/content.yaml
`matching`).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from functools import lru_cache

from pipeline.core.resources import data_dir
from pipeline.review.findings import settings
from pipeline.text.numbering import CN_NUMERALS

CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_FIRST = re.compile(r"[。；！？]")
_POINT = re.compile(rf"(?=[{CN_NUMERALS}]是|\d[、.．]|[（(]\d[)）])")
_DIGITS = re.compile(r"[\d.]+")


@lru_cache(maxsize=1)
def _slot() -> re.Pattern:
    return re.compile(settings()["specificity"]["slot"])


def without_slots(text: str, keep: str = "") -> str:
    """`text` with every 【…】 slot taken out: a prompt to the user says nothing the unit said."""
    return _slot().sub(keep, text)


def chars(text: str) -> str:
    return "".join(CONTENT.findall(text))


def lead(text: str) -> str:
    """The first sentence of each numbered point: where a problem or measure states what it is about."""
    return "，".join(_FIRST.split(piece, maxsplit=1)[0] for piece in _POINT.split(text) if piece)


def points(text: str, least: int = 15) -> list[str]:
    """The numbered points (一是…二是…, 1. 2.) of a unit's text, when it has two or more of some length."""
    found = [piece for piece in _POINT.split(text) if len(CONTENT.findall(piece)) >= least]
    return found if len(found) >= 2 else []


def restated(text: str, phrases: list[str], length: int) -> list[str]:
    """`text` cut into the pieces that do not restate a phrase: every run of ≥ `length` content characters
    shared with a phrase (the whole phrase when it is shorter) is removed. A measure quoting the problem's title
    or aspect says nothing by that quote; a word of the title used in a new sentence (涉案财物 …) stays."""
    content = chars(text)
    covered = [False] * len(content)
    for phrase in phrases:
        phrase_chars = chars(phrase)
        size = min(length, len(phrase_chars))
        if size < 2:
            continue
        grams = {phrase_chars[i : i + size] for i in range(len(phrase_chars) - size + 1)}
        for i in range(len(content) - size + 1):
            if content[i : i + size] in grams:
                covered[i : i + size] = [True] * size
    pieces, current = [], []
    for char, cut in zip(content, covered):
        if cut:
            if current:
                pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    if current:
        pieces.append("".join(current))
    return pieces


def quotes(text: str, phrase: str, length: int) -> bool:
    """`text` carries a run of ≥ `length` characters of `phrase` (all of it when shorter, at least 4)."""
    phrase_chars, content = chars(phrase), chars(text)
    size = min(length, len(phrase_chars))
    return size >= 4 and any(phrase_chars[i : i + size] in content for i in range(len(phrase_chars) - size + 1))


@lru_cache(maxsize=1)
def _concepts() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Groups of words naming the same kind of problem (文山会海 / 发文 / 开会 …), as (token, words)."""
    groups = settings()["matching"].get("concepts", [])
    return tuple((f"#{number}", tuple(words)) for number, words in enumerate(groups))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return frozenset(settings()["matching"]["stop_words"])


def _segment(text: str) -> list[str]:
    import jieba  # lazy: heavy library (its dictionary loads once per process), only where used

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut(text)


@lru_cache(maxsize=4096)  # a check asks for the same pieces of text again (problem × measure)
def _words(text: str) -> tuple[tuple[str, float], ...]:
    stop, found = _stop_words(), Counter()
    for word in _segment(text):
        if len(word) < 2 or word in stop or not CONTENT.search(word) or _DIGITS.fullmatch(word):
            continue
        found[word] += 1
        if len(word) >= 3:
            for i in range(len(word) - 1):
                if word[i : i + 2] not in stop:
                    found["~" + word[i : i + 2]] += 0.5  # a part of a word weighs half a word
    return tuple(found.items())


def features(pieces: list[str]) -> Counter:
    """Words of the pieces (each segmented on its own: never a word across a cut) and the concepts they name."""
    found: Counter = Counter()
    for piece in pieces:
        found.update(dict(_words(piece)))
    for token, group in _concepts():
        if any(word in piece for piece in pieces for word in group):
            found[token] += 1
    return found


@lru_cache(maxsize=1)
def genre_weights() -> dict[str, float]:
    """Per word, how rare it is among the shipped 范文 (1 for a word none uses, 1/(1 + ln(N+1)) for a word all
    use): the genre's own vocabulary weighs little."""
    files = sorted(data_dir("corpus").glob("*.txt"))
    counts: Counter = Counter()
    for path in files:
        counts.update({word for word in _segment(path.read_text(encoding="utf-8")) if len(word) >= 2})
    top = math.log(len(files) + 1) + 1
    return {word: (math.log((len(files) + 1) / (n + 1)) + 1) / top for word, n in counts.items()}


class Weights:
    """idf over the document's own units times the genre weight."""

    def __init__(self, texts: list[list[str]]):
        vectors = [features(pieces) for pieces in texts]
        self.count = len(vectors)
        self.df = Counter(token for vector in vectors for token in vector)
        self.genre = genre_weights()

    def __call__(self, token: str) -> float:
        idf = math.log((self.count + 1) / (self.df.get(token, 0) + 1)) + 1
        return idf * self.genre.get(token.lstrip("~"), 1.0)

    def vector(self, counts: Counter) -> dict[str, float]:
        weighted = {t: (1 + math.log(c) if c >= 1 else c) * self(t) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        return {t: v / norm for t, v in weighted.items()}


def cosine(left: dict[str, float], right: dict[str, float]) -> float:
    return sum(v * right.get(t, 0.0) for t, v in left.items())
