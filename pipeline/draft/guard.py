"""Checks on one drafted item after cleaning: copying from the reference passages, facts left out, numbers
made up, length and voice; whether to re-ask the model, what to tell it, and which of two answers to keep.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from pipeline.text.facts import CONTENT_CHAR as _CONTENT, _words, fact_present, invented_dates, numbers
from pipeline.text.overlap import COPY_THRESHOLD, overlap_with
from pipeline.core.resources import lexicon, prompt_text

MAX_COPY_RUN = 40  # one verbatim run this long is copying even when the rate stays low
MIN_LENGTH_RATIO = 0.5


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paragraphs: list[str]
    chars: int
    target_chars: int | None = None
    copy_rate: float
    longest_copy: int  # content characters of the longest run shared with one reference
    longest_copy_text: str = ""
    missing_facts: list[str] = []
    invented_numbers: list[str] = []
    wrong_voice: list[str] = []
    flags: list[str] = []  # from cleaning

    @property
    def length_ratio(self) -> float | None:
        return self.chars / self.target_chars if self.target_chars else None



def assess(
    paragraphs: Sequence[str],
    references: Sequence[str],
    facts: Sequence[str],
    *,
    known: Sequence[str] = (),
    target_chars: int | None = None,
    flags: Sequence[str] = (),
    unit: str = "",
) -> Assessment:
    """`known`: other texts whose numbers the draft may use (profile, meeting name, the item's problems)."""
    text = "\n".join(paragraphs)
    report = overlap_with(text, list(references))
    longest = report.longest()
    text_numbers = numbers(text)
    # A 范文 number is another unit's: it is invented here as much as one the model made up.
    allowed = {value for source in [*facts, *known] for value in numbers(source)}
    wrong = [w for w in lexicon("clean")["wrong_org"] if w in text and w not in unit]
    return Assessment(
        paragraphs=list(paragraphs),
        chars=len(_CONTENT.findall(text)),
        target_chars=target_chars,
        copy_rate=round(report.rate, 4),
        longest_copy=len(_CONTENT.findall(longest.text)) if longest else 0,
        longest_copy_text=longest.text if longest else "",
        missing_facts=[f for f in facts if f.strip() and not fact_present(f, text, text_numbers)],
        invented_numbers=[surface for value, surface in text_numbers.items() if value not in allowed]
        + invented_dates(text, "\n".join([*facts, *known])),
        wrong_voice=wrong,
        flags=list(flags),
    )


def reasons(
    assessment: Assessment,
    threshold: float = COPY_THRESHOLD,
    *,
    max_run: int = MAX_COPY_RUN,
    min_length_ratio: float = MIN_LENGTH_RATIO,
) -> list[str]:
    """What is wrong with an answer, as the block names of prompts/reask.txt."""
    a = assessment
    if not a.paragraphs or a.chars == 0:
        return ["empty"]
    found = []
    if a.copy_rate > threshold or a.longest_copy >= max_run:
        found.append("copy")
    if a.missing_facts:
        found.append("missing")
    if a.invented_numbers:
        found.append("invented")
    if a.length_ratio is not None and a.length_ratio < min_length_ratio:
        found.append("truncated" if "truncated" in a.flags else "short")
    if "off-section" in a.flags:
        found.append("off-section")
    if a.wrong_voice:
        found.append("wrong-voice")
    if "injection" in a.flags:
        found.append("injection")
    return found


def needs_reask(assessment: Assessment, threshold: float = COPY_THRESHOLD, **limits: float) -> bool:
    return bool(reasons(assessment, threshold, **limits))


@lru_cache(maxsize=1)
def _reask_blocks() -> dict[str, str]:
    blocks: dict[str, str] = {}
    name = None
    for line in prompt_text("reask.txt").splitlines():
        header = re.fullmatch(r"\[([\w-]+)\]", line.strip())
        if header:
            name = header.group(1)
            blocks[name] = ""
        elif name:
            blocks[name] += line + "\n"
    return {key: value.strip() for key, value in blocks.items()}


def sharper_instruction(assessment: Assessment, threshold: float = COPY_THRESHOLD, *, self_name: str = "班子",
                        **limits: float) -> str:
    """The follow-up message naming what to fix, from prompts/reask.txt; empty when nothing needs fixing."""
    found = reasons(assessment, threshold, **limits)
    if not found:
        return ""
    a = assessment
    values = {
        "copy_percent": round(a.copy_rate * 100),
        "longest": a.longest_copy,
        "longest_text": a.longest_copy_text if len(a.longest_copy_text) <= 40 else a.longest_copy_text[:40] + "…",
        "missing": "；".join(f"“{fact}”" for fact in a.missing_facts),
        "invented": "、".join(a.invented_numbers),
        "chars": a.chars,
        "target": a.target_chars or "",
        "self": self_name,
    }
    blocks = _reask_blocks()
    lines = [blocks["intro"]]
    lines += [f"{n}. {blocks[name].format(**values)}" for n, name in enumerate(found, 1) if name in blocks]
    lines.append(blocks["outro"])
    return "\n".join(lines)


def _penalty(a: Assessment, threshold: float) -> float:
    if not a.paragraphs or a.chars == 0:
        return 1000.0
    ratio = a.length_ratio
    return (
        10 * len(a.missing_facts)
        + 6 * len(a.invented_numbers)
        + 20 * max(0.0, a.copy_rate - threshold)
        + (5 * max(0.0, MIN_LENGTH_RATIO - ratio) / MIN_LENGTH_RATIO if ratio is not None else 0)
        + 3 * bool(a.wrong_voice)
        + 2 * ("off-section" in a.flags)
        + 4 * ("injection" in a.flags)
    )


def better(a: Assessment, b: Assessment, threshold: float = COPY_THRESHOLD) -> Assessment:
    """The answer with fewer and lighter problems; the first on a tie (it was asked for with less pressure)."""
    return b if _penalty(b, threshold) < _penalty(a, threshold) else a
