"""The 范文 an item was drafted with, as comments (批注) on that item: shown for reference, never pasted in.

Offline and model drafts alike carry them, so a user sees what the passage retrieval found (and what a model
was shown) beside the paragraph it informed. The offline notice rides on the title the same way. A comment is
what a clerk can read as an example: the 范文's own title (never its file name), the passage cleaned of scrape
noise (XX党支部, **, paywall markers), and only a passage of the same kind of part and the same aspect — one that
speaks of another campaign (肃清流毒 in a 2025年度 meeting) is not attached.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.core.resources import data_dir, lexicon
from pipeline.corpus.passages import read_manifest
from pipeline.draft.pending import gave_up_reason
from pipeline.draft.plan import Outline, OutlineItem
from pipeline.material.document import Note
from pipeline.material.scrub import scrub

# A file named by its content hash (003_2a6d75f4afb75138.txt) says nothing to a reader.
_HASHED = re.compile(r"^\d*_?[0-9a-f]{12,}$")


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _anchor(key: str, role: str) -> str:
    """Items of problems/causes/measures are anchored to themselves; single-item sections to the section."""
    return key if role in ("problems", "causes", "measures") else role


@lru_cache(maxsize=1)
def _packaged_titles() -> dict[str, str]:
    return {name: entry.title for name, entry in read_manifest(data_dir("corpus")).items() if entry.title}


def reference_title(hit) -> str:
    """The 范文's title as people know it: its own, the packaged manifest's, else a file name that reads as one."""
    title = (getattr(hit, "title", "") or "").strip()
    source = getattr(hit, "source", "") or ""
    if title:
        return title
    if source in _packaged_titles():
        return _packaged_titles()[source]
    stem = source.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return "" if not stem or _HASHED.match(stem) else stem


def clean_reference(text: str) -> str:
    """A passage as a clerk should read it: scrape noise (paywall markers, pinyin, stray spaces) and the
    anonymisers' placeholders (XX党支部, 按**《…》) made readable."""
    text, _ = scrub(text)
    for rule in lexicon("composer")["note_placeholders"]:
        text = re.sub(rule["pattern"], rule["replace"], text)
    return text.strip()


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u3400-\u9fff]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def fits(hit, item: OutlineItem, outline: Outline) -> bool:
    """Same kind of part; for an aspect's item, that aspect (or one that shares its words); no other campaign."""
    words = lexicon("composer")
    text = getattr(hit, "text", "") + getattr(hit, "heading", "")
    title = reference_title(hit)
    if any(word in text and word not in outline.meeting + outline.title for word in words["note_topics"]) or \
            any(word in title and word not in outline.meeting + outline.title for word in words["note_title_topics"]):
        return False
    role = getattr(hit, "role", "") or item.role  # a passage of an old store without one: retrieval chose it
    if role != item.role:
        return False
    aspect = getattr(hit, "aspect", "") or ""
    if item.aspect and aspect and aspect != item.aspect:
        # Another spec's aspect: it fits when the two names share a word (廉洁纪律 ~ 廉洁自律), not a frame.
        generic = set().union(*(_bigrams(w) for w in words["note_generic_words"]))
        return bool((_bigrams(item.aspect) & _bigrams(aspect)) - generic)
    return True


def _same_root(item: OutlineItem, hits: list) -> list:
    """For a root of the causes, the passages whose heading names that root (理想信念 …), when there are any."""
    root = next((r for r in lexicon("composer")["causes"]["roots"] if r["id"] == item.hint), None)
    if item.role != "causes" or root is None:
        return hits
    words = [root["name"], *root["keywords"]]
    named = [h for h in hits if any(w in (getattr(h, "heading", "") or "") for w in words)]
    return named or hits


def reference_notes(outline: Outline, hits: dict[str, list], notice: str = "", drafts: dict | None = None) -> list[Note]:
    """One note per fitting retrieved passage, in outline order; `notice` (if any) on the title first; on an item
    the model could not write, why (never text of the material)."""
    words = lexicon("composer")
    notes = [Note(anchor="title", text=notice)] if notice else []
    for item in outline.items():
        drafted = (drafts or {}).get(item.key)
        why = gave_up_reason(drafted.flags, drafted.copy_rate) if drafted is not None else ""
        if why:
            notes.append(Note(anchor=_anchor(item.key, item.role), text=why))
        for hit in _same_root(item, [h for h in hits.get(item.key, []) if fits(h, item, outline)]):
            text = clean_reference(hit.text)
            if not text:
                continue
            heading = clean_reference(getattr(hit, "heading", "") or "") or words["note_parts"].get(item.role, "")
            title = reference_title(hit)
            template = words["note_reference" if title else "note_reference_untitled"]
            notes.append(Note(anchor=_anchor(item.key, item.role),
                              text=template.format(title=title, heading=heading.rstrip("。"),
                                                   text=_shorten(text, words["note_max_chars"]))))
    return notes
