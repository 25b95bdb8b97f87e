"""Draft a whole meeting from one meeting file (or one already loaded in memory): the 班子 material, every
member's personal material and 相互批评意见, the 整改清单 (.xlsx and .docx), and an index with every file's check result.

All materials are drafted concurrently through the same cached item drafting as a profile; nothing final is
written until every document is drafted and checked, then all files land at once in one folder per meeting.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from io import BytesIO
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict

from pipeline.core.atomic import claim, ensure_dir, write_file
from pipeline.core.errors import OutputError, PipelineError
from pipeline.core.owned import OwnedFiles
from pipeline.core.resources import lexicon
from pipeline.export.docx import build_docx
from pipeline.export.ledger import ledger_docx, ledger_xlsx
from pipeline.material.document import Document, count_chars, render
from pipeline.material.meeting import MeetingFile, group_profile, meeting_label, member_profile
from pipeline.material.meeting_docs import criticism_sheet, ledger_header, ledger_title, meeting_ledger_rows
from pipeline.material.parse import ParseResult
from pipeline.material.profile import Profile
from pipeline.material.sentences import Sentence
from pipeline.material.specs import MeetingSpec
from pipeline.review.content import check_content
from pipeline.text.slots import without_slots
from pipeline.review.kind_rules import check_kind
from pipeline.review.kinds import kinds
from pipeline.review.meeting_rules import (PairCopy, check_ledger, check_personal, corpus_finding,
                                           pair_findings, pairwise_copy)
from pipeline.review.structure import Finding, check_structure
from pipeline.review.unsourced import check_unsourced, mark_findings
from pipeline.run.last_year import gather_meeting_last_year
from pipeline.run.meeting_source import MeetingSource, digest, file_digest, last_year_files, read_source
from pipeline.run.meeting_papers import paper_targets, write_papers
from pipeline.run.runner import DraftOptions, Progress, UnitJob, UnitResult, safe_name, write_outputs
from pipeline.draft import factory  # the one place real models are built (tests patch it there)
from pipeline.review.copyrate import load_corpus


class MeetingDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str  # group | personal | criticism | ledger_xlsx | ledger_docx | plan | form | talks | host | rectification | report
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
    units: list[UnitResult] = []  # one per drafted material: cached items, tokens, time
    done_before: bool = False  # a rerun of the same command: the materials were already written
    restored: list[str] = []  # files written again because they were missing
    kept: list[str] = []  # files the user changed since: left as they are

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.documents)


def _names() -> dict:
    return lexicon("meeting")["files"]


def _formula_words() -> list[str]:
    """The fixed words of the drafter's measure formulae (责任人：…, 完成时限：…): the same in every member's
    material by design, so two members given the same time limit are not 雷同 for it."""
    measures = lexicon("composer")["measures"]
    templates = [t for key in ("answer", "owner", "deadline") for t in measures[key]]
    return [part for t in templates for part in re.split(r"\{[a-z_]+\}", t) if len(part.strip("“”，、 ")) >= 3]


def mandated_wording(spec: MeetingSpec, documents: list[Document]) -> list[str]:
    """Wording every material must carry: the meeting's name, aspects (and aliases), spec measures, headings, and
    the drafter's measure formulae."""
    words = [spec.name, spec.meeting, *spec.aspect_names(), *_formula_words()]
    words += [a.measure for a in spec.aspects] + [alias for a in spec.aspects for alias in a.aliases]
    for document in documents:
        for section in document.sections:
            words += [section.heading, *(item.heading for item in section.items)]
    return [w for w in words if w]


def check_material(document: Document, spec: MeetingSpec, corpus, facts: list[str], personal: bool) -> list[Finding]:
    """Structure and content as `duizhao check` reads them, the personal rules, and 查重 vs 范文 ≤ the meeting's limit."""
    report = check_structure(ParseResult(document=document, source=document.title), spec)
    content = check_content(document, spec, corpus, None, facts)
    findings = report.findings + content.findings + (check_personal(document) if personal else [])
    longest = content.metrics.get("copy_longest") or {}
    findings += check_unsourced(document)  # each unsupported sentence, until confirmed or deleted
    findings += corpus_finding(content.metrics.get("copy_rate", 0.0), longest.get("source", ""))
    return mark_findings(findings, document.unsourced)  # a quote of such a sentence carries its mark


