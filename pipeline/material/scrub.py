"""Clean scrape noise out of a 范文 and report what was cleaned; find unfilled slots."""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from pipeline.core.resources import lexicon

_CJK = r"[\u3400-\u9fff\uf900-\ufaff“”‘’（）《》【】、。，]"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
# Half-width punctuation sitting between two Chinese characters belongs to the Chinese text.
# Also at a line end (以下三个方面:). Only blanks around it: \s would eat the newline and join two paragraphs.
_HALF_WIDTH = re.compile(rf"(?<={_CJK})[ \t\u3000\xa0]*([,;:?!])[ \t\u3000\xa0]*(?={_CJK}|\n|$)")
_INNER_SPACE = re.compile(r"(?<=[\u3400-\u9fff，。、；：！？“”（）])[ \t\u3000\xa0]+(?=[\u3400-\u9fff，。、；：！？“”（）])")
# The lookbehind starts a trailing run only at its first blank: tried mid-run, a long run of blanks inside
# a line made the search quadratic.
_EDGE_SPACE = re.compile(r"^[ \t\u3000\xa0\ufeff]+|(?<![ \t\u3000\xa0])[ \t\u3000\xa0]+$", re.M)
# A first-line indent of ideographic spaces is how Chinese text is laid out, not noise: removed, not reported.
_INDENT = re.compile(r"^\u3000+(?=\S)", re.M)


class Cleaning(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str  # paywall-marker | pinyin | half-width-punctuation | stray-space
    count: int
    example: str = ""


class Slot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _rules() -> tuple:
    words = lexicon("scrub")
    pinyin = {k.lower(): v for k, v in words["pinyin"].items()}
    # Longest first, so dangzuzhi wins over zuzhi.
    pinyin_re = re.compile("|".join(sorted(map(re.escape, pinyin), key=len, reverse=True)), re.I)
    slots_re = re.compile("|".join(f"(?:{p})" for p in words["slots"]))
    return re.compile(words["paywall"], re.I), pinyin, pinyin_re, slots_re


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 6) : end + 6].replace("\n", " ")


def scrub(text: str) -> tuple[str, list[Cleaning]]:
    """Return the cleaned text and one Cleaning record per kind of noise found."""
    paywall, pinyin, pinyin_re, _ = _rules()
    report: list[Cleaning] = []

    def apply(code: str, pattern: re.Pattern, replace) -> None:
        nonlocal text
        found = list(pattern.finditer(text))
        if found:
            report.append(Cleaning(code=code, count=len(found), example=_context(text, found[0].start(), found[0].end())))
            text = pattern.sub(replace, text)

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    apply("paywall-marker", paywall, "")
    apply("pinyin", pinyin_re, lambda m: pinyin[m.group(0).lower()])
    apply("half-width-punctuation", _HALF_WIDTH, lambda m: _HALF_TO_FULL[m.group(1)])
    text = _INDENT.sub("", text)
    spaces = len(_EDGE_SPACE.findall(text)) + len(_INNER_SPACE.findall(text))
    if spaces:
        example = next((m for m in (_INNER_SPACE.search(text), _EDGE_SPACE.search(text)) if m), None)
        report.append(
            Cleaning(code="stray-space", count=spaces, example=_context(text, example.start(), example.end()) if example else "")
        )
        text = _INNER_SPACE.sub("", _EDGE_SPACE.sub("", text))
    return text, report


def find_slots(text: str) -> list[Slot]:
    """Anonymisation placeholders and 【待补…】 marks still to be filled in."""
    slots_re = _rules()[3]
    return [Slot(text=m.group(0), start=m.start(), end=m.end()) for m in slots_re.finditer(text)]
