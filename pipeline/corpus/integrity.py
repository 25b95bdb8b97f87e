"""Is an embedded store's vector index whole? A truncated HNSW segment (a disk that filled up, a copy cut
short) makes chromadb answer vector queries with nothing, or with garbage, while the passage count looks right.

The segment files have a fixed layout (chroma's hnswlib, persisted index): header.bin holds the element count,
the size of each element, the top level and M; data_level0.bin and length.bin must be at least count elements
long; link_lists.bin holds, for every element in order, a 4-byte size and that many bytes of upper-level links
(a multiple of the per-level size, at most the top level's worth). A cut link_lists.bin is the treacherous one:
chromadb 1.5 loads it without a word and queries still answer, but the next ingest rewrites it at garbage
offsets and the file grows until the disk is full (measured: 75 GB from a 44 KB file). Checking costs three
stat calls and one read of link_lists.bin (≈ 9 bytes per passage), walked only at its non-empty entries.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import struct
from pathlib import Path

import numpy as np

from pipeline.core.errors import StoreError

# version, offset_level0, max_elements, cur_element_count, size_per_element, label_offset, offset_data,
# maxlevel, enterpoint, maxM, maxM0, M, mult, ef_construction (hnswalg.h HEADER_FIELDS)
_HEADER = struct.Struct("<i6QiI3QdQ")
# Words in chromadb's own errors that mean its files are broken, not that the request was wrong.
_BROKEN = ("hnsw", "segment", "pickle", "error getting embedding", "error finding id", "malformed", "deserializ",
           "corrupt")


# Below this much free space a store that fails (or looks cut short) is taken for a full disk, not damage:
# chromadb's own error says nothing of space ("Failed to apply logs to the metadata segment"), and a write it
# needs may be larger than what is left. Once space is freed the store works again; --reset would throw away
# every 范文 the user ingested.
FULL_BELOW = 64 * 1024 * 1024
_FULL_WORDS = re.compile(r"No space left|os error 28|ENOSPC|disk is full|Disk quota|os error 122", re.I)


def _free(path: Path) -> int | None:
    for folder in (path, *path.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return None


def _size(count: int) -> str:
    return f"{count / 1024 / 1024:.1f} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"


def disk_full(path: Path | None, message: str = "") -> StoreError | None:
    """The error to give when the store's disk is full (said so by the error, or almost no space left)."""
    free = _free(Path(path)) if path is not None else None
    if not _FULL_WORDS.search(message) and (free is None or free >= FULL_BELOW):
        return None
    left = f"只剩 {_size(free)} 可用" if free is not None else "空间已满"
    return StoreError(f"磁盘空间不足：向量库 {path or ''} 所在磁盘{left}，无法写入。这不是向量库损坏，请勿 --reset（会删掉已入库的范文）："
                      f"清理磁盘后重新运行同一命令即可", code="store-disk-full")


def damaged(location: str, detail: str, path: Path | None = None) -> StoreError:
    """The damaged-store error, unless the disk under the store is full (then that is said instead)."""
    full = disk_full(path, detail)
    if full is not None:
        return full
    return StoreError(f"向量库已损坏，请 `duizhao ingest --reset`（{location}：{detail}）", code="store-damaged")


def looks_broken(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in _BROKEN)


def _segment_problem(folder: Path) -> str | None:
    try:
        header = (folder / "header.bin").read_bytes()
        if len(header) < _HEADER.size:
            return "header.bin 不完整"
        _, _, max_elements, count, per_element, _, _, top_level, _, max_m, _, _, _, _ = _HEADER.unpack_from(header)
        # top level -1: an empty index (a new collection's segment, before its first sync)
        if (count > max_elements or not 0 < per_element < 1 << 24 or not -1 <= top_level < 64
                or not 0 < max_m < 1 << 16):
            return "header.bin 内容无效"
        if (folder / "data_level0.bin").stat().st_size < count * per_element:
            return "data_level0.bin 被截断"
        if (folder / "length.bin").stat().st_size < 4 * count:
            return "length.bin 被截断"
        return _link_lists_problem((folder / "link_lists.bin").read_bytes(), count, 4 * max_m + 4, top_level)
    except FileNotFoundError as exc:
        return f"缺少 {Path(exc.filename or '').name}"
    except OSError as exc:
        return f"无法读取 {Path(exc.filename or '').name}：{exc.strerror}"
    return None


def _link_lists_problem(data: bytes, count: int, per_level: int, top_level: int) -> str | None:
    """Walk link_lists.bin: `count` entries, each a 4-byte size (a multiple of `per_level`, at most `top_level`
    levels) and its links. Most passages sit on level 0 (size 0): runs of zero words are skipped at once."""
    words = np.frombuffer(data, dtype="<u4", count=len(data) // 4)
    starts = np.flatnonzero(words)  # candidates for the next non-empty entry
    position = seen = 0
    while seen < count:
        following = int(np.searchsorted(starts, position))
        entry = int(starts[following]) if following < len(starts) else len(words)
        if seen + entry - position >= count:
            return None  # the rest are level-0 entries, all present
        seen += entry - position
        if entry >= len(words):
            return "link_lists.bin 被截断"
        size = int(words[entry])
        if size % per_level or size > per_level * max(top_level, 0):
            return "link_lists.bin 内容无效"
        position, seen = entry + 1 + size // 4, seen + 1
        if position > len(words):
            return "link_lists.bin 被截断"
    return None


def _vector_segments(store_dir: Path, collection_id: str) -> list[str]:
    """The folders of the collection's vector segments (a dropped collection's folder may linger)."""

    try:
        with contextlib.closing(sqlite3.connect(f"{(store_dir / 'chroma.sqlite3').as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT id FROM segments WHERE collection = ? AND scope = 'VECTOR'", (collection_id,))
            return [str(row[0]) for row in rows]
    except sqlite3.Error:
        return []  # chromadb reports an unreadable database itself


def check_index(store_dir: Path | None, collection_id: str) -> None:
    """Raise the damaged-store error if the collection's vector segment is cut short (None: a server store).
    A segment not yet written to disk (a small store lives in chromadb's log) has nothing to check."""
    if store_dir is None or not store_dir.is_dir():
        return
    for segment in _vector_segments(store_dir, collection_id):
        folder = store_dir / segment
        if folder.is_dir() and any((folder / name).exists() for name in ("header.bin", "data_level0.bin")):
            problem = _segment_problem(folder)
            if problem:
                raise damaged(str(store_dir), f"{segment}/{problem}", store_dir)
