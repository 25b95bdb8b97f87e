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
