"""Shared-run detection (查重): characters of a text lying in runs of ≥ N characters shared with a source.

One index serves the drafter's copy guard and the checker's copy-rate. Every N-gram of every source is
hashed once into a dict; checking a text is then one lookup per position, so cost grows with the text,
not with the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RUN_LENGTH = 13
# Punctuation and spaces are not content: 查重 folk practice compares the characters that carry meaning.
_SKIP = re.compile(r"[\s，。、；：！？“”‘’（）《》【】,.;:!?()\"'\-—…·*]")


def _normalise(text: str) -> tuple[str, list[int]]:
    """Content characters of `text` and, for each, its offset in the original."""
    chars: list[str] = []
    offsets: list[int] = []
    for offset, ch in enumerate(text):
        if not _SKIP.match(ch):
            chars.append(ch)
            offsets.append(offset)
    return "".join(chars), offsets


@dataclass
class SharedRun:
    source: str
    start: int  # offsets into the checked text
    end: int
    text: str


@dataclass
class OverlapReport:
    marked: int  # content characters inside a shared run
    total: int  # content characters
    by_source: dict[str, int] = field(default_factory=dict)
    runs: list[SharedRun] = field(default_factory=list)
    # per original character: the source it was copied from, or None
    owners: list[str | None] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.marked / self.total if self.total else 0.0

    def longest(self) -> SharedRun | None:
        return max(self.runs, key=lambda run: run.end - run.start, default=None)


class OverlapIndex:
    def __init__(self, run_length: int = RUN_LENGTH):
        self.run_length = run_length
        self._grams: dict[str, str] = {}  # n-gram -> first source holding it
        self.sources: list[str] = []

    def add(self, source: str, text: str) -> None:
        content, _ = _normalise(text)
        n = self.run_length
        grams = self._grams
        for start in range(len(content) - n + 1):
            grams.setdefault(content[start : start + n], source)
        self.sources.append(source)

    def __len__(self) -> int:
        return len(self._grams)

    def check(self, text: str) -> OverlapReport:
        content, offsets = _normalise(text)
        n = self.run_length
        owners: list[str | None] = [None] * len(content)
        for start in range(len(content) - n + 1):
            source = self._grams.get(content[start : start + n])
            if source is not None:
                for position in range(start, start + n):
                    if owners[position] is None:
                        owners[position] = source
        report = OverlapReport(marked=sum(o is not None for o in owners), total=len(content))
        report.owners = [None] * len(text)
        position = 0
        while position < len(content):
            source = owners[position]
            if source is None:
                position += 1
                continue
            end = position
            while end < len(content) and owners[end] == source:
                end += 1
            first, last = offsets[position], offsets[end - 1] + 1
            report.runs.append(SharedRun(source, first, last, text[first:last]))
            report.by_source[source] = report.by_source.get(source, 0) + (end - position)
            for offset in offsets[position:end]:
                report.owners[offset] = source
            position = end
        return report


def overlap_with(text: str, references: list[str], run_length: int = RUN_LENGTH) -> OverlapReport:
    """One-off check of `text` against a few reference passages (named ref1, ref2 …)."""
    index = OverlapIndex(run_length)
    for number, reference in enumerate(references, 1):
        index.add(f"ref{number}", reference)
    return index.check(text)
