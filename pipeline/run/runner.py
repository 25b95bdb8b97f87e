"""The draft runner: wires plan → retrieve → draft → assemble → check → export for one or many profiles.

Stages are pure functions; this module does the I/O. Each stage's output is persisted under
OUTDIR/.duizhao/<unit>/ and every drafted item is cached by a hash of its full input, so a rerun after a
crash, a fault or Ctrl-C drafts only what is missing. Final files are written all at once, atomically.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict

from pipeline.draft.assemble import ItemDraft, assemble, unmark
from pipeline.draft.interface import Drafter, PassageSource
from pipeline.draft.notes import reference_notes
from pipeline.draft.item_facts import item_sentences
from pipeline.draft.strict import drop_unsourced
from pipeline.material.sentences import unconfirmed
from pipeline.core.atomic import Appeared, Claims, claim, ensure_dir, write_atomic
from pipeline.core.files import safe_file_name
from pipeline.core.owned import OwnedFiles
from pipeline.review.additions import check_additions, item_findings
from pipeline.review.repeats import check_repeats
from pipeline.run.last_year import with_last_year
from pipeline.review.crossdraft import CrossCopy
from pipeline.run.crosscheck import compare_drafts
from pipeline.run.inputs import profile_paths
from pipeline.review.structure import check_structure
from pipeline.review.unsourced import check_unsourced
from pipeline.material.document import Document, count_chars, render
from pipeline.core.errors import InputError, OutputError, PipelineError
from pipeline.material.parse import ParseResult
from pipeline.draft.plan import Outline, make_outline
from pipeline.material.profile import Profile, load_profile, resolve_spec, validate_against_spec
from pipeline.core.resources import lexicon
from pipeline.material.specs import stale_spec_warning
from pipeline.export.layouts import LAYOUTS
from pipeline.draft import factory  # the one place real models are built (tests patch it there)
from pipeline.models.embed import embed_texts
from io import BytesIO
from pipeline.export.docx import build_docx

Progress = Callable[[str, str, str, str], None]  # (event, unit, item key, role)


class DraftOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outdir: Path = Path("out")
    force: bool = False
    concurrency: int = 4
    use_cache: bool = True
    docx: bool = True
    layout: str = "gbt9704"
    k: int = 3  # passages per item
    # Drop the model's sentences the unit's material does not support (a 【待补】 in their place) instead of marking them.
    strict: bool = False
    # Last year's 对照检查材料 and the 整改清单 kept since (one profile only): read into the profile's last_year.
    last_year: Path | None = None
    ledger: Path | None = None


class UnitResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    profile: str
    unit: str = ""
    spec: str = ""
    system: str = ""
    ok: bool = False
    sections: int = 0
    chars: int = 0
    errors: int = 0
    warnings: int = 0
    seconds: float = 0.0
    tokens: int = 0
    cached_items: int = 0
    pending: list[str] = []  # items the model could not write: "heading（reason）"
    outputs: list[str] = []
    error: str | None = None
    error_code: str | None = None
    # Advice for the user that is no finding of the draft (a spec older than the meeting).
    notes: list[str] = []
    # Shared runs with the batch's other drafts and the earlier drafts in the output folder.
    cross_copy: CrossCopy | None = None
    # Drafted by an earlier run of the same command (same profile, spec and drafter), its files unchanged: kept.
    done_before: bool = False


def safe_name(name: str) -> str:
    """A unit's name as a file name (core.files.safe_file_name: no controls, RTL overrides or device names)."""
    return safe_file_name(name)


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建目录 {path}：{exc.strerror or exc}") from exc


