"""Draft a whole meeting from one meeting file: the 班子 material, every member's personal material and
相互批评意见, the 整改清单 (.xlsx and .docx), and an index with every file's check result.

All documents are drafted concurrently through the same cached item drafting as a profile; nothing final is
written until every document is drafted and checked, then all files land at once in one folder per meeting.
"""

from __future__ import annotations

import asyncio
import time
from io import BytesIO
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict

from pipeline.core.atomic import ensure_dir, write_atomic
from pipeline.core.errors import OutputError, PipelineError
from pipeline.core.owned import OwnedFiles
from pipeline.core.resources import lexicon
from pipeline.material.document import Document, count_chars, render
from pipeline.material.meeting import MeetingFile, group_profile, load_meeting, meeting_label, member_profile
from pipeline.material.meeting_docs import criticism_sheet, ledger_header, ledger_rows, ledger_title
from pipeline.material.parse import ParseResult
from pipeline.material.specs import MeetingSpec
from pipeline.review.content import check_content
from pipeline.review.meeting_rules import (check_criticisms, check_ledger, check_personal, corpus_finding,
                                           pair_findings, pairwise_copy)
from pipeline.review.structure import Finding, check_structure
from pipeline.run.runner import DraftOptions, Progress, UnitJob, UnitResult, safe_name


class MeetingDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str  # group | personal | criticism | ledger_xlsx | ledger_docx
    name: str
    files: list[str] = []
    errors: int = 0
    warnings: int = 0
    chars: int = 0
    findings: list[Finding] = []

    @property
    def ok(self) -> bool:
        return self.errors == 0


class MeetingResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meeting: str
    spec: str
    folder: str
    system: str
    documents: list[MeetingDocument]
    max_pair_copy: float = 0.0
    max_pair: list[str] = []
    seconds: float = 0.0
    units: list[UnitResult] = []  # one row per drafted material, for the summary table

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.documents)


def _folder(meeting: MeetingFile, spec: MeetingSpec, outdir: Path) -> Path:
    year = meeting.meeting.year or spec.year or ""
    return outdir / safe_name(f"{meeting.unit.name}{year}年{spec.meeting}")


def mandated_wording(spec: MeetingSpec, documents: list[Document]) -> list[str]:
    """Wording every material must carry: the meeting's name, aspects, spec measures and the headings."""
    words = [spec.name, spec.meeting, *spec.aspect_names(), *(a.measure for a in spec.aspects), *(n for a in spec.aspects for n in a.aliases)]
    for document in documents:
        for section in document.sections:
            words.append(section.heading)
            words += [item.heading for item in section.items]
    return [w for w in words if w]


def _check(document: Document, spec: MeetingSpec, corpus, facts: list[str], personal: bool) -> list[Finding]:
    report = check_structure(ParseResult(document=document, source=document.title), spec)
    content = check_content(document, spec, corpus, None, facts)
    findings = report.findings + content.findings
    if personal:
        findings += check_personal(document)
    rate = content.metrics.get("copy_rate", 0.0)
    longest = content.metrics.get("copy_longest") or {}
    return findings + corpus_finding(rate, longest.get("source", ""))


def _summary(kind: str, name: str, files: list[Path], findings: list[Finding], chars: int = 0) -> MeetingDocument:
    return MeetingDocument(kind=kind, name=name, files=[p.name for p in files], chars=chars, findings=findings,
                           errors=sum(f.severity == "error" for f in findings),
                           warnings=sum(f.severity == "warning" for f in findings))


def render_index(title: str, documents: list[MeetingDocument], pairs) -> str:
    words = lexicon("meeting")["index"]
    lines = [f"# {title}", "", f"| {words['files']} | {words['kind']} | {words['result']} |", "| --- | --- | --- |"]
    for doc in documents:
        verdict = words["ok" if doc.ok else "failed"].format(errors=doc.errors, warnings=doc.warnings)
        lines.append(f"| {'<br>'.join(doc.files)} | {words['kinds'][doc.kind]} | {verdict} |")
    if pairs:
        top = pairs[0]
        limit = lexicon("meeting")["checks"]["pair_copy_limit"]
        lines += ["", words["copy"].format(rate=top.rate, a=top.a, b=top.b, limit=limit)]
    for doc in documents:
        flagged = [f for f in doc.findings if f.severity == "error"]
        if flagged:
            lines += ["", f"## {doc.name}", *(f"- {f.location + '：' if f.location else ''}{f.message}" for f in flagged)]
    return "\n".join(lines) + "\n"


