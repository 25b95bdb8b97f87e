"""The 范文 an item was drafted with, as comments (批注) on that item: shown for reference, never pasted in.

Offline and model drafts alike carry them, so a user sees what the passage retrieval found (and what a model
was shown) beside the paragraph it informed. The offline notice rides on the title the same way.
"""

from __future__ import annotations

from pipeline.core.resources import lexicon
from pipeline.draft.pending import gave_up_reason
from pipeline.draft.plan import Outline
from pipeline.material.document import Note


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _anchor(key: str, role: str) -> str:
    """Items of problems/causes/measures are anchored to themselves; single-item sections to the section."""
    return key if role in ("problems", "causes", "measures") else role


def reference_notes(outline: Outline, hits: dict[str, list], notice: str = "", drafts: dict | None = None) -> list[Note]:
    """One note per retrieved passage, in outline order; `notice` (if any) on the title first; on an item the
    model could not write, why (never text of the material)."""
    words = lexicon("composer")
    notes = [Note(anchor="title", text=notice)] if notice else []
    for item in outline.items():
        drafted = (drafts or {}).get(item.key)
        why = gave_up_reason(drafted.flags, drafted.copy_rate) if drafted is not None else ""
        if why:
            notes.append(Note(anchor=_anchor(item.key, item.role), text=why))
        for hit in hits.get(item.key, []):
            title = getattr(hit, "title", "") or getattr(hit, "source", "")
            heading = (getattr(hit, "heading", "") or words["note_parts"].get(item.role, "")).rstrip("。")
            text = words["note_reference"].format(title=title, heading=heading,
                                                  text=_shorten(hit.text, words["note_max_chars"]))
            notes.append(Note(anchor=_anchor(item.key, item.role), text=text))
    return notes
