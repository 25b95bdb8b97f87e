"""The one document model of a 对照检查材料, shared by parser, drafter, checker and exporters.

Numbering is kept exactly as written (markers are strings), so a parsed 范文 renders back unchanged
and the checker can see gaps the author made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.material.sentences import mark_text

Role = Literal["preamble", "problems", "causes", "measures", "closing", "last_year", "case_study", "other", "campaign"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Point(Strict):
    """A level-3/4 point (一是 / 1、 / 1. / （1）) or an unnumbered run of text."""

    marker: str = ""
    text: str
    # True when the point continues the previous point's paragraph (一是…。二是… on one line).
    run_in: bool = False


class Item(Strict):
    """A level-2 item: （一）heading, then its points."""

    marker: str
    heading: str = ""
    # True when the first point follows the heading on the same line: （一）在理论学习方面。一是…
    run_in: bool = False
    aspect: str | None = None
    points: list[Point] = []


class Section(Strict):
    """A level-1 section (一、存在的问题), or the unheaded preamble / closing."""

    role: Role
    marker: str = ""
    heading: str = ""
    intro: list[Point] = []
    items: list[Item] = []


class Note(Strict):
    """A Word comment (批注) on one part of the document; never part of its text.

    `anchor` is "title", a section role (its first paragraph) or "<role>-NN" (the section's N-th item)."""

    anchor: str
    text: str


class Document(Strict):
    title: str = ""
    # A bracketed note under the title, e.g. that a draft was composed without a model.
    notice: str = ""
    sections: list[Section] = []
    # Right-aligned closing lines: unit name, date.
    signature: list[str] = []
    # Comments for the reader (the 范文 an item was drafted with, how the draft was made): Word 批注 only.
    notes: list[Note] = []
    # Sentences a model wrote that the unit's material does not support and the unit has not confirmed
    # (material/sentences.py): marked in the .md and .docx, an error for `check --final`.
    unsourced: list[str] = []

    def section(self, role: str) -> Section | None:
        return next((s for s in self.sections if s.role == role), None)

    def text(self) -> str:
        return render(self)


@dataclass
class Span:
    """A piece of a paragraph: one point (`point` is its index in its run of points) or a run-in heading lead."""

    text: str
    point: int | None = None
    lead: bool = False
    marker: str = ""  # the point's numbering marker, which `text` starts with


@dataclass
class Block:
    """One paragraph of the document in reading order, with where it sits. The one layout every reader and
    writer uses (render, the checker's report, the Word writer, eval alignment)."""

    kind: str  # title | notice | heading (一、) | item (（一） and its points) | intro | signature
    spans: list[Span] = field(default_factory=list)
    section: int | None = None
    item: int | None = None
    level: int = 0  # 1: a section heading, 2: an item heading on its own line, 0: a text paragraph
    start: int = 0  # offset in render(); set by layout()

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)

    @property
    def points(self) -> list[tuple[int, int, int]]:
        """(point index, start, end) of every point inside `text`."""
        out, offset = [], 0
        for span in self.spans:
            if span.point is not None:
                out.append((span.point, offset, offset + len(span.text)))
            offset += len(span.text)
        return out


def point_blocks(points: list[Point], kind: str, section: int | None = None, item: int | None = None,
                 lead: str = "") -> list[Block]:
    """Points joined into paragraphs as written (run-in points continue the paragraph); `lead` is a run-in
    heading that starts the first one."""
    blocks: list[Block] = []
    for index, point in enumerate(points):
        span = Span(point.marker + point.text, index, marker=point.marker)
        if index == 0 and lead:
            blocks.append(Block(kind, [Span(lead, lead=True), span], section, item))
        elif point.run_in and blocks:
            blocks[-1].spans.append(span)
        else:
            blocks.append(Block(kind, [span], section, item))
    if not points and lead:
        blocks.append(Block(kind, [Span(lead, lead=True)], section, item))
    return blocks


def item_blocks(item: Item, section: int | None = None, index: int | None = None) -> list[Block]:
    head = item.marker + item.heading
    if item.run_in and item.points:
        return point_blocks(item.points, "item", section, index, lead=head)
    return [Block("item", [Span(head)], section, index, level=2), *point_blocks(item.points, "item", section, index)]


def layout(document: Document) -> list[Block]:
    """The paragraphs of `document` in reading order; their texts joined by blank lines equal render()."""
    blocks: list[Block] = []
    if document.title:
        blocks.append(Block("title", [Span(document.title)]))
    if document.notice:
        blocks.append(Block("notice", [Span(f"【{document.notice}】")]))
    for s_index, section in enumerate(document.sections):
        if section.marker or section.heading:
            blocks.append(Block("heading", [Span(section.marker + section.heading)], s_index, level=1))
        blocks += point_blocks(section.intro, "intro", s_index)
        for i_index, item in enumerate(section.items):
            blocks += item_blocks(item, s_index, i_index)
    blocks += [Block("signature", [Span(line)]) for line in document.signature]
    offset = 0
    for block in blocks:
        block.start = offset
        offset += len(block.text) + 2
    return blocks


def paragraphs_of(points: list[Point], lead: str = "") -> list[str]:
    """Join points into paragraphs as written; `lead` is prepended to the first one."""
    return [block.text for block in point_blocks(points, "item", lead=lead)]


def item_paragraphs(item: Item) -> list[str]:
    return [block.text for block in item_blocks(item)]


def escape_markdown(text: str) -> str:
    """Backslash-escape what markdown would read as emphasis: placeholders (按**要求) and blanks (____年) are text."""
    return re.sub(r"([\\*_])", r"\\\1", text)


def render_lines(document: Document, markdown: bool = False) -> list[str]:
    """One string per paragraph, in reading order."""
    if not markdown:
        return [block.text for block in layout(document)]
    prefix = {"title": "# ", "heading": "## "}
    return [(prefix.get(block.kind) or ("### " if block.level == 2 else ""))
            + escape_markdown(mark_text(block.text, document.unsourced) if document.unsourced else block.text)
            for block in layout(document)]


def render(document: Document, markdown: bool = False) -> str:
    """Plain text (or markdown) with one paragraph per block, blank lines between."""
    return "\n\n".join(render_lines(document, markdown)) + "\n"


def count_chars(text: str) -> int:
    """Length in 字 as reviewers count it: every non-space character."""
    return sum(1 for ch in text if not ch.isspace())
