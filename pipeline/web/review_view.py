"""The review page's data: each paragraph with its copied runs (and their source), marks, findings in place and
the 范文 passages that informed it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.material.sentences import mark_text
from pipeline.core.errors import InputError
from pipeline.run.review import PENDING, Finding, block_of, mark_ranges

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
MARK_KINDS = {"unsourced": "资料中没有依据", "stock": "套话", "concrete": "具体事例", "objective": "客观归因", "redundant": "重复表述"}
PALETTE_SIZE = 8
_PENDING = re.compile(re.escape(PENDING) + r"[^【】]*】")


@dataclass
class Piece:
    text: str
    source: str | None = None
    colour: int = 0
    kinds: list[str] = field(default_factory=list)


@dataclass
class Paragraph:
    index: int
    kind: str
    text: str
    pieces: list[Piece]
    findings: list[Finding]
    passages: list[dict]
    editable: bool
    unsourced: list[str] = field(default_factory=list)  # model sentences here the unit has not confirmed

    @property
    def worst(self) -> str:
        return next((s for s in ("error", "warning", "info") if any(f.severity == s for f in self.findings)), "")


def _pieces(block, owners: list, colours: dict[str, int], marks: list, unsourced: list[str] = ()) -> list[Piece]:
    kinds: list[set[str]] = [set() for _ in block.text]
    for sentence in (s for s in unsourced if s):
        start = block.text.find(sentence)
        while start >= 0:  # every place it stands, as the .docx highlights it
            for position in range(start, start + len(sentence)):
                kinds[position].add("unsourced")
            start = block.text.find(sentence, start + len(sentence))
    for mark in marks:
        for start, end in mark_ranges(block, mark.anchor, mark.phrase):
            for position in range(start, end):
                kinds[position].add(mark.kind)
    for match in _PENDING.finditer(block.text):  # a prompt still to fill stands out as on the printout
        for position in range(match.start(), match.end()):
            kinds[position].add("pending")
    pieces: list[Piece] = []
    position = 0
    while position < len(block.text):
        key = (owners[position] if position < len(owners) else None, frozenset(kinds[position]))
        end = position + 1
        while end < len(block.text) and (owners[end] if end < len(owners) else None, frozenset(kinds[end])) == key:
            end += 1
        source, marked = key
        pieces.append(Piece(block.text[position:end], source, colours.get(source, 0) if source else 0, sorted(marked)))
        position = end
    return pieces


def _passages_for(block, document, passages: dict) -> list[dict]:
    if block.section is None or block.section >= len(document.sections):
        return []
    entry = passages.get(document.sections[block.section].role) or {}
    if block.item is not None:
        items = entry.get("items") or []
        return items[block.item] if block.item < len(items) else []
    return entry.get("intro") or []


def paragraphs(review, passages: dict) -> tuple[list[Paragraph], list[tuple[Finding, int | None]], dict[str, int]]:
    """(paragraphs, every finding with the paragraph it sits at, source → colour)."""
    content = review.content
    blocks = content.blocks
    copy = content.copy
    owners_all = copy.report.owners if copy is not None else []
    order = sorted(copy.report.by_source, key=lambda s: -copy.report.by_source[s]) if copy is not None else []
    colours = {name: n % PALETTE_SIZE for n, name in enumerate(order)}
    placed: dict[int, list[Finding]] = {}
    listed = []
    for finding in review.report.findings:
        where = block_of(blocks, finding.path)
        if where is not None:
            placed.setdefault(where, []).append(finding)
        listed.append((finding, where))
    result = []
    for n, block in enumerate(blocks):
        owners = owners_all[block.start: block.start + len(block.text)] if owners_all else []
        here = [s for s in dict.fromkeys(review.document.unsourced) if s and s in block.text]
        result.append(Paragraph(n, block.kind, block.text, _pieces(block, owners, colours, content.marks, here),
                                placed.get(n, []), _passages_for(block, review.document, passages),
                                editable=block.kind not in ("notice",), unsourced=here))
    return result, listed, colours


def replace_paragraph(review, index: int, text: str) -> str:
    """The material's text with paragraph `index` replaced (an empty text deletes it)."""

    blocks = review.content.blocks
    if not 0 <= index < len(blocks):
        raise InputError(f"没有第 {index + 1} 段")
    # Unconfirmed sentences stay marked, in this paragraph too while its words are unchanged.
    unsourced = review.document.unsourced
    texts = [mark_text(b.text, unsourced) for b in blocks]
    lines = [mark_text(line.strip(), unsourced) for line in text.replace("\r", "").split("\n")]
    new = [line for line in lines if line]
    texts[index: index + 1] = new
    return "\n\n".join(texts) + "\n"
