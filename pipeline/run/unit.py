"""One unit drafted from a profile held in memory (the workbench's form): the runner's own job, its document and
the 范文 each part was drafted with handed back as objects, never read back from the runner's files."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.core.errors import InputError
from pipeline.material.document import Document
from pipeline.material.profile import Profile
from pipeline.material.specs import MeetingSpec
from pipeline.run.runner import DraftOptions, Progress, UnitJob, safe_name

__all__ = ["Drafted", "draft_unit", "safe_name"]

PASSAGE_CHARS = 400  # what a side panel shows of a 范文 passage


@dataclass
class Drafted:
    document: Document
    passages: dict  # {role: {"items": [[passage…] per item], "intro": [passage…]}}
    system: str
    unit: str


def _short(hits: list) -> list[dict]:
    return [{"source": getattr(h, "title", "") or h.source, "heading": h.heading, "text": h.text[:PASSAGE_CHARS]}
            for h in hits]


def passages_by_part(job: UnitJob) -> dict:
    found: dict = {}
    for section in job.outline.sections:
        keys = [item.key for item in section.items]
        entry = found.setdefault(section.role, {"items": [], "intro": []})
        if section.role in ("problems", "causes", "measures"):
            entry["items"] = [_short(job.hits.get(key, [])) for key in keys]
        elif keys:
            entry["intro"] = _short(job.hits.get(keys[0], []))
    return found


def draft_unit(profile: Profile, spec: MeetingSpec, outdir: Path, drafter_factory: Callable[[], object], retriever,
               progress: Progress | None = None, concurrency: int = 4) -> Drafted:
    """Draft one unit (items cached under `outdir` as they land); progress(event, unit, key, role)."""
    progress = progress or (lambda *args: None)
    options = DraftOptions(outdir=outdir, force=True, docx=False, concurrency=concurrency)
    job = UnitJob(outdir / "profile.yaml", options, drafter_factory, retriever, profile=profile, spec=spec)
    job.check_targets()
    progress("planned", job.name, "", str(len(job.outline.items())))
    result = asyncio.run(job.run(asyncio.Semaphore(max(1, concurrency)), progress))
    if result.error or job.document is None:
        raise InputError(result.error or "起草失败", code=result.error_code or "draft-failed")
    return Drafted(job.document, passages_by_part(job), result.system, result.unit)
