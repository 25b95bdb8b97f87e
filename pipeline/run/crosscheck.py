"""Cross-draft 查重 of a batch: each new draft against the others and the earlier drafts in the output folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.review.crossdraft import DraftText, cross_check, earlier_drafts

if TYPE_CHECKING:  # the runner's types; the runner imports this module
    from pipeline.run.runner import UnitJob, UnitResult


def compare_drafts(jobs: list[UnitJob], results: list[UnitResult], outdir: Path) -> None:
    """Cross-draft 查重 of the batch: each new draft against the others and the earlier drafts in `outdir`;
    what is found joins the unit's result (and its error and warning counts)."""
    done = [job for job in jobs if job.document is not None]
    if not done:
        return
    names = {job.targets["md"].name: job for job in done}
    drafts = [DraftText(name, job.document, job.spec) for name, job in names.items()]
    earlier = earlier_drafts(outdir, set(names))
    if len(drafts) + len(earlier) < 2:
        return
    by_profile = {r.profile: r for r in results}
    for cross in cross_check(drafts, earlier):
        result = by_profile.get(str(names[cross.draft].path))
        if result is None:
            continue
        result.cross_copy = cross
        result.errors += sum(f.severity == "error" for f in cross.findings)
        result.warnings += sum(f.severity == "warning" for f in cross.findings)
        result.ok = result.ok and result.errors == 0
