"""A county's review in one call: every material in a folder (.docx/.md/.txt, any mix of units and kinds) checked
by its kind, the 雷同 matrix across all of them, and one workbook (a row per material, the 雷同 pairs)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.atomic import write_atomic
from pipeline.core.errors import InputError, PipelineError
from pipeline.core.resources import lexicon
from pipeline.export.review_sheet import review_xlsx
from pipeline.material.load import load_document
from pipeline.review.check import CheckOptions, check_file
from pipeline.review.copyrate import load_corpus
from pipeline.review.kinds import kind_of
from pipeline.review.matrix import Material, copy_matrix, pairs
from pipeline.review.meeting_rules import pair_findings
from pipeline.review.reference import load_reference
from pipeline.review.structure import Finding, guess_spec
from pipeline.review.unsourced import mark_findings
from pipeline.material.sentences import mark_quote


class ReviewRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    unit: str = ""
    kind: str = ""
    errors: int = 0
    warnings: int = 0
    top_copy: float = 0.0
    copy_with: str = ""
    findings: list[Finding] = []


class ReviewResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    folder: str
    rows: list[ReviewRow]
    pairs: list[dict]  # a, b, rate, run
    seconds: float = 0.0


def _words() -> dict:
    return lexicon("review")


def materials_in(folder: Path, skip: Path | None = None) -> list[Path]:
    if not folder.is_dir():
        raise InputError(_words()["messages"]["no_folder"].format(folder=folder))
    found = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in _words()["extensions"]
                   and not p.name.startswith(("~$", ".")) and (skip is None or p.resolve() != skip.resolve()))
    if not found:
        raise InputError(_words()["messages"]["empty"].format(folder=folder))
    return found


def unit_of(title: str, signature: list[str], fallback: str) -> str:
    """Who the material is from: the title's words before the year (or 同志), else the signature's first line."""
    head = re.sub(r"\s+", "", title or "")
    for pattern in _words()["unit_from_title"]:
        match = re.search(pattern, head)
        if match and match.group(1).strip("“”"):
            return match.group(1)
    return signature[0] if signature else fallback


def _top(findings: list[Finding], count: int) -> str:
    ordered = [f for f in findings if f.severity == "error"] + [f for f in findings if f.severity == "warning"]
    return "\n".join(f"{'【错】' if f.severity == 'error' else '【警】'}{f.message}" for f in ordered[:count])


def review_folder(folder: str | Path, profile: Path | None = None, corpus: Path | None = None,
                  output: Path | None = None, final: bool = False) -> ReviewResult:
    """Check every material under `folder`; with `output`, write the workbook there."""
    started = time.monotonic()
    folder = Path(folder)
    paths = materials_in(folder, output)
    reference = load_reference(profile) if profile is not None else None
    copy_corpus = load_corpus(corpus)
    options = CheckOptions(profile=profile, corpus=corpus, final=final)
    rows, materials = [], []
    for path in paths:
        name = str(path.relative_to(folder))
        try:
            parsed = load_document(path, reference.spec if reference else None)
            report = check_file(path, options, corpus=copy_corpus, parsed=parsed, reference=reference)
        except PipelineError as exc:  # one unreadable file is a row saying so, not the end of the review
            rows.append(ReviewRow(file=name, kind=_words()["failed"], errors=1,
                                  findings=[Finding(code="unreadable", severity="error", message=str(exc))]))
            continue
        document = parsed.document
        kind = kind_of(document.title)  # the 雷同 matrix compares materials of one kind of shape
        rows.append(ReviewRow(file=name, unit=unit_of(document.title, document.signature, path.stem),
                              kind=report.metrics.get("kind", kind.name), findings=report.findings))
        materials.append(Material(name, document, reference.spec if reference else guess_spec(document),
                                  "examined" if kind.examined else kind.id))
    rates, runs = copy_matrix(materials)
    found = pairs(rates, runs, _words()["pair_floor"])
    # A shared run may be a sentence a model wrote unsupported (marked in its material): quoted, it keeps the mark.
    unsourced = [s for m in materials for s in m.document.unsourced]
    for row in rows:
        others = rates.get(row.file, {})
        mine = [p for p in found if row.file in (p.a, p.b)]
        if mine:
            row.top_copy = round(mine[0].rate, 4)
            row.copy_with = mine[0].b if mine[0].a == row.file else mine[0].a
        elif others:
            row.copy_with = max(others, key=others.get)
            row.top_copy = round(others[row.copy_with], 4)
        row.findings += mark_findings(pair_findings(row.file, mine), unsourced)
        row.errors = sum(f.severity == "error" for f in row.findings)
        row.warnings = sum(f.severity == "warning" for f in row.findings)
    result = ReviewResult(folder=str(folder), rows=rows, seconds=round(time.monotonic() - started, 2),
                          pairs=[{"a": p.a, "b": p.b, "rate": round(p.rate, 4), "run": mark_quote(p.run[:60], unsourced)} for p in found])
    if output is not None:
        write_review(result, Path(output))
    return result


def write_review(result: ReviewResult, output: Path) -> None:
    words = _words()
    limit = lexicon("meeting")["checks"]["pair_copy_limit"]
    rows = [[r.file, r.unit, r.kind, r.errors, r.warnings, r.top_copy, r.copy_with, _top(r.findings, words["top_findings"])]
            for r in result.rows]
    copies = [[p["a"], p["b"], p["rate"], words["over_limit"] if p["rate"] > limit else "", p["run"]]
              for p in result.pairs]
    write_atomic({output: review_xlsx(rows, copies)})