class UnitJob:
    """One profile through the pipeline."""

    def __init__(self, path: Path, options: DraftOptions, drafter_factory: Callable[[], Drafter],
                 retriever: PassageSource | None = None, *, profile: Profile | None = None, spec=None,
                 voice: str = "collective", name: str | None = None):
        """From a profile file, or (a meeting's documents) from a profile and spec already loaded."""
        self.path = path
        self.options = options
        self.profile: Profile = profile if profile is not None else with_last_year(
            load_profile(path), path.parent, options.last_year, options.ledger)
        if spec is None:
            spec = resolve_spec(self.profile, path.parent)
            validate_against_spec(self.profile, spec, path)
        self.spec = spec
        stale = stale_spec_warning(self.spec, self.profile.meeting.year)
        self.notes = [stale] if stale else []
        self.outline: Outline = make_outline(self.profile, self.spec, voice=voice)
        self.name = safe_name(name or self.profile.unit.name)
        self.drafter = drafter_factory()
        self.retriever = retriever
        self.workdir = options.outdir / ".duizhao" / self.name
        self.document = None  # set once drafted
        self.hits: dict[str, list] = {}  # the 范文 passages each item was drafted with, once retrieved
        self.targets = {ext: options.outdir / f"{self.name}.{ext}" for ext in ("md", "json", "docx")}
        if not options.docx:
            del self.targets["docx"]
        self.claims: Claims = {}

    def check_targets(self) -> None:
        existing = [p for p in self.targets.values() if p.exists()]
        if existing and not self.options.force:
            raise OutputError(f"草稿已存在，未覆盖：{existing[0]}（确需重写请加 --force）", code="exists")
        # --force replaces drafts duizhao wrote, never a file the user made or edited since.
        self.owned().clear_for(existing, "输出目录", remove_others=False)
        # Claimed now, checked again when written: a file the user saves there meanwhile is kept.
        self.claims = claim(self.targets.values())

    def finished_before(self) -> UnitResult | None:
        """This unit's drafts from an earlier run of the same command, unchanged since: a rerun of an interrupted
        batch keeps them and drafts only what is missing. None when anything differs (then --force decides)."""
        if not all(p.is_file() for p in self.targets.values()):
            return None
        owned = self.owned()
        if not all(owned.owns(p) for p in self.targets.values()):
            return None
        try:
            record = json.loads(self.targets["json"].read_text(encoding="utf-8"))
            same = (record.get("system") == self.drafter.system
                    and record.get("profile") == _plain(self.profile.model_dump(by_alias=True))
                    and record.get("outline") == _plain(self.outline.model_dump()))
            if not same:
                return None
            document = Document.model_validate(record["document"])
            check = record["check"]
            findings = check.get("findings", [])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        self.document = document  # compared with the batch's other drafts again: 雷同 found then still stands
        return UnitResult(profile=str(self.path), unit=self.profile.unit.name, spec=self.spec.id,
                          system=self.drafter.system, ok=bool(check.get("ok")), done_before=True,
                          sections=len([s for s in document.sections if s.marker]), chars=count_chars(render(document)),
                          errors=sum(f.get("severity") == "error" for f in findings),
                          warnings=sum(f.get("severity") == "warning" for f in findings),
                          outputs=[str(p) for p in self.targets.values()], notes=self.notes)

    def owned(self) -> OwnedFiles:
        """The drafts duizhao wrote into the output folder (listed in its .duizhao working folder)."""
        return OwnedFiles(self.options.outdir, manifest=self.options.outdir / ".duizhao" / "files.json")

    def retrieve(self) -> dict[str, list]:

        items = [item for item in self.outline.items() if item.query]
        # One batch for all queries: the embedder is far faster per text in batches than one by one.
        vectors = embed_texts(self.retriever.embedder, [item.query for item in items])
        hits: dict[str, list] = {item.key: [] for item in self.outline.items()}
        personal = self.outline.voice == "personal"
        for item, vector in zip(items, vectors):
            # A member's material looks at twice as many and keeps personal 范文 first (stable: rank kept within).
            found = self.retriever.retrieve(item.query, role=item.role, aspect=item.aspect,
                                            k=self.options.k * (2 if personal else 1), query_vector=vector)
            if personal:
                found = sorted(found, key=lambda hit: getattr(hit, "voice", "collective") != "personal")
            hits[item.key] = found[: self.options.k]
        self._persist("retrieval.json", {k: [h.model_dump() for h in v] for k, v in hits.items()})
        self.hits = hits
        return hits

    def _persist(self, name: str, data) -> None:
        _make_dir(self.workdir)
        write_atomic({self.workdir / name: json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")})

    def _cache_path(self, key: str) -> Path:
        return self.options.outdir / ".duizhao" / "items" / f"{key}.json"

    async def draft_item(self, item, hits, semaphore: asyncio.Semaphore, progress: Progress) -> tuple[ItemDraft, bool]:
        key = self.drafter.key(item, self.outline, self.profile, hits)
        cache = self._cache_path(key)
        if self.options.use_cache and cache.is_file():
            try:
                progress("cached", self.name, item.key, item.role)
                return ItemDraft.model_validate_json(cache.read_text(encoding="utf-8")), True
            except ValueError:
                pass  # a damaged cache entry is simply drafted again
        async with semaphore:
            progress("start", self.name, item.key, item.role)
            drafted = await self.drafter.draft(item, self.outline, self.profile, hits)
        if "pending" not in drafted.flags:  # a failed answer is never cached: a rerun asks for it again
            _make_dir(cache.parent)
            write_atomic({cache: drafted.model_dump_json().encode("utf-8")})
        progress("done", self.name, item.key, item.role)
        return drafted, False

    def _provenance(self, item, drafted: ItemDraft) -> ItemDraft:
        """Every sentence recorded with its source (an item cached before the record existed gets it now);
        in strict mode, the unsupported ones dropped."""
        if not drafted.sentences and drafted.paragraphs:
            drafted = drafted.model_copy(update={"sentences": item_sentences(
                drafted.system, [unmark(p) for p in drafted.paragraphs], item, self.outline, self.profile)})
        return drop_unsourced(drafted) if self.options.strict or self.profile.strict else drafted

    async def run(self, semaphore: asyncio.Semaphore, progress: Progress,
                  retrieval: ThreadPoolExecutor | None = None) -> UnitResult:
        result, files = await self.build(semaphore, progress, retrieval)
        write_outputs(files, self.claims, len(self.outline.items()))
        self.owned().record(list(files))
        return result

    async def build(self, semaphore: asyncio.Semaphore, progress: Progress,
                    retrieval: ThreadPoolExecutor | None = None) -> tuple[UnitResult, dict[Path, bytes]]:
        """Draft every item (cached as each lands) and return the result with the final files, unwritten."""
        started = time.monotonic()
        result = UnitResult(profile=str(self.path), unit=self.profile.unit.name, spec=self.spec.id, system=self.drafter.system,
                            notes=self.notes)
        self._persist("outline.json", self.outline.model_dump())
        # Retrieval (embedding, vector search) runs off the event loop: other units keep drafting meanwhile,
        # and this unit starts drafting as soon as its own passages are in.
        hits = (await asyncio.get_running_loop().run_in_executor(retrieval, self.retrieve) if retrieval is not None
                else self.retrieve())
        items = self.outline.items()
        # Finished items are cached as they land, so one failure does not lose the others.
        outcomes = await asyncio.gather(*(self.draft_item(i, hits[i.key], semaphore, progress) for i in items),
                                        return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        if failures:
            first = failures[0]
            if isinstance(first, PipelineError):
                raise type(first)(f"{len(failures)} 段起草失败（已完成的 {len(items) - len(failures)} 段已缓存，重新运行即可续做）："
                                  f"{first}", code=first.code)
            raise first
        drafts = {item.key: self._provenance(item, drafted) for item, (drafted, _) in zip(items, outcomes)}
        # The offline notice is a comment on the title, not text of the material (a reviewer would read it).
        notice = lexicon("composer")["notice_offline"] if self.drafter.system == "offline" else ""
        document = assemble(self.outline, drafts, self.profile)
        document.notes = reference_notes(self.outline, hits, notice, drafts)
        document.unsourced = unconfirmed(list(drafts.values()))
        self.document = document
        report = check_structure(ParseResult(document=document, source=self.name), self.spec)
        findings = report.findings + check_additions(document, self.profile)
        causes = {p.problem: p.cause for ps in self.profile.aspects.values() for p in ps}
        findings += check_repeats(document, self.profile.last_year, causes)
        findings += item_findings([d.model_dump() for d in drafts.values()], findings)
        findings += check_unsourced(document)  # each unsupported sentence, until confirmed or deleted
        report = report.model_copy(update={"findings": findings,
                                           "ok": not any(f.severity == "error" for f in findings)})
        record = {"document": document.model_dump(), "outline": self.outline.model_dump(),
                  "items": [d.model_dump() for d in drafts.values()], "check": report.model_dump(),
                  "system": self.drafter.system, "notice": notice, "layout": self.options.layout, "profile": self.profile.model_dump(by_alias=True)}
        files = {self.targets["md"]: render(document, markdown=True).encode("utf-8"),
                 self.targets["json"]: json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")}
        if "docx" in self.targets:


            buffer = BytesIO()
            build_docx(document, layout=self.options.layout).save(buffer)
            files[self.targets["docx"]] = buffer.getvalue()
        result.ok = report.ok
        if document.unsourced:
            result.notes = [*result.notes, lexicon("provenance")["draft_note"].format(
                count=len(document.unsourced), record=self.targets["json"])]
        result.sections = len([s for s in document.sections if s.marker])
        result.chars = count_chars(render(document))
        result.errors, result.warnings = report.count("error"), report.count("warning")
        result.tokens = sum(d.prompt_tokens + d.completion_tokens for d in drafts.values())
        result.cached_items = sum(1 for _, cached in outcomes if cached)
        reasons = lexicon("additions")["pending_reasons"]
        names = lexicon("findings")["role-names"]  # the preamble has no heading of its own
        result.pending = [f"{(item.heading.rstrip('。') or names.get(item.role, item.role))[:24]}"
                          f"（{reasons[flag[8:]].split('（')[0]}）"
                          for item in items for flag in drafts[item.key].flags if flag.startswith("pending:")]
        result.outputs = [str(p) for p in files]
        result.seconds = round(time.monotonic() - started, 2)
        return result, files


def _plain(data):
    """`data` as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(data, ensure_ascii=False))


def write_outputs(files: dict[Path, bytes], claims: Claims, items: int) -> None:
    """The final files, all or none; a file that appeared at one of their paths while drafting is kept."""
    try:
        write_atomic(files, claims)
    except Appeared as exc:
        raise OutputError(f"{exc.path} 是起草期间新出现（或被修改）的文件，已保留，未覆盖；本次草稿未写入（{items} 段已缓存）："
                          f"请把该文件改名或移走后重新运行同一命令，不会重新起草", code="exists") from None


async def draft_all(paths: list[Path], options: DraftOptions, drafter_factory: Callable[[], Drafter],
                    retriever_factory: Callable[[], PassageSource],
                    progress: Progress | None = None) -> list[UnitResult]:
    """Draft every profile; a failing unit is reported in its result and does not stop the others."""
    progress = progress or (lambda *args: None)

    if options.docx and options.layout not in LAYOUTS:
        raise InputError(f"未知的版式：{options.layout}（可选：{'、'.join(LAYOUTS)}）")
    jobs: list[UnitJob] = []
    finished: list[UnitJob] = []  # kept from an earlier run of the same command
    results: list[UnitResult] = []
    single = len(paths) == 1 and not paths[0].is_dir()
    if (options.last_year or options.ledger) and len(profile_paths(paths)) > 1:
        raise InputError("--last-year / --ledger 只能配一份单位资料（多份资料请在各自资料中写 last_year_file / ledger_file）")
    # Every profile is read and checked before the store is opened: a typo is reported in a second,
    # not after a first-use ingest.
    order = {str(path): number for number, path in enumerate(profile_paths(paths))}
    for path in profile_paths(paths):
        try:
            job = UnitJob(path, options, drafter_factory)
            twin = next((other for other in jobs if other.name == job.name), None)
            if twin is not None:
                raise InputError(f"单位资料 {path} 与 {twin.path} 的单位名称相同（{job.profile.unit.name}），"
                                 f"草稿会互相覆盖：请改 unit.name 或分两次起草")
            done = None if options.force else job.finished_before()
            if done is not None:  # a rerun of the same command: kept, not listed as failed
                results.append(done)
                finished.append(job)
                continue
            job.check_targets()
            jobs.append(job)
        except PipelineError as exc:
            if single:
                raise
            results.append(UnitResult(profile=str(path), error=str(exc), error_code=exc.code))
    if jobs:
        ensure_dir(options.outdir)
        retriever = retriever_factory()
        for job in jobs:
            job.retriever = retriever
            progress("planned", job.name, "", str(len(job.outline.items())))
    semaphore = asyncio.Semaphore(max(1, options.concurrency))
    # One retrieval thread: units queue for it in order, so the first unit's passages come first.
    retrieval = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duizhao-retrieve")

    async def run(job: UnitJob) -> UnitResult:
        try:
            return await job.run(semaphore, progress, retrieval)
        except PipelineError as exc:
            if len(jobs) == 1 and not results:
                raise
            return UnitResult(profile=str(job.path), unit=job.profile.unit.name, spec=job.spec.id, error=str(exc),
                              error_code=exc.code)

    try:
        results += await asyncio.gather(*(run(job) for job in jobs))
    finally:
        retrieval.shutdown(wait=False, cancel_futures=True)
    compare_drafts(jobs + finished, results, options.outdir)
    return sorted(results, key=lambda r: order.get(r.profile, len(order)))


def draft_files(paths: list[Path], options: DraftOptions, settings, progress: Progress | None = None,
                on_ingest: Callable[[int, int], None] | None = None) -> list[UnitResult]:
    """Draft with the real model/store built from settings (the CLI's entry point)."""

    return asyncio.run(draft_all(paths, options, factory.drafter_factory(settings), factory.retriever_factory(settings, on_ingest),
                                 progress))
