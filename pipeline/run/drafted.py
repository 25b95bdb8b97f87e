"""A drafted material read back from the record the runner wrote beside it (its .json), for whoever lists, opens or
serves it: the document, the profile it was drafted from, the drafter; the clerk's edited text rendered again as
Word (with the draft's comments) or Markdown; whether sentences in it were confirmed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.material.document import Document
from pipeline.material.profile import Profile
from pipeline.run.inputs import spec_of
from pipeline.run.output import docx_bytes, document_from_text, markdown_text, with_notes


@dataclass
class Material:
    document: Document
    profile: Profile
    system: str


def _record(path: Path) -> dict:
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(record, dict):
        raise ValueError("not a record")
    return record


def open_material(record: Path) -> Material:
    """The material whose record is `record` (a 班子's or a member's, not a sheet or a ledger)."""
    try:
        saved = _record(record)
        return Material(Document.model_validate(saved["document"]), Profile.model_validate(saved["profile"]),
                        str(saved.get("system", "")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"无法打开这份材料：{Path(record).name}") from exc


def edited_file(path: Path, text: str) -> bytes:
    """The drafted .md or .docx at `path` as the clerk's edited `text` now reads, with the draft's comments."""
    material = open_material(path.with_suffix(".json"))
    edited = document_from_text(text, spec_of(material.profile.meeting.spec))
    if path.suffix == ".md":
        return markdown_text(edited).encode("utf-8")
    return docx_bytes(with_notes(edited, [n.model_dump() for n in material.document.notes]))


def has_confirmed(record: Path) -> bool:
    """Whether the unit confirmed (本单位确认) any sentence of the draft recorded in `record`."""
    try:
        items = _record(record).get("items") or []
        return any(isinstance(s, dict) and s.get("confirmed") for i in items if isinstance(i, dict)
                   for s in i.get("sentences") or [])
    except (OSError, ValueError, AttributeError):
        return False
