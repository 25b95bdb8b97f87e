"""A measure says the unit's own measure, owner and time limit: what the model left out is added in the unit's
words, what it made up is put back, and a measure never silently loses its 责任人 / 完成时限 slot.

Runs on each answer of a measures item before the guard judges it: sentences that are only a slot the model
copied from the instruction (【待补：责任人】。) go; a slot for a value the unit did give is filled with it; an
invented time limit becomes the unit's own or the slot (draft/deadlines.py); then each problem's measure, owner
and time limit are added where the answer does not say them (措施 verbatim, 责任人：…, 完成时限：…, or the slot).
Invented owners are replaced later, with the other additions (pending.replace_owners).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pydantic import BaseModel

from pipeline.core.resources import lexicon
from pipeline.draft.clean import sentences
from pipeline.draft.deadlines import replace_deadlines
from pipeline.draft.pending import MIN_CHARS, drop_bare_slots
from pipeline.draft.plan import OutlineItem
from pipeline.text.deadlines import core
from pipeline.text.facts import fact_present
from pipeline.text.owners import named_owners, swap_invented_owners

_CJK = re.compile(r"[\u4e00-\u9fff]")
_RUN = 4  # characters a paragraph shares with a problem or its measure to be about it
_SHARE = 0.3  # of the unit's measure's runs a sentence (with the one before) shares to be about that measure


class Settled(BaseModel):
    paragraphs: list[str]
    changed: list[tuple[str, str]] = []  # (the model's time limit, what was put in its place)
    owners: list[tuple[str, str]] = []  # (an owner the model made up, the unit's own put in its place)
    added: list[str] = []  # what was added: measure / owner / deadline
    bare_slots: int = 0


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("additions")


def _grams(text: str) -> set[str]:
    chars = "".join(_CJK.findall(text))
    return {chars[i:i + _RUN] for i in range(len(chars) - _RUN + 1)}


def _answering(paragraphs: Sequence[str], details: Sequence[dict]) -> list[int | None]:
    """Which problem (detail) each paragraph answers: the one whose words it shares most; by position when the
    model wrote one paragraph per problem and the words do not tell; None when nothing tells."""
    if len(details) == 1:
        return [0] * len(paragraphs)
    keys = [_grams(d.get("problem", "") + d.get("measure", "")) for d in details]
    found: list[int | None] = []
    for index, paragraph in enumerate(paragraphs):
        scores = [len(_grams(paragraph) & key) for key in keys]
        best = max(scores, default=0)
        if best and scores.count(best) == 1:
            found.append(scores.index(best))
        else:
            found.append(index if len(paragraphs) == len(details) else None)
    return found


def _value(answering: int | None, details: Sequence[dict], key: str) -> str:
    if answering is not None:
        return details[answering].get(key, "").strip()
    shared = {d.get(key, "").strip() for d in details}
    return shared.pop() if len(shared) == 1 else ""


def _says_a_measure(paragraphs: Sequence[str]) -> bool:
    """Something besides slots and the labels of an owner or time limit."""
    labels = "|".join(map(re.escape, lexicon("clean")["field_labels"]))
    rest = re.sub(rf"(?:{labels})(?:为|是)?[：:]", "", re.sub(r"【[^【】]*】", "", "".join(paragraphs)))
    return len(_CJK.findall(rest)) >= MIN_CHARS


def _canonical_slots(text: str) -> str:
    """A model's own slot after an owner or time-limit label (责任人：【待补】, 完成时限：【待补：时间】) is the pipeline's,
    and a slot used as such a label is the label."""
    words = _words()
    # The slot used as a label (【待补：责任人】：社区工作人员) is the label: what follows is checked as the model's.
    text = re.sub(r"【待补[：:]((?:责任人|完成时限))】[：:]\s*(?=[^【\s])", r"\1：", text)
    text = re.sub(r"((?:责任人|负责人)[：:]\s*)【待补[^【】]{0,10}】", lambda m: m.group(1) + words["owner_slot"], text)
    return re.sub(r"((?:完成)?时限[：:]\s*)【待补[^【】]{0,10}】", lambda m: m.group(1) + words["deadline_slot"], text)


def settle_measures(paragraphs: Sequence[str], item: OutlineItem, self_name: str = "") -> Settled:
    """A measures item's paragraphs with the unit's own measure, owner and time limit; other items as they are.
    `self_name`: the body (班子), which a measure may name as its owner."""
    details = [d for d in item.details if d.get("problem")]
    if item.role != "measures" or not details:
        return Settled(paragraphs=list(paragraphs))
    words = _words()
    paragraphs, bare = drop_bare_slots([_canonical_slots(p) for p in paragraphs])
    if paragraphs and not _says_a_measure(paragraphs):  # 责任人：【待补：责任人】。完成时限：【待补：完成时限】。
        paragraphs, bare = [], bare + 1
    if not paragraphs:
        if not all(d.get("measure", "").strip() for d in details):
            return Settled(paragraphs=[], bare_slots=bare)
        # Nothing usable, but the unit wrote every measure itself: the item says them in its own words.
        paragraphs = [""] * len(details)
    allowed = "\n".join([*item.own(), *item.facts, *item.problems])
    answering = _answering(paragraphs, details)
    changed: list[tuple[str, str]] = []
    owners: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, number in enumerate(answering):
        own = _grams(_value(number, details, "measure"))
        out, previous = [], ""
        for sentence in sentences(_canonical_slots(paragraphs[index])):
            if sentence in seen:  # the model's list repeated (责任人：【待补】。 five times)
                continue
            seen.add(sentence)
            # The unit's owner and time limit belong to the unit's measure: a measure the model added on its own
            # (a sentence sharing little with the unit's, with the one before it) gets the slots instead.
            ours = not own or len(_grams(previous + sentence) & own) >= max(2, _SHARE * len(own))
            owner = _value(number, details, "owner") if ours else ""
            if owner:  # the model left the slot for an owner the unit did name, or named another
                sentence = sentence.replace(words["owner_slot"], owner)
                sentence, others = swap_invented_owners(sentence, allowed, owner, self_name)
                owners += [(other, owner) for other in others]
            sentence, replaced = replace_deadlines(sentence, _value(number, details, "deadline") if ours else "",
                                                   allowed)
            changed += replaced
            out.append(sentence)
            previous = sentence
        paragraphs[index] = "".join(out)
    added: list[str] = []
    for number, detail in enumerate(details):
        mine = [i for i, n in enumerate(answering) if n == number]
        scope = "".join(paragraphs[i] for i in mine) if mine else "".join(paragraphs)
        addition = ""
        measure = detail.get("measure", "").strip().rstrip("。；;，,")
        if measure and not fact_present(measure, scope):
            addition += measure + "。"
            added.append("measure")
        owner = detail.get("owner", "").strip()
        if owner and owner not in scope:
            addition += words["owner_given"].format(owner=owner) + "。"
            added.append("owner")
        elif not owner and words["owner_slot"] not in scope and not named_owners(scope):
            addition += words["owner_slot"]
            added.append("owner")
        deadline = detail.get("deadline", "").strip().rstrip("。")
        if deadline and core(deadline) not in scope and deadline not in scope:
            addition += words["deadline_given"].format(deadline=deadline) + "。"
            added.append("deadline")
        elif not deadline and words["deadline_slot"] not in scope:
            addition += words["deadline_slot"]
            added.append("deadline")
        if addition:
            where = mine[-1] if mine else len(paragraphs) - 1
            paragraphs[where] += addition
    return Settled(paragraphs=paragraphs, changed=changed, owners=owners, added=list(dict.fromkeys(added)),
                   bare_slots=bare)
