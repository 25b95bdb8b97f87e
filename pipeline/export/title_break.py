"""Where a two-line 公文 title breaks: words kept whole, upper line the longer (倒梯形), lines balanced.

The break is made by narrowing the title paragraph (equal indents left and right) so that the first line
holds exactly its planned text: the title stays one paragraph with no line-break character, and reading
the file back gives the same title.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import lexicon

_OPENING = "“‘《（(〈「『【"
_CLOSING = "”’》）)〉」』】，。、；：！？"
# Bounded: a title's quoted or bracketed part is short, and an unclosed one must not make the search quadratic.
_PAIRS = re.compile(r"“[^”]{0,100}”|《[^》]{0,100}》|（[^）]{0,100}）|\([^)]{0,100}\)")
_GENERIC_PENALTY = 3.0  # em: a break that is not at a known word boundary must buy this much balance
SLACK_EM = 0.4  # room left on the narrowed first line; less than the narrowest next character


@lru_cache(maxsize=1)
def _terms() -> tuple[str, ...]:
    return tuple(lexicon("title_terms")["terms"])


def width_em(text: str) -> float:
    """Width in em: CJK and full-width 1, ASCII ½, plus the ¼ em Word and LibreOffice put between the two."""
    width, previous = 0.0, None
    for ch in text:
        narrow = ch.isascii()
        width += 0.5 if narrow else 1.0
        if previous is not None and narrow != previous and not ch.isspace():
            width += 0.25
        previous = narrow
    return width


def _break_costs(title: str) -> dict[int, float]:
    """Each allowed break position (index of the first character of line two) and its penalty."""
    forbidden: set[int] = set()
    preferred: set[int] = set()
    for match in _PAIRS.finditer(title):
        forbidden.update(range(match.start() + 1, match.end()))
        preferred.update((match.start(), match.end()))
    for term in _terms():
        for match in re.finditer(re.escape(term), title):
            forbidden.update(range(match.start() + 1, match.end()))
            preferred.update((match.start(), match.end()))
    for match in re.finditer(r"[0-9A-Za-z.]+", title):
        forbidden.update(range(match.start() + 1, match.end()))
    costs = {}
    for index in range(1, len(title)):
        if index in forbidden or title[index] in _CLOSING or title[index - 1] in _OPENING:
            continue
        # After a year (2023年) is a natural place too.
        natural = index in preferred or re.search(r"\d年$", title[:index]) is not None
        costs[index] = 0.0 if natural else _GENERIC_PENALTY
    return costs


def split_title(title: str, line_em: float) -> tuple[str, str] | None:
    """The two lines of a title too long for one line of `line_em` em, or None (fits, or needs three)."""
    if width_em(title) <= line_em:
        return None
    best: tuple[float, int] | None = None
    for index, penalty in _break_costs(title).items():
        first, second = width_em(title[:index]), width_em(title[index:])
        if first + SLACK_EM > line_em or second > first:
            continue
        score = first - second + penalty
        if best is None or score < best[0]:
            best = (score, index)
    return None if best is None else (title[: best[1]], title[best[1] :])
