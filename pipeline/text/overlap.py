"""Shared-run detection (查重): characters of a text lying in runs of ≥ N characters shared with a source.

One index serves the drafter's copy guard and the checker's copy-rate. Every N-gram of every source is
hashed once (a stable 64-bit polynomial hash, so an index can be pickled and reused across runs) into a
sorted array; checking a text is one binary search per position, so cost grows with the text, not with
the corpus, and memory stays at 12 bytes per n-gram.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from pipeline.core.resources import lexicon

# The 查重 rule has one home, lexicon/content.yaml `copy_rate`: the drafter's copy guard and the review use it.
_COPY_RULE = lexicon("content")["copy_rate"]
RUN_LENGTH: int = _COPY_RULE["run_length"]  # characters a shared run must reach
COPY_THRESHOLD: float = _COPY_RULE["error"]  # the rate at which reviewers call a section copied
# Punctuation and spaces are not content: 查重 folk practice compares the characters that carry meaning.
_BASE = np.uint64(0x100000001B3)  # odd multiplier; arithmetic wraps modulo 2**64


_SKIP_CODES = np.array(sorted({ord(ch) for ch in "，。、；：！？“”‘’（）《》【】,.;:!?()\"'-—…·*"}
                              | {code for code in range(0x3001) if chr(code).isspace()}), dtype=np.uint32)


def _content_mask(text: str) -> tuple[np.ndarray, np.ndarray]:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return codes, ~np.isin(codes, _SKIP_CODES)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Content characters of `text` and, for each, its offset in the original."""
    codes, keep = _content_mask(text)
    return codes[keep].tobytes().decode("utf-32-le"), np.flatnonzero(keep).tolist()


normalise = _normalise


def content_digest(text: str) -> str:
    """Hash of a text's content characters: the same material in another layout hashes the same."""
    return hashlib.sha1(_normalise(text)[0].encode("utf-8")).hexdigest()


