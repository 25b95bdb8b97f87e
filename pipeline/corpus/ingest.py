"""Ingest 范文 into the vector store, incrementally.

Ingest is all-or-nothing: every file is parsed and every new passage embedded before the first write,
so a bad file or a failing embedder leaves the store as it was. Passage ids are content hashes: an
unchanged file costs one metadata read, an edited file re-embeds only its new paragraphs. Files of
another kind found in a folder (images, old .doc) are skipped and reported; named ones are errors.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict

from pipeline.models.embed import embed_texts, embedder_name
from pipeline.core.errors import InputError, StoreError
from pipeline.corpus.passages import (SCHEMA, ManifestEntry, Passage, file_passages, read_manifest, scan_corpus, tokenize,
                       tokenizer_signature)
from pipeline.corpus.integrity import check_index
from pipeline.corpus.shipped import shipped_vectors, text_hash
from pipeline.corpus.store import Store, store_errors
from pipeline.corpus.storelock import DATA_LOCK, WRITE_LOCK, file_lock
from pipeline.material.load import NotMaterial

_EMBED_CHUNK = 32


class IngestReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection: str
    location: str
    files: int = 0
    unchanged_files: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    embedded: int = 0  # texts sent to the embedder
    reused: int = 0  # new passages that needed no embedding: same text already in the store or in this run
    total: int = 0  # passages in the collection afterwards
    skipped: list[str] = []  # files left out of a folder: "reason：path"
    seconds: float = 0.0
    embed_seconds: float = 0.0


def _file_key(path: Path, entry: ManifestEntry | None) -> str:
    digest = hashlib.sha1(path.read_bytes())
    digest.update(json.dumps(entry.model_dump() if entry else None, sort_keys=True).encode())
    digest.update((SCHEMA + tokenizer_signature()).encode())
    return digest.hexdigest()[:20]


def _metadata(passage: Passage, file_key: str, count: int) -> dict:
    # file_passages: a file is complete in the store only when that many passages carry its key. A run killed
    # halfway through a file leaves fewer, and the next run finishes the file.
    return {**passage.metadata(), "file_key": file_key, "file_passages": count, "text_hash": text_hash(passage.text)}


def _complete(have: dict[str, tuple[str, int | None]], key: str) -> bool:
    """Every stored passage of a file carries `key`, and all of the file's passages are there."""
    if not have or any(k != key for k, _ in have.values()):
        return False
    counts = {count for _, count in have.values()}
    return counts == {None} or counts == {len(have)}  # stores from before the count was kept: keys only


def _add_tokens(metadatas: list[dict], texts: list[str]) -> None:
    # BM25 tokens are stored with the passage so the retriever never re-segments the corpus.
    for meta, text in zip(metadatas, texts):
        meta["tokens"] = " ".join(tokenize(text))


def ingest(paths: list[str | Path], store: Store, embedder: Embeddings, prune: bool = False,
           progress: Callable[[int, int], None] | None = None, reset: bool = False) -> IngestReport:
    """Bring the collection in line with the 范文 files under `paths`; `prune` drops files no longer given,
    `reset` rebuilds the collection from scratch (e.g. after changing the embedder).
    Ingests into one embedded store from several processes run one after another (see storelock)."""
    with file_lock(store.path, WRITE_LOCK, exclusive=True):
        return _ingest(paths, store, embedder, prune, progress, reset)