async def draft_meeting(path: Path, options: DraftOptions, drafter_factory, retriever_factory,
                        corpus_loader: Callable[[], object] | None = None,
                        progress: Progress | None = None) -> MeetingResult:
    """Draft and check every document of the meeting in `path`; write them into one folder under options.outdir."""
    progress = progress or (lambda *args: None)
    started = time.monotonic()
    meeting, spec = load_meeting(path)  # a bad file stops here: nothing is written
    group = group_profile(meeting, spec, path)
    folder = _folder(meeting, spec, options.outdir)
    job_options = options.model_copy(update={"outdir": folder})
    group_job = UnitJob(path, job_options, drafter_factory, profile=group, spec=spec,
                        name=lexicon("meeting")["index"]["kinds"]["group"])
    member_jobs = [UnitJob(path, job_options, drafter_factory, profile=member_profile(meeting, m, spec), spec=spec,
                           voice="personal", name=f"{lexicon('meeting')['index']['kinds']['personal']}-{m.name}")
                   for m in meeting.members]
    jobs = [group_job, *member_jobs]
    sheets = {m.name: criticism_sheet(meeting, m, spec) for m in meeting.members}
    sheet_paths = {name: folder / f"{safe_name(lexicon('meeting')['index']['kinds']['criticism'])}-{name}"
                   for name in sheets}
    ledger_paths = [folder / "整改清单.xlsx", folder / "整改清单.docx"]
    index_path = folder / "index.md"
    targets = [p for job in jobs for p in job.targets.values()] + ledger_paths + [index_path]
    targets += [p.with_suffix(ext) for p in sheet_paths.values() for ext in (".md", ".docx")]
    existing = [p for p in targets if p.exists()]
    if existing and not options.force:
        raise OutputError(f"会议材料已存在，未覆盖：{existing[0]}（确需重写请加 --force）", code="exists")
    # --force replaces what duizhao wrote, never a file the user made or edited since.
    OwnedFiles(folder).clear_for(existing, "会议目录", remove_others=False)

    ensure_dir(folder)
    retriever = retriever_factory()
    for job in jobs:
        job.retriever = retriever
        progress("planned", job.name, "", str(len(job.outline.items())))
    semaphore = asyncio.Semaphore(max(1, options.concurrency))
    outcomes = await asyncio.gather(*(job.build(semaphore, progress) for job in jobs), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        first = failures[0]
        if isinstance(first, PipelineError):
            raise type(first)(f"{len(failures)} 份材料起草失败（已完成的段落已缓存，重新运行即可续做）：{first}", code=first.code)
        raise first

    corpus = corpus_loader() if corpus_loader else None
    files: dict[Path, bytes] = {}
    documents: list[MeetingDocument] = []
    materials = {job.name: job.document for job in jobs}
    mandated = mandated_wording(spec, list(materials.values()))
    # The body only: title, banner and signature are the same by design in every member's material.
    personal_texts = {m.name: render(job.document.model_copy(update={"title": "", "notice": "", "signature": []}))
                      for m, job in zip(meeting.members, member_jobs)}
    pairs = pairwise_copy(personal_texts, mandated)
    for job, (unit, job_files) in zip(jobs, outcomes):
        personal = job is not group_job
        findings = _check(job.document, spec, corpus, job.profile.all_facts(), personal)
        if personal:
            findings += pair_findings(job.profile.unit.name, pairs)
        files.update(job_files)
        doc = _summary("personal" if personal else "group", job.name, list(job_files), findings,
                       count_chars(render(job.document)))
        documents.append(doc)
        unit.ok, unit.errors, unit.warnings = doc.ok, doc.errors, doc.warnings
        unit.unit = job.name

    from pipeline.export.docx import build_docx

    for name, sheet in sheets.items():
        buffer = BytesIO()
        build_docx(sheet, layout=options.layout).save(buffer)
        md, docx = sheet_paths[name].with_suffix(".md"), sheet_paths[name].with_suffix(".docx")
        files[md], files[docx] = render(sheet, markdown=True).encode("utf-8"), buffer.getvalue()
        documents.append(_summary("criticism", sheets[name].title, [md, docx], check_criticisms(sheet),
                                  count_chars(render(sheet))))

    from pipeline.export.ledger import ledger_docx, ledger_xlsx

    rows = ledger_rows(meeting, group, spec)
    title = ledger_title(meeting, spec)
    files[ledger_paths[0]] = ledger_xlsx(title, ledger_header(), rows)
    files[ledger_paths[1]] = ledger_docx(title, ledger_header(), rows, options.layout)
    who = lexicon("meeting")["ledger"]["group"]
    problems = [(who, p.problem) for _, p in _all(group.aspects)]
    problems += [(m.name, p.problem) for m in meeting.members for _, p in m.problems()]
    ledger_findings = check_ledger(rows, problems)
    documents.append(_summary("ledger_xlsx", title, ledger_paths[:1], ledger_findings))
    documents.append(_summary("ledger_docx", title, ledger_paths[1:], ledger_findings))

    index_title = lexicon("meeting")["titles"]["index"].format(unit=meeting.unit.name, meeting=meeting_label(meeting, spec))
    files[index_path] = render_index(index_title, documents, pairs).encode("utf-8")
    write_atomic(files)
    OwnedFiles(folder).record(list(files))
    units = [unit for unit, _ in outcomes]
    return MeetingResult(meeting=str(path), spec=spec.id, folder=str(folder), system=group_job.drafter.system,
                         documents=documents, max_pair_copy=round(pairs[0].rate, 4) if pairs else 0.0,
                         max_pair=[pairs[0].a, pairs[0].b] if pairs else [], units=units,
                         seconds=round(time.monotonic() - started, 2))


def _all(aspects: dict) -> list:
    return [(aspect, p) for aspect, problems in aspects.items() for p in problems]


def draft_meeting_file(path: Path, options: DraftOptions, settings, progress: Progress | None = None,
                       on_ingest: Callable[[int, int], None] | None = None) -> MeetingResult:
    """Draft a meeting with the real model/store built from settings (the CLI's entry point)."""
    from pipeline.draft.factory import drafter_factory, retriever_factory
    from pipeline.review.copyrate import load_corpus

    return asyncio.run(draft_meeting(path, options, drafter_factory(settings), retriever_factory(settings, on_ingest),
                                     corpus_loader=lambda: load_corpus(None), progress=progress))
