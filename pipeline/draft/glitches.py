"""Wording the tool must never write itself (lexicon/glitches.yaml): a doubled 对, 以下1个方面, a spec's label …

The composer skips a connective whose filled-in text shows one; the tests draft examples and generated profiles
and assert none is left.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import lexicon


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    return tuple((re.compile(entry["pattern"]), entry["why"]) for entry in lexicon("glitches")["patterns"])


def glitches(text: str) -> list[tuple[str, str]]:
    """(the offending text, what is wrong) for each glitch pattern found in `text`."""
    return [(match.group(0), why) for pattern, why in _patterns() for match in pattern.finditer(text)]


def has_glitch(text: str) -> bool:
    return any(pattern.search(text) for pattern, _ in _patterns())