def _ingest(paths: list[str | Path], store: Store, embedder: Embeddings, prune: bool,
            progress: Callable[[int, int], None] | None, reset: bool) -> IngestReport:

    started = time.perf_counter()
    scan = scan_corpus([Path(p) for p in paths])
    files = scan.files
    report = IngestReport(collection=store.name, location=store.location, files=len(files), skipped=list(scan.skipped))
    collection = store.collection(None if reset else embedder)
    if collection is not None and not reset:
        # Writing into a cut index makes chromadb grow link_lists.bin without bound: refuse, point to --reset.
        check_index(store.path, str(collection.id))
    existing: dict[str, dict[str, tuple[str, int | None]]] = {}  # source -> {id: (file_key, file_passages)}
    if collection is not None and not reset:
        with store_errors("读取向量库", store.path):
            current = collection.get(include=["metadatas"])
        for pid, meta in zip(current["ids"], current["metadatas"]):
            meta = meta or {}
            count = meta.get("file_passages")
            existing.setdefault(str(meta.get("source", "")), {})[pid] = (str(meta.get("file_key", "")),
                                                                        int(count) if count is not None else None)

    manifests: dict[Path, dict[str, ManifestEntry]] = {}
    new: list[tuple[Passage, dict]] = []
    updates: list[tuple[str, dict]] = []
    stale: list[str] = []
    texts: dict[str, str] = {}
    for path in files:
        if path.parent not in manifests:
            manifests[path.parent] = read_manifest(path.parent)
        entry = manifests[path.parent].get(path.name)
        key = _file_key(path, entry)
        have = existing.get(path.name, {})
        if _complete(have, key):
            report.unchanged_files += 1
            continue
        try:
            passages = file_passages(path, entry)
        except NotMaterial as exc:
            if path in scan.explicit:
                raise
            # An image or an old .doc in a folder of 范文: leave it out, say so, ingest the rest.
            report.skipped.append(str(exc))
            report.files -= 1
            continue
        texts.update((passage.id, passage.text) for passage in passages)
        for passage in passages:
            meta = _metadata(passage, key, len(passages))
            (updates.append((passage.id, meta)) if passage.id in have else new.append((passage, meta)))
        kept = {passage.id for passage in passages}
        stale += [pid for pid in have if pid not in kept]
    if not report.files:
        raise InputError(f"没有可入库的范文：给出的 {len(report.skipped)} 个文件都无法读取（{report.skipped[0]}）")
    if prune:
        given = {path.name for path in files}
        stale += [pid for source, ids in existing.items() if source not in given for pid in ids]

    # Segmenting (and loading jieba's dictionary, ~1 s) runs while the embedder works: the embedder's
    # C code or HTTP wait does not hold the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = [(m, p.text) for p, m in new] + [(m, texts[pid]) for pid, m in updates]
        tokens = pool.submit(_add_tokens, [m for m, _ in pending], [t for _, t in pending])
        vectors = _vectors_for(new, collection if not reset else None, embedder, report, progress)
        tokens.result()
    _write(store, collection, embedder, new, vectors, updates, stale, reset, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _vectors_for(new: list[tuple[Passage, dict]], collection: Any | None, embedder: Embeddings,
                 report: IngestReport, progress: Callable[[int, int], None] | None) -> np.ndarray:
    """One vector per new passage: taken from the store when the same text is already there, else embedded."""
    hashes = [meta["text_hash"] for _, meta in new]
    known: dict[str, np.ndarray] = {}
    if collection is not None and hashes:
        with store_errors("读取向量库"):
            found = collection.get(where={"text_hash": {"$in": sorted(set(hashes))}}, include=["metadatas", "embeddings"])
        for meta, vector in zip(found["metadatas"], found["embeddings"]):
            known[meta["text_hash"]] = np.asarray(vector, dtype=np.float32)
    if any(h not in known for h in hashes):
        # The packaged corpus comes with its vectors: a first ingest after install embeds nothing.
        shipped = shipped_vectors(embedder_name(embedder))
        known.update((h, shipped[h]) for h in hashes if h not in known and h in shipped)
    todo: dict[str, str] = {}
    for (passage, _), digest in zip(new, hashes):
        if digest not in known:
            todo.setdefault(digest, passage.text)
    texts, keys = list(todo.values()), list(todo)
    started = time.perf_counter()
    if progress:
        progress(0, len(texts))
    for start in range(0, len(texts), _EMBED_CHUNK):
        chunk = embed_texts(embedder, texts[start : start + _EMBED_CHUNK])
        known.update(zip(keys[start : start + _EMBED_CHUNK], chunk))
        if progress:
            progress(min(start + _EMBED_CHUNK, len(texts)), len(texts))
    report.embedded, report.reused = len(texts), len(new) - len(texts)
    report.embed_seconds = round(time.perf_counter() - started, 3)
    if not new:
        return np.zeros((0, 0), dtype=np.float32)
    vectors = np.vstack([known[h] for h in hashes])
    dimension = (collection.metadata or {}).get("dimension") if collection is not None else None
    if dimension and vectors.shape[1] != dimension:
        raise StoreError(f"嵌入向量维度 {vectors.shape[1]} 与集合记录的 {dimension} 不符：请用 duizhao ingest --reset 重新入库")
    return vectors


def _write(store: Store, collection: Any | None, embedder: Embeddings, new: list[tuple[Passage, dict]],
           vectors: np.ndarray, updates: list[tuple[str, dict]], stale: list[str], reset: bool,
           report: IngestReport) -> None:
    if collection is not None and not (new or updates or stale or reset):
        report.total = collection.count()
        return
    added: list[str] = []
    with file_lock(store.path, DATA_LOCK, exclusive=True), store_errors(f"写入向量库 {store.location} ", store.path):
        if reset and collection is not None:
            store.client.delete_collection(store.name)
            collection = None
        dimension = int(vectors.shape[1]) if len(new) else None
        metadata = {"embedder": embedder_name(embedder), "schema": SCHEMA, "revision": uuid.uuid4().hex[:12]}
        if collection is None:
            if dimension is None:
                raise StoreError("没有可写入的段落")
            collection = store.client.create_collection(
                store.name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                metadata={**metadata, "dimension": dimension})
        try:
            batch = max(1, min(store.client.get_max_batch_size(), 1000))
            for start in range(0, len(new), batch):
                part = new[start : start + batch]
                ids = [p.id for p, _ in part]
                collection.add(ids=ids, documents=[p.text for p, _ in part], metadatas=[m for _, m in part],
                               embeddings=vectors[start : start + batch])
                added += ids
            for start in range(0, len(updates), batch):
                part = updates[start : start + batch]
                collection.update(ids=[pid for pid, _ in part], metadatas=[m for _, m in part])
            for start in range(0, len(stale), batch):
                collection.delete(ids=stale[start : start + batch])
        except BaseException:  # Ctrl-C too: a half-written ingest would look complete to the next run
            if added:  # best effort: do not leave half of a run behind
                with contextlib.suppress(Exception):
                    collection.delete(ids=added)
            raise
        collection.modify(metadata={**(collection.metadata or {}), **metadata})
        report.added, report.updated, report.removed = len(new), len(updates), len(stale)
        report.total = collection.count()
