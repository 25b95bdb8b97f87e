"""Is an embedded store's vector index whole? A truncated HNSW segment (a disk that filled up, a copy cut
short) makes chromadb answer vector queries with nothing, or with garbage, while the passage count looks right.

The segment files have a fixed layout (hnswlib): header.bin holds the element count and the size of each
element; data_level0.bin and length.bin must be at least that long. Checking costs three stat calls.
"""

from __future__ import annotations

import contextlib
import struct
from pathlib import Path

from pipeline.core.errors import StoreError
import sqlite3

_HEADER = struct.Struct("<i6Q")  # version, offset_level0, max_elements, cur_element_count, size_per_element, …
# Words in chromadb's own errors that mean its files are broken, not that the request was wrong.
_BROKEN = ("hnsw", "segment", "pickle", "error getting embedding", "malformed", "deserializ", "corrupt")


def damaged(location: str, detail: str) -> StoreError:
    return StoreError(f"向量库已损坏，请 `duizhao ingest --reset`（{location}：{detail}）", code="store-damaged")


def looks_broken(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in _BROKEN)


def _segment_problem(folder: Path) -> str | None:
    try:
        header = (folder / "header.bin").read_bytes()
        if len(header) < _HEADER.size:
            return "header.bin 不完整"
        _, _, max_elements, count, per_element, _, _ = _HEADER.unpack_from(header)
        if count > max_elements or not 0 < per_element < 1 << 24:
            return "header.bin 内容无效"
        if (folder / "data_level0.bin").stat().st_size < count * per_element:
            return "data_level0.bin 被截断"
        if (folder / "length.bin").stat().st_size < 4 * count:
            return "length.bin 被截断"
    except FileNotFoundError as exc:
        return f"缺少 {Path(exc.filename or '').name}"
    except OSError as exc:
        return f"无法读取 {Path(exc.filename or '').name}：{exc.strerror}"
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
                raise damaged(str(store_dir), f"{segment}/{problem}")
