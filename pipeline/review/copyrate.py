"""Copy rate (查重) of a material against the 范文 corpus, overall and per section.

The corpus index is built once per corpus version (file names, sizes and mtimes, plus the texts of any
stored sources) and pickled under the cache dir ($DUIZHAO_CACHE_DIR, else $XDG_CACHE_HOME/duizhao, else
~/.cache/duizhao), so a check costs one load and one lookup per character.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.errors import InputError, PipelineError
from pipeline.review.mandated import exempt_mandated
from pipeline.text.overlap import RUN_LENGTH, OverlapIndex, OverlapReport, content_digest, normalise
from pipeline.core.resources import data_dir, default_store_dir
from pipeline.corpus.passages import corpus_files, read_manifest
from pipeline.material.document import render
from pipeline.material.load import load_document, read_text
from pipeline.corpus.passages import read_manifest
from pipeline.material.load import NotMaterial
import json
from pipeline.corpus.passages import scan_corpus
from pipeline.corpus import store as store_module

log = logging.getLogger(__name__)

INDEX_SCHEMA = "copyindex-4"
_KEEP_CACHES = 8
_MEMO: dict[str, CopyCorpus] = {}


@dataclass
class CopyCorpus:
    index: OverlapIndex
    key: str
    # Digests of each source's raw text and of its parsed-and-rendered text: a checked material equal
    # to either is the source itself and must not be reported as copying it.
    digests: dict[str, set[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # files of the folder that are not 范文 (images, old .doc)
    # Sources that are duizhao drafts (of this batch, or earlier ones in the output folder): shared runs with
    # them are reported as drafts looking alike (cross-copy), not as copying a 范文.
    drafts: set[str] = field(default_factory=set)

    def same_as(self, digests: set[str]) -> list[str]:
        return [source for source, known in self.digests.items() if known & digests]


@dataclass
class SectionRate:
    index: int
    marked: int
    total: int
    by_source: dict[str, int]
    longest: str = ""
    longest_source: str = ""

    @property
    def rate(self) -> float:
        return self.marked / self.total if self.total else 0.0

    @property
    def main_source(self) -> str:
        return max(self.by_source, key=self.by_source.get) if self.by_source else ""


@dataclass
class CopyResult:
    report: OverlapReport
    sections: list[SectionRate]
    excluded: list[str]
    corpus_sources: int

    @property
    def rate(self) -> float:
        return self.report.rate


def cache_dir() -> Path:
    if os.environ.get("DUIZHAO_CACHE_DIR"):
        return Path(os.environ["DUIZHAO_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "duizhao"


def packaged_files() -> list[Path]:
    """The packaged 范文: the files its manifest lists (all text files when it has none)."""

    folder = data_dir("corpus")
    listed = [folder / name for name in read_manifest(folder)]
    return [path for path in listed if path.is_file()] or corpus_files([folder])


def _stored_texts() -> dict[str, str]:
    """Source texts of the user's vector store, when the store module offers a listing and a store exists.
    Optional by design: a missing or unreadable store only narrows the corpus."""
    path = default_store_dir()
    if not os.environ.get("DUIZHAO_CHROMA_URL") and not (path / "chroma.sqlite3").is_file():
        return {}
    lister = getattr(store_module, "source_texts", None)
    if lister is None:
        return {}
    try:
        return dict(lister(store_module.Store.open()))
    except PipelineError:
        return {}


def _fingerprint(files: list[Path], stored: dict[str, str], run_length: int) -> str:
    digest = hashlib.sha1(f"{INDEX_SCHEMA}\x00{run_length}".encode())
    for path in files:
        stat = path.stat()
        digest.update(f"\x00{path.resolve()}\x00{stat.st_size}\x00{stat.st_mtime_ns}".encode())
    for name in sorted(stored):
        digest.update(f"\x01{name}\x00".encode() + hashlib.sha1(stored[name].encode("utf-8")).digest())
    return digest.hexdigest()[:24]


def _source_texts(path: Path) -> tuple[str, str]:
    """(raw text, parsed-and-rendered text) of one 范文 file; the rendered form drops scrape noise."""

    raw = read_text(path)
    try:
        rendered = render(load_document(path).document)
    except PipelineError:
        rendered = raw
    return raw, rendered


def _display_name(path: Path, taken: set[str]) -> str:
    """What people see for a 范文: its title in the folder's manifest (the packaged files are named by hash),
    else the file name the user gave it — never the same name twice."""

    try:
        entry = read_manifest(path.parent).get(path.name)
    except PipelineError:
        entry = None
    name = (entry.title if entry is not None and entry.title else "") or path.name
    return name if name not in taken else f"{name}（{path.name}）"


def build_corpus(files: list[Path], stored: dict[str, str] | None = None, run_length: int = RUN_LENGTH,
                 key: str = "") -> CopyCorpus:
    index = OverlapIndex(run_length)
    corpus = CopyCorpus(index=index, key=key)

    file_names = set()
    for path in files:
        try:
            raw, rendered = _source_texts(path)
        except NotMaterial as exc:
            # An image or an old .doc in the 范文 folder: checked against the rest.
            corpus.skipped.append(str(exc))
            continue
        name = _display_name(path, set(corpus.digests))
        file_names.add(path.name)
        index.add(name, rendered)
        corpus.digests[name] = {content_digest(raw), content_digest(rendered)}
    for name, text in (stored or {}).items():
        if name in file_names or name in corpus.digests:  # the same file packaged and ingested: index it once
            continue
        index.add(name, text)
        corpus.digests[name] = {content_digest(text)}
    len(index)  # finalise before pickling or first use
    return corpus


def _read_cache(path: Path) -> CopyCorpus | None:
    try:
        with open(path, "rb") as handle:
            corpus = pickle.load(handle)
        return corpus if isinstance(corpus, CopyCorpus) else None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def _write_cache(folder: Path, path: Path, corpus: CopyCorpus) -> None:
    """Atomic: write a temporary file beside the target, then rename. A read-only cache dir is not an error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".copyindex-", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(corpus, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        old = sorted(folder.glob("copyindex-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[_KEEP_CACHES:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


_PREFERRED = (".md", ".markdown", ".txt", ".docx")


def draft_record(path: Path) -> dict | None:
    """The .json record duizhao writes beside a draft (document, check, system …), or None."""

    record = path.with_suffix(".json")
    try:
        if record.stat().st_size > 20_000_000:
            return None
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and {"document", "system"} <= set(data) else None


def is_draft(path: Path) -> bool:
    return draft_record(path) is not None


def one_per_draft(files: list[Path]) -> list[Path]:
    """A draft folder holds each draft as .md and .docx (and .json): one of them stands for it, else the draft
    would be compared with itself under another name."""
    chosen: dict[tuple[Path, str], Path] = {}
    for path in files:
        key = (path.parent, path.stem)
        current = chosen.get(key)
        rank = _PREFERRED.index(path.suffix.lower()) if path.suffix.lower() in _PREFERRED else len(_PREFERRED)
        if current is None or rank < _PREFERRED.index(current.suffix.lower()):
            chosen[key] = path
    return sorted(chosen.values())


def load_corpus(folder: Path | None = None, use_store: bool = True, run_length: int = RUN_LENGTH,
                cache: Path | None = None) -> CopyCorpus:
    """The copy-rate corpus: `folder`'s 范文 files, or the packaged corpus plus the stored sources."""
    if folder is not None:
        if not Path(folder).is_dir():
            raise InputError(f"查重范文目录不存在：{folder}")

        scan = scan_corpus([Path(folder)])
        for skipped in scan.skipped:
            log.warning("已跳过（查重范文）：%s", skipped)
        files, stored = one_per_draft(scan.files), {}
    else:
        files, stored = packaged_files(), (_stored_texts() if use_store else {})
    key = _fingerprint(files, stored, run_length)
    if key in _MEMO:
        return _MEMO[key]
    folder_cache = cache or cache_dir()
    path = folder_cache / f"copyindex-{key}.pkl"
    corpus = _read_cache(path)
    if corpus is None or corpus.key != key:
        corpus = build_corpus(files, stored, run_length, key)
        _write_cache(folder_cache, path, corpus)
    _MEMO[key] = corpus
    if folder is not None:
        corpus.drafts = {path.name for path in files if is_draft(path)}
    for skipped in getattr(corpus, "skipped", []):
        log.warning("已跳过（查重范文）：%s", skipped)
    return corpus


def copy_rate(text: str, section_spans: list[tuple[int, int]], corpus: CopyCorpus,
              self_digests: set[str] = frozenset(), exclude: tuple[str, ...] = (),
              mandated: list[str] | None = None) -> CopyResult:
    """Shared runs of `text` (the rendered material) with the corpus; `section_spans` are character ranges
    of its sections. Sources whose content equals the material (`self_digests`) or named in `exclude` are left
    out; quotes of the `mandated` wording (mandated_phrases) are not copying."""
    excluded = list(dict.fromkeys([*corpus.same_as(set(self_digests) | {content_digest(text)}), *exclude]))
    report = corpus.index.check(text, exclude=excluded)
    report = exempt_mandated(report, text, mandated or [], corpus.index.run_length)
    sections = []
    for number, (start, end) in enumerate(section_spans):
        piece = text[start:end]
        content, offsets = normalise(piece)
        owners = [report.owners[start + offset] for offset in offsets]
        by_source: dict[str, int] = {}
        for owner in owners:
            if owner is not None:
                by_source[owner] = by_source.get(owner, 0) + 1
        rate = SectionRate(index=number, marked=sum(by_source.values()), total=len(content), by_source=by_source)
        inside = [run for run in report.runs if run.start < end and run.end > start]
        if inside:
            # Longest by what lies inside this section: a run spilling over from the previous one counts its part here.
            run = max(inside, key=lambda r: min(r.end, end) - max(r.start, start))
            rate.longest = text[max(run.start, start) : min(run.end, end)]
            rate.longest_source = run.source
        sections.append(rate)
    return CopyResult(report=report, sections=sections, excluded=excluded, corpus_sources=len(corpus.index.sources))
