"""What a meeting is drafted from: a meeting file's path, or a meeting already loaded in memory (an upload's bytes
or the workbench's form, read by run/inputs.py), and the digest a rerun is recognised by.

The digest is of the meeting's content, not of a file's bytes: the same meeting drafted from a file or from memory
is the same meeting, and a comment or a key order changed in the file is no change. The files read beside it (last
year's material, the kept ledger) count by their bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel

from pipeline.core.errors import InputError
from pipeline.material.meeting import MeetingFile, load_meeting
from pipeline.material.profile import Profile
from pipeline.material.specs import MeetingSpec
from pipeline.run.inputs import Loaded

MeetingSource = Path | str | Loaded | tuple[MeetingFile, MeetingSpec]
_NAMED_FILES = ("profile", "last_year_file", "ledger_file")


def read_source(source: MeetingSource) -> tuple[Path | None, MeetingFile, MeetingSpec]:
    """The meeting file at a path, read and checked here; or a meeting already loaded and checked in memory
    (run/inputs' `Loaded` for an upload's bytes, or (meeting, spec) for a form): then no path."""
    if isinstance(source, (str, Path)):
        return Path(source), *load_meeting(source)
    if isinstance(source, Loaded):
        if source.meeting is None:
            raise InputError("这是单位资料，不是会议文件（没有列出班子成员）")
        meeting, spec = source.meeting, source.spec
    else:
        meeting, spec = source
    # A meeting in memory has no folder: a file it names is never looked for relative to anywhere.
    for key in _NAMED_FILES:
        if getattr(meeting, key, None):
            raise InputError(f"会议资料中的 {key}: {getattr(meeting, key)} 指向另一个文件，这里读不到它："
                             "请把其中的内容直接写进会议资料")
    return None, meeting, spec


def digest(*models: BaseModel) -> str:
    """Canonical JSON of the models, hashed: the same content gives the same digest however it was written."""
    text = json.dumps([m.model_dump(mode="json") for m in models], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def last_year_files(meeting: MeetingFile, group: Profile, where: Path, material: Path | None,
                    ledger: Path | None) -> dict[str, Path | None]:
    """Last year's material and the kept ledger a meeting's draft reads: the ones given (--last-year, --ledger),
    else those the 班子's part names, found where run/last_year.py finds them."""
    base = (where.parent / meeting.profile).parent if meeting.profile else where.parent
    named = {key: base / getattr(group, f"{key}_file") if getattr(group, f"{key}_file") else None
             for key in ("last_year", "ledger")}
    return {"last_year": material or named["last_year"], "ledger": ledger or named["ledger"]}
