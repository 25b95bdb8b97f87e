"""Where each sentence of a draft came from: the record every drafted item keeps, and the marks that show it.

A sentence is `unit` (it states the unit's own facts, named in `facts`), `formula` (a connective or genre formula
that asserts nothing about the unit, or a 【待补】 slot) or `model` (anything else a model wrote about the unit).
A `model` sentence the unit has not confirmed is listed in `Document.unsourced`; the .md writes it as
〖无依据：…〗, the .docx highlights it with a comment, and the readers of both give the list back.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.core.resources import lexicon

Source = Literal["unit", "formula", "model"]

# A sentence ends at 。！？； (a closing quote or bracket stays with it); a 【…】 slot is never split.
_SENTENCE = re.compile(r"(?:【[^【】]*】|[^。！？!?；;【])*(?:[。！？!?；;]+[”’」』）)]*|$)")


class Fact(BaseModel):
    """One fact of the unit's profile: its field path (aspects.<方面>.0.facts.1) and its text."""

    model_config = ConfigDict(extra="forbid")
    id: str
    text: str


class Sentence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    source: Source
    facts: list[str] = []  # ids of the profile facts a unit sentence states
    confirmed: bool = False  # a model sentence the unit confirmed (its source is then "unit")
    cited: list[str] = []  # what the model cited ([F3]) — recorded, never trusted


_LEAD_END = re.compile(r"(?<=如下[：:])")  # a preamble's closing line ends a sentence too


def split_sentences(text: str) -> list[str]:
    """`text` cut into sentences whose concatenation is `text`."""
    return [s for part in _LEAD_END.split(text) for s in _SENTENCE.findall(part) if s]


def _notation() -> dict:
    return lexicon("provenance")["notation"]


def mark_text(text: str, unsourced: list[str]) -> str:
    """`text` with every unsourced sentence in it wrapped in the .md notation (〖无依据：…〗)."""
    notation = _notation()
    for sentence in sorted(set(unsourced), key=len, reverse=True):
        wrapped = notation["open"] + sentence + notation["close"]
        if sentence and sentence in text and wrapped not in text:
            text = text.replace(sentence, wrapped)
    return text


# A shorter stretch of a model sentence is a phrase any text may share (a heading, a unit's own words); a
# quotation (“…”) names what it quotes, so a shorter clause counts there.
_QUOTE_MIN = 8
_QUOTED_MIN = 4


def mark_quote(text: str, unsourced: list[str]) -> str:
    """`text` that quotes a material (a finding's message, a 雷同 run) with every stretch of it taken from an
    unconfirmed model sentence wrapped in the .md notation: a report never repeats one unmarked."""
    sentences = [s for s in dict.fromkeys(unsourced) if len(s) >= _QUOTED_MIN]
    notation = _notation()
    if not sentences or not text or notation["open"] in text:
        return text
    pieces, start, position = [], 0, 0
    while position <= len(text) - _QUOTED_MIN:
        end = position + (_QUOTED_MIN if position and text[position - 1] == "“" else _QUOTE_MIN)
        if end > len(text) or not any(text[position:end] in s for s in sentences):
            position += 1
            continue
        while end < len(text) and any(text[position:end + 1] in s for s in sentences):
            end += 1
        pieces += [text[start:position], notation["open"], text[position:end], notation["close"]]
        start = position = end
    return "".join(pieces) + text[start:]


def unmark_text(text: str) -> tuple[str, list[str]]:
    """`text` without the notation, and the sentences it wrapped (a re-check reads its own marks back)."""
    notation = _notation()
    pattern = re.compile(re.escape(notation["open"]) + r"([^" + re.escape(notation["close"]) + r"]*)"
                         + re.escape(notation["close"]))
    found = [m.group(1) for m in pattern.finditer(text)]
    return pattern.sub(lambda m: m.group(1), text), found


def unconfirmed(items: list) -> list[str]:
    """The model sentences of drafted items (dicts or models) that the unit has not confirmed."""
    out = []
    for item in items:
        sentences = item.get("sentences") if isinstance(item, dict) else getattr(item, "sentences", None)
        for sentence in sentences or []:
            data = sentence if isinstance(sentence, dict) else sentence.model_dump()
            if data.get("source") == "model" and not data.get("confirmed"):
                out.append(str(data.get("text", "")))
    return [s for s in out if s.strip()]
