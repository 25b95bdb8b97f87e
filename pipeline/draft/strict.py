"""Strict mode: a model sentence the unit's material does not support is dropped, not marked; where text went,
a 【待补：…】 says what was there, so the unit writes it from its own facts or deletes the line."""

from __future__ import annotations

from pipeline.core.resources import lexicon
from pipeline.draft.assemble import ItemDraft, unmark
from pipeline.material.sentences import Sentence, split_sentences


def _slot(dropped: list[str]) -> str:
    words = lexicon("provenance")
    start = "".join(dropped).strip()[: words["dropped_start"]]
    return words["dropped"].format(start=start)


def drop_unsourced(draft: ItemDraft) -> ItemDraft:
    """`draft` without its unconfirmed model sentences; each run of them becomes one 【待补】 slot."""
    if not any(s.source == "model" and not s.confirmed for s in draft.sentences):
        return draft
    queue = list(draft.sentences)
    paragraphs, record, removed = [], [], list(draft.removed)
    for paragraph in draft.paragraphs:
        kept, run = "", []
        for text in split_sentences(unmark(paragraph)):
            match = next((s for s in queue if s.text == text), None)
            if match is not None:
                queue.remove(match)
            if match is not None and match.source == "model" and not match.confirmed:
                run.append(text)
                removed.append(f"unsourced-dropped：{text}")
                continue
            if run:
                kept += _slot(run)
                record.append(Sentence(text=_slot(run), source="formula"))
                run = []
            kept += text
            if match is not None:
                record.append(match)
        if run:
            kept += _slot(run)
            record.append(Sentence(text=_slot(run), source="formula"))
        if kept.strip():
            paragraphs.append(kept)
    return draft.model_copy(update={"paragraphs": paragraphs, "sentences": record, "removed": removed,
                                    "flags": list(dict.fromkeys([*draft.flags, "unsourced-dropped"]))})
