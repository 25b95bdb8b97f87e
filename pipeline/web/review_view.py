"""The review page's data: each paragraph with its copied runs (and their source), marks, findings in place and
the 范文 passages that informed it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.core.errors import InputError
from pipeline.run.review import Finding, block_of, mark_ranges

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
MARK_KINDS = {"stock": "套话", "concrete": "具体事例", "objective": "客观归因", "redundant": "重复表述"}
PALETTE_SIZE = 8


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

    @property
    def worst(self) -> str:
        return next((s for s in ("error", "warning", "info") if any(f.severity == s for f in self.findings)), "")


def _pieces(block, owners: list, colours: dict[str, int], marks: list) -> list[Piece]:
    kinds: list[set[str]] = [set() for _ in block.text]
    for mark in marks:
        for start, end in mark_ranges(block, mark.anchor, mark.phrase):
            for position in range(start, end):
                kinds[position].add(mark.kind)
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
        result.append(Paragraph(n, block.kind, block.text, _pieces(block, owners, colours, content.marks),
                                placed.get(n, []), _passages_for(block, review.document, passages),
                                editable=block.kind not in ("notice",)))
    return result, listed, colours


def replace_paragraph(review, index: int, text: str) -> str:
    """The material's text with paragraph `index` replaced (an empty text deletes it)."""

    blocks = review.content.blocks
    if not 0 <= index < len(blocks):
        raise InputError(f"没有第 {index + 1} 段")
    texts = [b.text for b in blocks]
    lines = [line.strip() for line in text.replace("\r", "").split("\n")]
    new = [line for line in lines if line]
    texts[index: index + 1] = new
    return "\n\n".join(texts) + "\n"
