"""Where a long 公文 title breaks: words kept whole (jieba and the known terms), lines balanced, the upper
line the longer (倒梯形).

A two-line title is broken by narrowing its paragraph (equal indents left and right) so that the first line
holds exactly its planned text: it stays one paragraph with no line-break character. A title too long for
two lines gets line breaks inside its one paragraph; the reader joins them back.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import lexicon

_OPENING = "“‘《（(〈「『【"
_CLOSING = "”’》）)〉」』】，。、；：！？"
# Bounded: a title's quoted or bracketed part is short, and an unclosed one must not make the search quadratic.
_PAIRS = re.compile(r"“[^”]{0,100}”|《[^》]{0,100}》|（[^）]{0,100}）|\([^)]{0,100}\)")
_WORD_PENALTY = 1.5  # em: a break between two ordinary words must buy this much balance over a preferred one
_THREE_LINES = 8.0  # em: a third line is taken only when two lines cannot be had this much better balanced
_INSIDE_WORD_PENALTY = 40.0  # em: inside a word only when no line of the title can end between words
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


def _word_bounds(title: str) -> set[int]:
    """Positions between two words of the title, as jieba segments it."""
    # Imported here: jieba loads its dictionary on import (about a second), needed only when a title wraps.
    import jieba  # lazy: heavy library, loaded only where used

    jieba.setLogLevel(60)
    bounds, position = set(), 0
    for word in jieba.cut(title, HMM=False):
        position += len(word)
        bounds.add(position)
    return bounds


def _break_costs(title: str) -> dict[int, float]:
    """Each allowed break position (index of the first character of the next line) and its penalty.

    Allowed: between two words (jieba), never inside a quoted or bracketed part, a known term or a number;
    preferred: at the edge of a known term or after a year. Inside a word only when nothing else is allowed."""
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
    words = _word_bounds(title)
    costs = {}
    for index in range(1, len(title)):
        if index in forbidden or title[index] in _CLOSING or title[index - 1] in _OPENING:
            continue
        if title[index] in "年月日届度" and title[index - 1].isdigit():
            continue  # 2024|年 is one word to a reader, whatever the segmenter says
        natural = index in preferred or re.search(r"\d年度?$", title[:index]) is not None
        costs[index] = 0.0 if natural else _WORD_PENALTY if index in words else _INSIDE_WORD_PENALTY
    return costs


def _two_lines(title: str, line_em: float, costs: dict[int, float]) -> tuple[float, tuple[str, ...]] | None:
    best = None
    for index, penalty in costs.items():
        first, second = width_em(title[:index]), width_em(title[index:])
        if max(first, second) + SLACK_EM > line_em:
            continue
        # The upper line the longer (倒梯形) by preference; a longer lower line costs a little more.
        score = abs(first - second) + (0.5 * (second - first) if second > first else 0.0) + penalty
        if best is None or score < best[0]:
            best = (score, (title[:index], title[index:]))
    return best


def _three_lines(title: str, line_em: float, costs: dict[int, float]) -> tuple[float, tuple[str, ...]] | None:
    best = None
    positions = sorted(costs)
    for a in positions:
        first = width_em(title[:a])
        if first + SLACK_EM > line_em:
            break
        for b in positions:
            if b <= a:
                continue
            widths = (first, width_em(title[a:b]), width_em(title[b:]))
            if widths[1] + SLACK_EM > line_em or widths[2] + SLACK_EM > line_em:
                continue
            # Balanced, and the upper lines not shorter than the lower ones (倒梯形) where it can be had.
            shape = 0.0 if widths[0] >= widths[1] >= widths[2] else 1.0
            score = _THREE_LINES + max(widths) - min(widths) + costs[a] + costs[b] + shape
            if best is None or score < best[0]:
                best = (score, (title[:a], title[a:b], title[b:]))
    return best


def split_title(title: str, line_em: float) -> tuple[str, ...] | None:
    """The lines of a title too long for one line of `line_em` em (two, or three for a very long one), or
    None when it fits on one line (or would need more than three)."""
    if width_em(title) <= line_em:
        return None
    costs = _break_costs(title)
    found = [best for best in (_two_lines(title, line_em, costs), _three_lines(title, line_em, costs)) if best]
    return min(found)[1] if found else None
