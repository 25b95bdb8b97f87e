"""Drafts read back from what the runner wrote, for whoever lists, opens, serves or prunes them: a material's
document, the profile it was drafted from and the drafter (from its .json record); the clerk's edited text rendered
again as Word (with the draft's comments) or Markdown; whether sentences in it were confirmed; the drafts an output
folder holds and the drafting caches that may go (made again as needed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.material.document import Document
from pipeline.material.profile import Profile
from pipeline.run.inputs import spec_of
from pipeline.run.output import docx_bytes, document_from_text, markdown_text, with_notes


WORK = ".duizhao"  # the runner's working folder in each output folder (run/runner.py)
OWNED = "files.json"  # in it, the list of the drafts duizhao wrote: what lets a new draft replace them


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


@dataclass
class Draft:
    key: Path  # a unit's .json record, or a meeting's folder
    files: list[Path]  # everything that goes with it
    time: float


def unit_drafts(outdir: Path) -> list[Draft]:
    """Each unit drafted into `outdir`: its record, the .md/.docx beside it and its stage files."""
    drafts = []
    for record in sorted(outdir.glob("*.json")) if outdir.is_dir() else []:
        files = [p for p in outdir.iterdir() if p.stem == record.stem and p.is_file()] + [outdir / WORK / record.stem]
        drafts.append(Draft(record, files, record.stat().st_mtime))
    return drafts


def meeting_drafts(outdir: Path) -> list[Draft]:
    """Each meeting drafted into `outdir`: its folder."""
    return [Draft(folder, [folder], folder.stat().st_mtime) for folder in sorted(outdir.iterdir())
            if folder.is_dir() and not folder.is_symlink() and folder.name != WORK] if outdir.is_dir() else []


def caches(root: Path) -> list[Path]:
    """The drafting caches under `root` (items cached by their input, stage files, rerun records): made again as
    needed. Never the list of what duizhao wrote, without which a new draft could not replace its own files."""
    return [p for work in sorted(root.rglob(WORK)) if work.is_dir() and not work.is_symlink()
            for p in work.iterdir() if p.name != OWNED]