def gram_hashes(content: str, n: int = RUN_LENGTH) -> np.ndarray:
    """Stable hash of every n-character window of `content` (already normalised)."""
    if len(content) < n:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(content.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - n + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            hashes = hashes * _BASE + codes[k : k + count]
        # Final mix so that windows differing in one character spread over all bits.
        hashes ^= hashes >> np.uint64(31)
        hashes *= np.uint64(0x9E3779B97F4A7C15)
        hashes ^= hashes >> np.uint64(29)
    return hashes


@dataclass
class SharedRun:
    source: str
    start: int  # offsets into the checked text
    end: int
    text: str

    @property
    def length(self) -> int:
        """Content characters in the run (punctuation not counted)."""
        return len(_normalise(self.text)[0])


@dataclass
class OverlapReport:
    marked: int  # content characters inside a shared run
    total: int  # content characters
    by_source: dict[str, int] = field(default_factory=dict)
    runs: list[SharedRun] = field(default_factory=list)
    # per original character: the source whose shared run covers it, or None
    owners: list[str | None] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.marked / self.total if self.total else 0.0

    def longest(self, source: str | None = None) -> SharedRun | None:
        runs = [run for run in self.runs if source is None or run.source == source]
        return max(runs, key=lambda run: run.length, default=None)


class OverlapIndex:
    def __init__(self, run_length: int = RUN_LENGTH):
        self.run_length = run_length
        self.sources: list[str] = []
        self.digests: dict[str, str] = {}  # source -> content_digest, to recognise a text checked against itself
        self._ids: dict[str, int] = {}
        self._pending: list[tuple[np.ndarray, int]] = []
        self._keys = np.zeros(0, dtype=np.uint64)  # sorted n-gram hashes (repeated when several sources hold one)
        self._owners = np.zeros(0, dtype=np.int32)  # source id of each key, ascending within equal keys
        self._distinct = 0

    def add(self, source: str, text: str) -> None:
        content, _ = _normalise(text)
        if source not in self._ids:
            self._ids[source] = len(self.sources)
            self.sources.append(source)
        self.digests[source] = hashlib.sha1(content.encode("utf-8")).hexdigest()
        self._pending.append((gram_hashes(content, self.run_length), self._ids[source]))

    def _finalise(self) -> None:
        if not self._pending:
            return
        keys = np.concatenate([self._keys, *(h for h, _ in self._pending)])
        owners = np.concatenate([self._owners, *(np.full(len(h), i, dtype=np.int32) for h, i in self._pending)])
        self._pending = []
        order = np.lexsort((owners, keys))
        keys, owners = keys[order], owners[order]
        if len(keys):
            keep = np.ones(len(keys), dtype=bool)
            keep[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
            keys, owners = keys[keep], owners[keep]
        self._keys, self._owners = keys, owners
        self._distinct = int(np.count_nonzero(keys[1:] != keys[:-1]) + 1) if len(keys) else 0

    def __len__(self) -> int:
        self._finalise()
        return self._distinct

    def __getstate__(self) -> dict:
        self._finalise()
        return self.__dict__.copy()

    def same_as(self, text: str) -> list[str]:
        """Sources whose content equals `text`'s (the checked material is itself in the corpus)."""
        digest = content_digest(text)
        return [source for source, known in self.digests.items() if known == digest]

    def check(self, text: str, exclude: Iterable[str] = ()) -> OverlapReport:
        """Shared runs of `text` with the indexed sources, ignoring the sources named in `exclude`."""
        self._finalise()
        content, offsets = _normalise(text)
        n = self.run_length
        excluded = {self._ids[name] for name in exclude if name in self._ids}
        hashes = gram_hashes(content, n)
        keys, key_owners = self._keys, self._owners
        # Sorted queries walk the key array in one direction, which is several times faster than random probes.
        order = np.argsort(hashes, kind="stable")
        low = np.empty(len(hashes), dtype=np.int64)
        low[order] = np.searchsorted(keys, hashes[order], side="left")
        found = low < len(keys)
        found[found] = keys[low[found]] == hashes[found]
        owners: list[int] = [-1] * len(content)
        previous, covered = -1, 0
        for start in np.flatnonzero(found).tolist():
            first = last = int(low[start])
            while last + 1 < len(keys) and keys[last + 1] == keys[first]:
                last += 1
            candidates = key_owners[first : last + 1].tolist()
            if excluded:
                candidates = [c for c in candidates if c not in excluded]
                if not candidates:
                    continue
            # Keep attributing a run to the source it started with, so runs stay whole.
            source = previous if previous in candidates and covered > start else candidates[0]
            for position in range(max(start, covered), start + n):
                owners[position] = source
            previous, covered = source, start + n
        marks = np.asarray(owners, dtype=np.int64)
        report = OverlapReport(marked=int(np.count_nonzero(marks >= 0)), total=len(content))
        per_char = np.full(len(text), -1, dtype=np.int64)
        per_char[np.asarray(offsets, dtype=np.int64)] = marks
        if report.marked:
            bounds = [0, *(np.flatnonzero(np.diff(marks)) + 1).tolist(), len(marks)]
            for begin, end in zip(bounds, bounds[1:]):
                source_id = int(marks[begin])
                if source_id < 0:
                    continue
                source = self.sources[source_id]
                first, last = offsets[begin], offsets[end - 1] + 1
                per_char[first:last] = source_id  # the punctuation inside a run belongs to it too
                report.runs.append(SharedRun(source, first, last, text[first:last]))
                report.by_source[source] = report.by_source.get(source, 0) + (end - begin)
        names: list[str | None] = [*self.sources, None]  # index -1 → None
        report.owners = [names[i] for i in per_char.tolist()]
        return report


def overlap_with(text: str, references: list[str], run_length: int = RUN_LENGTH) -> OverlapReport:
    """One-off check of `text` against a few reference passages (named ref1, ref2 …)."""
    index = OverlapIndex(run_length)
    for number, reference in enumerate(references, 1):
        index.add(f"ref{number}", reference)
    return index.check(text)
