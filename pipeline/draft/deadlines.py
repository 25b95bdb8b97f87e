"""A measure's time limit is the unit's, never the model's: one the unit never gave ("2027年3月底前完成") is put
back to the unit's own for that problem, or to 【待补：完成时限】 when the unit gave none (draft/measures.py runs
it before the number guard: an invented date is a time limit to fill in, not a number to cut with its clause).
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.text.deadlines import core, deadlines, given, is_time

_BOUNDARY = re.compile(r"[，,；;。！？!?]")


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("additions")


def _same_kind(own: str, model: str) -> bool:
    """The unit's time reads where the model's stood: both a "by" (…前, or a bare date), both a "from" (…起),
    both a "within" (…内). "2024年9月起" cannot stand where "2027年3月底前完成" stood."""
    def kind(text: str) -> str:
        return "起" if text.endswith(("起", "开始")) else "内" if text.endswith("内") else "前"
    return kind(own) == kind(model)


def _given_clause(paragraph: str, found, said: str) -> tuple[str, str]:
    """The clause holding `found` without it, then `said`; the clause is `said` alone when nothing but a verb
    (完成, 整改到位) is left, and `said` is not repeated in a paragraph that has it already."""
    before = [m.end() for m in _BOUNDARY.finditer(paragraph, 0, found.start)]
    start = before[-1] if before else 0
    boundary = _BOUNDARY.search(paragraph, found.end)
    end = boundary.start() if boundary else len(paragraph)
    cut = found.start - (1 if found.start > start and paragraph[found.start - 1] in "于在到至自从" else 0)
    rest = paragraph[start:cut] + paragraph[found.end:end]
    if said in paragraph:
        clause = rest if core(rest) else ""
    else:
        clause = rest + "，" + said if core(rest) else said
    if not clause and boundary and boundary.group() in "，,；;":
        end += 1  # the whole clause goes, with its comma
    return paragraph[:start] + clause + paragraph[end:], said


def replace_deadlines(paragraph: str, deadline: str, allowed: str) -> tuple[str, list[tuple[str, str]]]:
    """`paragraph` with each time limit not in `allowed` (the unit's texts) put back to `deadline`, the unit's
    own for the problem the paragraph answers, or to the slot when it has none: (paragraph, [(model's, put)])."""
    words = _words()
    changes = []
    if deadline and words["deadline_slot"] in paragraph:
        # The model left the slot for a limit the unit did give.
        own = core(deadline) if is_time(core(deadline)) else words["deadline_given"].format(deadline=deadline)
        paragraph = paragraph.replace(words["deadline_slot"], own)
    for found in reversed(deadlines(paragraph)):
        if given(found, allowed):
            continue
        unit_core = core(deadline)
        if not deadline:
            new = words["deadline_slot"]
        elif found.label:
            new = words["deadline_given"].format(deadline=deadline)
        elif is_time(unit_core) and _same_kind(unit_core, found.text):
            new = unit_core
        else:
            # "长期坚持" cannot stand where a date stood: the date goes, the unit's limit closes the clause.
            paragraph, said = _given_clause(paragraph, found, words["deadline_given"].format(deadline=deadline))
            changes.append((found.text, said))
            continue
        paragraph = paragraph[:found.start] + new + paragraph[found.end:]
        changes.append((found.text, new))
    return paragraph, changes[::-1]
