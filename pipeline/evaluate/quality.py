"""Batch quality run: draft every profile with each system and measure each draft with the check.

One row per profile × system: structure, copy rate, specificity, facts covered, S_l, length and time.
Drafts are made afresh (no item cache) unless asked, so seconds are real drafting time.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError, OutputError, PipelineError
from pipeline.evaluate.compare import DraftInput, MeasureOptions, measure_file, resolve_spec
from pipeline.run.runner import DraftOptions, UnitResult, draft_all, profile_paths
from pipeline.models.embed import embed_texts
from pipeline.draft import factory  # the one place real models are built (tests patch it there)

SYSTEMS = ("offline", "model")


class QualityRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: str
    unit: str = ""
    spec: str = ""
    system: str
    structure_ok: bool | None = None
    errors: int | None = None
    warnings: int | None = None
    copy_rate: float | None = None
    specificity: float | None = None
    facts_covered: int | None = None
    facts_total: int | None = None
    length_score: float | None = None
    chars: int | None = None
    seconds: float | None = None
    tokens: int | None = None
    output: str = ""
    error: str | None = None


class QualityRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rows: list[QualityRow] = []
    notes: list[str] = []


def parse_systems(text: str) -> list[str]:
    systems = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown or not systems:
        raise InputError(f"未知的起草方式：{'、'.join(unknown) or '（空）'}（可选 {', '.join(SYSTEMS)}）")
    return list(dict.fromkeys(systems))


def measure_draft(result, profile: Path) -> QualityRow:
    """The check's numbers for one drafted unit (its .json record), as `duizhao check --profile` gives them."""

    row = QualityRow(profile=Path(result.profile).name, unit=result.unit, spec=result.spec, system=result.system,
                     seconds=result.seconds, tokens=result.tokens)
    if result.error:
        row.error = result.error
        return row
    record = next(Path(p) for p in result.outputs if p.endswith(".json"))
    options = MeasureOptions(profile=profile)
    metrics, _ = measure_file(DraftInput(label=result.system, path=record), options, resolve_spec(options, record))
    row.output = str(record)
    row.structure_ok, row.errors, row.warnings = metrics.structure_ok, metrics.structure_errors, metrics.warnings
    row.copy_rate, row.specificity, row.length_score = metrics.copy_rate, metrics.specificity, metrics.length_score
    row.facts_covered, row.facts_total, row.chars = metrics.facts_covered, metrics.facts_total, metrics.chars
    return row


async def quality_all(paths: list[Path], systems: dict[str, Callable[[], object]], retriever_factory,
                      outdir: Path, use_cache: bool = False, progress=None) -> list[QualityRow]:
    """Draft `paths` with each named drafter factory, into outdir/<system>/, and measure every draft."""

    profiles = profile_paths(paths)
    retriever = None

    def shared_retriever():
        nonlocal retriever
        if retriever is None:
            retriever = retriever_factory()
        return retriever


    # Opening the store (a first ingest) and loading the embedding model are not drafting time.
    embed_texts(shared_retriever().embedder, ["预热"])
    rows = []
    for name, factory in systems.items():
        options = DraftOptions(outdir=outdir / name, force=True, use_cache=use_cache, docx=False)
        # Progress per system: the same unit is drafted once by each.
        tagged = (lambda event, unit, key, role, name=name: progress(event, f"{name} · {unit}", key, role)) if progress else None
        # One unit at a time, so that each unit's seconds are its own drafting time.
        for profile in profiles:
            try:
                [result] = await draft_all([profile], options, factory, shared_retriever, tagged)
            except PipelineError as exc:  # a single profile's failure is raised, not returned: keep it as a row
                result = UnitResult(profile=str(profile), error=str(exc), error_code=exc.code)
            result.system = result.system or name
            rows.append(measure_draft(result, profile))
    return rows


def quality_files(paths: list[Path], systems: list[str], outdir: Path, settings, use_cache: bool = False,
                  progress=None) -> QualityRun:
    """The real drafters and store from settings; the model system is skipped when no endpoint is configured."""

    run = QualityRun()
    factories: dict[str, Callable[[], object]] = {}
    for system in systems:
        if system == "offline":
            factories["offline"] = factory.drafter_factory(settings.model_copy(update={"offline": True}))
        elif factory.use_model(settings):
            factories["model"] = factory.drafter_factory(settings)
        else:
            run.notes.append("未配置大模型接口（OPENAI_BASE_URL / OPENAI_API_KEY），已跳过 model")
    if factories:
        run.rows = asyncio.run(quality_all(paths, factories, factory.retriever_factory(settings), outdir, use_cache, progress))
    return run


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_quality(run: QualityRun, outdir: Path) -> list[Path]:
    """quality.csv (UTF-8 with BOM, for Excel) and quality.json in outdir."""
    fields = list(QualityRow.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for row in run.rows:
        writer.writerow([_cell(getattr(row, f)) for f in fields])
    targets = {outdir / "quality.csv": "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8"),
               outdir / "quality.json": json.dumps(run.model_dump(), ensure_ascii=False, indent=1).encode("utf-8")}
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for path, data in targets.items():
            path.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"无法写入评测结果 {outdir}：{exc.strerror or exc}") from exc
    return list(targets)
