"""Facts in text: the counts and amounts a text states, a fact's content words, and whether a fact is present
(numbers exact, wording may be paraphrased). Shared by the drafter's guard and the reviewer's fact check."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.text.numbering import cn_value

CONTENT_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("guard")


def numbers(text: str) -> dict[float, str]:
    """Counts and amounts in `text`, as value → first surface form (91% and 91 are the same claim)."""
    words = _words()
    for phrase in sorted(words["set_phrases"], key=len, reverse=True):
        text = text.replace(phrase, "　")
    for pattern in words["set_patterns"]:
        text = re.sub(pattern, "　", text)
    found: dict[float, str] = {}
    for match in re.finditer(r"(?<![\d.])\d+(?:\.\d+)?\s*[%％]?", text):
        found.setdefault(float(re.sub(r"[\s%％]", "", match.group())), match.group().strip())
    for match in re.finditer(r"百分之([零〇一二两三四五六七八九十]+)", text):
        found.setdefault(cn_value(match.group(1)), match.group())
    measures = "|".join(map(re.escape, sorted(words["measure_words"], key=len, reverse=True)))
    # 一 alone (一次, 一个, 一批) is an article more often than a count, and 第 makes an ordinal.
    for match in re.finditer(rf"(?<![第一二三四五六七八九十两百千])([二两三四五六七八九十百千][零〇一二三四五六七八九十百千]*)(?:{measures})", text):
        found.setdefault(cn_value(match.group(1)), match.group())
    return found


_DATE = re.compile(r"(?<!\d)(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?")


def invented_dates(text: str, sources: str) -> list[str]:
    """Dates in `text` ("2025年1月", "4月") that `sources` never writes: each number may be the unit's (2025 is the
    meeting's year, 1 a count), the date is not."""
    found = []
    for match in _DATE.finditer(text):
        date = match.group()
        bare = re.sub(r"^\d{4}年", "", date)
        if date not in sources and not (bare != date and bare in sources and date[:5] in sources):
            found.append(date)
    return list(dict.fromkeys(found))


def key_terms(fact: str) -> list[str]:
    """Content words of a fact (jieba), without numbers and words that every fact shares."""
    import jieba  # lazy: heavy library, loaded only where used

    jieba.setLogLevel(logging.WARNING)
    stop = set(_words()["fact_stopwords"])
    terms = []
    for word in jieba.lcut(re.sub(r"\d+(?:\.\d+)?\s*[%％]?", " ", fact)):
        word = word.strip()
        if len(word) >= 2 and CONTENT_CHAR.search(word) and word not in stop and not re.fullmatch(r"[\d.]+", word):
            if word not in terms:
                terms.append(word)
    return terms


def fact_present(fact: str, text: str, text_numbers: dict[float, str] | None = None) -> bool:
    """A fact is present when all its numbers are and most of its content words are (paraphrase allowed)."""
    values = numbers(fact)
    text_numbers = numbers(text) if text_numbers is None else text_numbers
    if any(value not in text_numbers for value in values):
        return False
    terms = key_terms(fact)
    if not terms:
        return True
    hits = sum(1 for term in terms if term in text or (len(term) >= 4 and term[:2] in text and term[2:] in text))
    return hits / len(terms) >= (0.5 if values else 0.6)