def _summary(kind: str, name: str, files: list[Path], findings: list[Finding], chars: int = 0) -> MeetingDocument:
    return MeetingDocument(kind=kind, name=name, files=[p.name for p in files], chars=chars, findings=findings,
                           errors=sum(f.severity == "error" for f in findings),
                           warnings=sum(f.severity == "warning" for f in findings))


def criticism_record(meeting: MeetingFile, name: str, sheet: Document) -> dict:
    """A 相互批评意见 sheet's record: every point is the member's own words (its path in the meeting file), the
    opening and the slots for a colleague not yet criticised are formulae. No model writes any of it."""
    index = next(n for n, m in enumerate(meeting.members) if m.name == name)
    member = meeting.members[index]
    others = [m for m in meeting.members if m.name != name]
    items = [{"key": "preamble-01", "role": "preamble", "system": "offline",
              "paragraphs": [p.text for s in sheet.sections[:1] for p in s.intro],
              "sentences": [Sentence(text=p.text, source="formula").model_dump()
                            for s in sheet.sections[:1] for p in s.intro]}]
    for number, (colleague, item) in enumerate(zip(others, sheet.sections[-1].items), 1):
        given = [p.strip() for p in member.criticisms.get(colleague.name, []) if p and p.strip()]
        sentences = []
        for point in item.points:
            at = next((k for k, text in enumerate(given) if text.rstrip("。；;，,") in point.text), None)
            sentences.append(Sentence(text=point.text, source="formula" if at is None else "unit",
                                      facts=[] if at is None else [f"members.{index}.criticisms.{colleague.name}.{at}"]))
        items.append({"key": f"criticism-{number:02d}", "role": "other", "system": "offline",
                      "paragraphs": [p.text for p in item.points],
                      "sentences": [s.model_dump() for s in sentences]})
    return {"document": sheet.model_dump(), "items": items, "system": "offline"}


def render_index(title: str, documents: list[MeetingDocument], pairs: list[PairCopy]) -> str:
    """One page: every file with its check result, the highest copy rate between members, the errors."""
    words = lexicon("meeting")["index"]
    lines = [f"# {title}", "", f"| {words['files']} | {words['kind']} | {words['result']} |", "| --- | --- | --- |"]
    for doc in documents:
        verdict = words["ok" if doc.ok else "failed"].format(errors=doc.errors, warnings=doc.warnings)
        lines.append(f"| {'<br>'.join(doc.files)} | {words['kinds'][doc.kind]} | {verdict} |")
    if pairs:
        limit = lexicon("meeting")["checks"]["pair_copy_limit"]
        lines += ["", words["copy"].format(rate=pairs[0].rate, a=pairs[0].a, b=pairs[0].b, limit=limit)]
    for doc in documents:
        flagged = [f for f in doc.findings if f.severity == "error"]
        if flagged:
            lines += ["", f"## {doc.name}", *(f"- {f.location + '：' if f.location else ''}{f.message}" for f in flagged)]
    return "\n".join(lines) + "\n"


def document_names(meeting: MeetingFile) -> list[str]:
    """The materials drafted for a meeting, by the names progress reports them under: the 班子's, then each member's."""
    names = _names()
    return [names["group"], *(names["personal"].format(name=m.name) for m in meeting.members)]


def meeting_folder(meeting: MeetingFile, spec: MeetingSpec, outdir: Path) -> Path:
    """The meeting's own folder under `outdir`: 青石镇领导班子2025年民主生活会."""
    year = meeting.meeting.year or spec.year or ""
    return outdir / safe_name(_names()["folder" if year else "folder_no_year"].format(
        unit=meeting.unit.name, year=year, meeting_kind=spec.meeting))


