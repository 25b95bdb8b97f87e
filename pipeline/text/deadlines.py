"""Time limits a measure states (2027年3月底前, 6月30日前, 年底前, 3个月内, 完成时限为…), found in one place: the
drafter puts the unit's own in place of one the unit never gave, the reviewer names it. Patterns are data
(lexicon/additions.yaml `deadline_patterns`)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pipeline.core.resources import lexicon
from pipeline.text.slots import PENDING

_SUFFIX = re.compile(r"(?:前|以前|之前)$")
_BRACKETED = re.compile(r"【[^【】]*】")


class Deadline(NamedTuple):
    start: int
    end: int
    text: str
    label: bool  # "完成时限为…": the whole phrase names the limit

    @property
    def value(self) -> str:
        """The time itself, without a 时限为/时限： label."""
        if not self.label:
            return self.text
        return re.split(r"(?:为|是|定为|：|:)\s*", self.text, maxsplit=1)[-1].strip()


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    patterns = lexicon("additions")["deadline_patterns"]
    return re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in patterns.items()))


@lru_cache(maxsize=1)
def _verbs() -> re.Pattern:
    verbs = sorted(lexicon("additions")["deadline_verbs"], key=len, reverse=True)
    return re.compile(f"(?:{'|'.join(map(re.escape, verbs))})+$")


def deadlines(text: str) -> list[Deadline]:
    """The time limits in `text`, in order; none inside a 【…】 prompt."""
    masked = _BRACKETED.sub(lambda m: "。" * len(m.group()), text)
    return [Deadline(m.start(), m.end(), m.group(), m.lastgroup == "label") for m in _pattern().finditer(masked)]


def core(deadline: str) -> str:
    """A unit's deadline as it reads in place of a time: "2024年9月起执行" → "2024年9月起"."""
    return _verbs().sub("", deadline.strip().rstrip("。；;，,")).strip()


def is_time(text: str) -> bool:
    """`text` is one time limit and nothing else (it can stand where a model wrote its own)."""
    found = deadlines(text)
    return len(found) == 1 and not found[0].label and found[0].text == text


def given(deadline: Deadline, allowed_text: str) -> bool:
    """The unit wrote this time limit (the model may drop a 前, or add one, or a verb after it)."""
    value = core(deadline.value)
    if not value or PENDING in value:
        return True
    return any(form and form in allowed_text for form in (value, _SUFFIX.sub("", value)))


_FULL = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*月?\s*(上旬|中旬|下旬|底|末|份)?")
_YEAR_END = re.compile(r"(\d{4})\s*年\s*(?:年?底|年?末)")


def due_date(text: str):
    """The last day a time limit allows (2026年6月底 → 2026-06-30, 2026年3月15日前 → 2026-03-15, 2026年底 →
    2026-12-31); None for a limit that names no day ("长期坚持", "2026年1月起每月执行", a 【待补】)."""
    import calendar  # lazy: only the ledger reads dates
    from datetime import date  # lazy: only the ledger reads dates

    text = text.strip()
    if not text or PENDING in text:
        return None
    for pattern in (_FULL, _YEAR_END, _MONTH):
        match = pattern.search(text)
        if not match:
            continue
        if text[match.end():].lstrip().startswith(("起", "开始")):
            return None  # a start, not a limit
        year = int(match.group(1))
        try:
            if pattern is _FULL:
                return date(year, int(match.group(2)), int(match.group(3)))
            if pattern is _YEAR_END:
                return date(year, 12, 31)
            month = int(match.group(2))
            last = calendar.monthrange(year, month)[1]
            return date(year, month, {"上旬": 10, "中旬": 20}.get(match.group(3) or "", last))
        except ValueError:
            return None
    return None
