"""A measure's time limit is the unit's, never the model's.

A time limit the unit never gave ("2027年3月底前完成") is put back to the unit's own for that problem, or to
【待补：完成时限】 when the unit gave none; a problem whose measure then says no time limit at all gets the
unit's (完成时限：…) or the slot, so the time-limit slot is never silently lost. This runs before the number
guard: an invented date is a time limit to fill in, not a number to cut with its clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pipeline.core.resources import lexicon
from pipeline.draft.plan import OutlineItem
from pipeline.text.deadlines import core, deadlines, given, is_time

_CONTENT = re.compile(r"[\u4e00-\u9fff]")
_BOUNDARY = re.compile(r"[，,；;。！？!?]")
_RUN = 4  # characters a paragraph shares with a problem or its measure to be about it


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("additions")


def _grams(text: str) -> set[str]:
    chars = "".join(_CONTENT.findall(text))
    return {chars[i:i + _RUN] for i in range(len(chars) - _RUN + 1)}


def _owners(paragraphs: Sequence[str], details: Sequence[dict]) -> list[int | None]:
    """Which problem (detail) each paragraph answers: the one whose words it shares most; by position when the
    model wrote one paragraph per problem and the words do not tell; None when nothing tells."""
    if len(details) == 1:
        return [0] * len(paragraphs)
    keys = [_grams(d.get("problem", "") + d.get("measure", "")) for d in details]
    owners: list[int | None] = []
    for index, paragraph in enumerate(paragraphs):
        grams = _grams(paragraph)
        scores = [len(grams & key) for key in keys]
        best = max(scores, default=0)
        if best and scores.count(best) == 1:
            owners.append(scores.index(best))
        else:
            owners.append(index if len(paragraphs) == len(details) else None)
    return owners


def _deadline_of(owner: int | None, details: Sequence[dict]) -> str:
    if owner is not None:
        return details[owner].get("deadline", "").strip()
    shared = {d.get("deadline", "").strip() for d in details}
    return shared.pop() if len(shared) == 1 else ""


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


def _replace(paragraph: str, deadline: str, allowed: str) -> tuple[str, list[tuple[str, str]]]:
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


def settle_deadlines(paragraphs: Sequence[str], item: OutlineItem) -> tuple[list[str], list[tuple[str, str]], bool]:
    """A measures item's paragraphs with the unit's own time limits: (paragraphs, [(model's, put instead)],
    whether a missing limit was added). Other items are returned as they are."""
    paragraphs = list(paragraphs)
    details = [d for d in item.details if d.get("problem")]
    if item.role != "measures" or not details or not paragraphs:
        return paragraphs, [], False
    words = _words()
    allowed = "\n".join([*item.own(), *item.facts, *item.problems])
    owners = _owners(paragraphs, details)
    changes: list[tuple[str, str]] = []
    for index, owner in enumerate(owners):
        paragraphs[index], changed = _replace(paragraphs[index], _deadline_of(owner, details), allowed)
        changes += changed
    added = False
    for number, detail in enumerate(details):
        mine = [i for i, owner in enumerate(owners) if owner == number]
        where = mine[-1] if mine else len(paragraphs) - 1
        scope = "".join(paragraphs[i] for i in mine) if mine else "".join(paragraphs)
        deadline = detail.get("deadline", "").strip()
        if deadline:
            if core(deadline) in scope or deadline in scope:
                continue
            addition = words["deadline_given"].format(deadline=deadline.rstrip("。")) + "。"
        elif words["deadline_slot"] in scope:
            continue
        else:
            addition = words["deadline_slot"]
        paragraphs[where] += addition
        added = True
    return paragraphs, changes, added