class MeetingJob:
    """One meeting: its jobs (班子 + members), its sheets, and every file it writes."""

    def __init__(self, source: MeetingSource, options: DraftOptions, drafter_factory):
        """From the meeting file at a path, or from a meeting already loaded and checked (in memory)."""
        self.options = options
        # A bad file stops here: nothing is written.
        path, self.meeting, self.spec = read_source(source)
        self.path = path
        where = path or Path(safe_name(self.meeting.unit.name))  # what results name the meeting by
        self.claims: dict = {}
        self.group: Profile = group_profile(self.meeting, self.spec, where)
        self.source = digest(self.meeting, self.spec, self.group)  # before last year is gathered into them
        self.read_files = last_year_files(self.meeting, self.group, where, options.last_year, options.ledger)
        self.meeting, self.group = gather_meeting_last_year(self.meeting, self.group, where, options.last_year,
                                                            options.ledger)
        names = _names()
        self.folder = meeting_folder(self.meeting, self.spec, options.outdir)
        job_options = options.model_copy(update={"outdir": self.folder})
        group_name, *member_names = document_names(self.meeting)
        self.group_job = UnitJob(where, job_options, drafter_factory, profile=self.group, spec=self.spec,
                                 name=group_name)
        self.member_jobs = [UnitJob(where, job_options, drafter_factory, voice="personal", spec=self.spec,
                                    profile=member_profile(self.meeting, m, self.spec), name=name)
                            for m, name in zip(self.meeting.members, member_names)]
        self.sheets = {m.name: criticism_sheet(self.meeting, m, self.spec) for m in self.meeting.members}
        self.sheet_paths = {name: self.folder / safe_name(names["criticism"].format(name=name)) for name in self.sheets}
        self.ledger_paths = [self.folder / f"{names['ledger']}.{ext}" for ext in ("xlsx", "docx")]
        self.index_path = self.folder / names["index"]

    @property
    def jobs(self) -> list[UnitJob]:
        return [self.group_job, *self.member_jobs]

    def targets(self) -> list[Path]:
        paths = [p for job in self.jobs for p in job.targets.values()] + self.ledger_paths + [self.index_path]
        paths += paper_targets(self.meeting, self.folder)
        return paths + [p.with_suffix(ext) for p in self.sheet_paths.values() for ext in (".md", ".json", ".docx")]

    def stamp(self) -> dict:
        """What the materials were drafted from: the meeting's content (from a file or from memory alike), the
        bytes of last year's material and ledger it read, the drafter, the options."""
        options = json.loads(self.options.model_dump_json(exclude={"force", "outdir", "concurrency"}))
        files = {key: file_digest(path) for key, path in self.read_files.items()}
        return {"meeting": self.source, "files": files, "system": self.group_job.drafter.system, "options": options}

    @property
    def record_path(self) -> Path:
        return self.folder / ".duizhao" / "meeting.json"

    def finished_before(self, stamp: dict) -> MeetingResult | None:
        """The result of an earlier run of the same command (same meeting, files read, drafter and options), or None."""
        try:
            record = json.loads(self.record_path.read_text(encoding="utf-8"))
            return MeetingResult.model_validate(record["result"]) if record.get("stamp") == stamp else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def check_targets(self) -> None:
        existing = [p for p in self.targets() if p.exists()]
        if existing and not self.options.force:
            raise OutputError(f"会议材料已存在，未覆盖：{existing[0]}（确需重写请加 --force）", code="exists")
        # --force replaces what duizhao wrote, never a file the user made or edited since.
        OwnedFiles(self.folder).clear_for(existing, "会议目录", remove_others=False)
        self.claims = claim(self.targets())  # checked again when written: a file saved there meanwhile is kept

    async def draft(self, retriever, progress: Progress) -> list[tuple[UnitResult, dict[Path, bytes]]]:
        for job in self.jobs:
            job.retriever = retriever
            progress("planned", job.name, "", str(len(job.outline.items())))
        semaphore = asyncio.Semaphore(max(1, self.options.concurrency))
        # One pool for every item of every material; finished items are cached as they land.
        outcomes = await asyncio.gather(*(job.build(semaphore, progress) for job in self.jobs), return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            first = failures[0]
            if isinstance(first, PipelineError):
                raise type(first)(f"{len(failures)} 份材料起草失败（已完成的段落已缓存，重新运行即可续做）：{first}",
                                  code=first.code)
            raise first
        return outcomes

    def materials(self, outcomes, corpus, files: dict[Path, bytes]) -> tuple[list[MeetingDocument], list[PairCopy]]:
        mandated = mandated_wording(self.spec, [job.document for job in self.jobs])
        # The body only: title, banner and signature are the same by design in every member's material.
        # The tool's 【待补】 prompts are replaced by the members' own words: not compared.
        bodies = {m.name: without_slots(render(job.document.model_copy(update={"title": "", "notice": "", "signature": []})))
                  for m, job in zip(self.meeting.members, self.member_jobs)}
        pairs = pairwise_copy(bodies, mandated)
        # A run shared by two members may be a sentence the model wrote in both: quoted, it carries the mark.
        unsourced = [s for job in self.jobs for s in job.document.unsourced]
        documents = []
        for job, (unit, job_files) in zip(self.jobs, outcomes):
            personal = job is not self.group_job
            findings = check_material(job.document, self.spec, corpus, job.profile.all_facts(), personal)
            if personal:
                findings += mark_findings(pair_findings(job.profile.unit.name, pairs), unsourced)
            files.update(job_files)
            doc = _summary("personal" if personal else "group", job.name, list(job_files), findings,
                           count_chars(render(job.document)))
            unit.unit, unit.ok, unit.errors, unit.warnings = job.name, doc.ok, doc.errors, doc.warnings
            documents.append(doc)
        return documents, pairs

    def criticism_sheets(self, files: dict[Path, bytes]) -> list[MeetingDocument]:
        documents = []
        for name, sheet in self.sheets.items():
            buffer = BytesIO()
            build_docx(sheet, layout=self.options.layout).save(buffer)
            md, docx = self.sheet_paths[name].with_suffix(".md"), self.sheet_paths[name].with_suffix(".docx")
            record = self.sheet_paths[name].with_suffix(".json")
            files[md], files[docx] = render(sheet, markdown=True).encode("utf-8"), buffer.getvalue()
            files[record] = json.dumps(criticism_record(self.meeting, name, sheet), ensure_ascii=False,
                                       indent=1).encode("utf-8")
            # The sheet's own rules as `check` reads a 相互批评意见 (every colleague, 辣味, no praise as criticism).
            documents.append(_summary("criticism", sheet.title, [md, record, docx],
                                      check_kind(sheet, kinds()["criticism"].rules), count_chars(render(sheet))))
        return documents

    def ledger(self, files: dict[Path, bytes]) -> list[MeetingDocument]:
        rows = meeting_ledger_rows(self.meeting, self.group, self.spec)
        title = ledger_title(self.meeting, self.spec)
        xlsx, docx = self.ledger_paths
        files[xlsx] = ledger_xlsx(title, ledger_header(), rows)
        files[docx] = ledger_docx(title, ledger_header(), rows, self.options.layout)
        group = lexicon("meeting")["ledger"]["group"]
        problems = [(group, p.problem) for ps in self.group.aspects.values() for p in ps]
        problems += [(m.name, p.problem) for m in self.meeting.members for _, p in m.problems()]
        findings = check_ledger(rows, problems)
        return [_summary("ledger_xlsx", title, [xlsx], findings), _summary("ledger_docx", title, [docx], findings)]

    def papers(self, files: dict[Path, bytes]) -> list[MeetingDocument]:
        """会议方案, 征求意见表, 谈心谈话提纲, 主持词, 整改方案 and 情况报告, each checked as its kind."""
        rows = meeting_ledger_rows(self.meeting, self.group, self.spec)
        return [_summary(paper.kind, paper.document.title, paths, findings, chars) for paper, paths, findings, chars
                in write_papers(self.meeting, self.spec, self.group, rows, self.folder, self.options.layout, files)]

    def index_title(self) -> str:
        return lexicon("meeting")["titles"]["index"].format(unit=self.meeting.unit.name,
                                                            meeting=meeting_label(self.meeting, self.spec))


async def draft_meeting(source: MeetingSource, options: DraftOptions, drafter_factory, retriever_factory,
                        corpus_loader: Callable[[], object] | None = None,
                        progress: Progress | None = None) -> MeetingResult:
    """Draft and check every document of the meeting `source` (a meeting file's path, or a meeting already loaded
    in memory: see read_source); write them into one folder under options.outdir."""
    progress = progress or (lambda *args: None)
    started = time.monotonic()
    job = MeetingJob(source, options, drafter_factory)
    stamp = job.stamp()
    before = None if options.force else job.finished_before(stamp)
    missing: list[Path] = []
    if before is None:
        job.check_targets()
    else:  # the same command again: keep what is there (the user's edits too), write only what is missing
        owned = OwnedFiles(job.folder)
        kept = [p.name for p in job.targets() if p.exists() and not owned.owns(p)]
        missing = [p for p in job.targets() if not p.exists()]
        if not missing:
            return before.model_copy(update={"done_before": True, "kept": kept, "restored": [],
                                             "seconds": round(time.monotonic() - started, 2)})
        job.claims = claim(missing)
    ensure_dir(job.folder)
    outcomes = await job.draft(retriever_factory(), progress)
    files: dict[Path, bytes] = {}
    documents, pairs = job.materials(outcomes, corpus_loader() if corpus_loader else None, files)
    documents += job.criticism_sheets(files) + job.ledger(files) + job.papers(files)
    files[job.index_path] = render_index(job.index_title(), documents, pairs).encode("utf-8")
    result = MeetingResult(meeting=str(job.path or ""), spec=job.spec.id, folder=str(job.folder),
                           system=job.group_job.drafter.system, documents=documents,
                           max_pair_copy=round(pairs[0].rate, 4) if pairs else 0.0,
                           max_pair=[pairs[0].a, pairs[0].b] if pairs else [], units=[u for u, _ in outcomes])
    # Recorded before the files land: a run stopped while writing is completed by the next run of the same command.
    write_file(job.record_path, json.dumps({"stamp": stamp, "result": result.model_dump(mode="json")},
                                           ensure_ascii=False).encode("utf-8"))
    if before is not None:
        files = {p: data for p, data in files.items() if p in set(missing)}
        result.restored = [p.name for p in files]
        result.kept = [p.name for p in job.targets() if p.exists() and not OwnedFiles(job.folder).owns(p)]
    write_outputs(files, job.claims, sum(len(j.outline.items()) for j in job.jobs))
    OwnedFiles(job.folder).record(list(files))
    result.seconds = round(time.monotonic() - started, 2)
    return result


def draft_meeting_file(path: Path, options: DraftOptions, settings, progress: Progress | None = None,
                       on_ingest: Callable[[int, int], None] | None = None) -> MeetingResult:
    """Draft a meeting with the real model/store built from settings (the CLI's entry point)."""
    # As in runner.draft_files: the real model and store are only built for a real run, not for tests' fakes.

    return asyncio.run(draft_meeting(path, options, factory.drafter_factory(settings), factory.retriever_factory(settings, on_ingest),
                                     corpus_loader=lambda: load_corpus(None), progress=progress))


def draft_meeting_documents(source: MeetingSource, options: DraftOptions) -> MeetingResult:
    """Only the meeting's other documents (会议方案 … 情况报告), before the materials exist: offline, into the
    meeting's folder, each checked as its kind; existing files are kept unless --force (and then only duizhao's)."""
    started = time.monotonic()
    path, meeting, spec = read_source(source)
    group = group_profile(meeting, spec, path or Path("."))
    folder = meeting_folder(meeting, spec, options.outdir)
    existing = [p for p in paper_targets(meeting, folder) if p.exists()]
    if existing and not options.force:
        raise OutputError(f"会议文书已存在，未覆盖：{existing[0]}（确需重写请加 --force）", code="exists")
    OwnedFiles(folder).clear_for(existing, "会议目录", remove_others=False)
    claims = claim(paper_targets(meeting, folder))  # a file saved there meanwhile is kept
    files: dict[Path, bytes] = {}
    rows = meeting_ledger_rows(meeting, group, spec)
    documents = [_summary(paper.kind, paper.document.title, paths, findings, chars) for paper, paths, findings, chars
                 in write_papers(meeting, spec, group, rows, folder, options.layout, files)]
    ensure_dir(folder)
    write_outputs(files, claims, 0)
    OwnedFiles(folder).record(list(files))
    return MeetingResult(meeting=str(path or ""), spec=spec.id, folder=str(folder), system="offline",
                         documents=documents, seconds=round(time.monotonic() - started, 2))
