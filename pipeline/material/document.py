"""The one document model of a 对照检查材料, shared by parser, drafter, checker and exporters.

Numbering is kept exactly as written (markers are strings), so a parsed 范文 renders back unchanged
and the checker can see gaps the author made.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["preamble", "problems", "causes", "measures", "closing", "last_year", "case_study", "other"]
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

    def section(self, role: str) -> Section | None:
        return next((s for s in self.sections if s.role == role), None)

    def text(self) -> str:
        return render(self)


def paragraphs_of(points: list[Point], lead: str = "") -> list[str]:
    """Join points into paragraphs as written; `lead` is prepended to the first one."""
    paragraphs: list[str] = []
    for index, point in enumerate(points):
        piece = point.marker + point.text
        if index == 0 and lead:
            paragraphs.append(lead + piece)
        elif point.run_in and paragraphs:
            paragraphs[-1] += piece
        else:
            paragraphs.append(piece)
    if not points and lead:
        paragraphs.append(lead)
    return paragraphs


def item_paragraphs(item: Item) -> list[str]:
    head = item.marker + item.heading
    if item.run_in and item.points:
        return paragraphs_of(item.points, lead=head)
    return [head, *paragraphs_of(item.points)]


def escape_markdown(text: str) -> str:
    """Backslash-escape what markdown would read as emphasis: placeholders (按**要求) and blanks (____年) are text."""
    return re.sub(r"([\\*_])", r"\\\1", text)


def render_lines(document: Document, markdown: bool = False) -> list[str]:
    """One string per paragraph, in reading order."""
    h1, h2, h3 = ("# ", "## ", "### ") if markdown else ("", "", "")
    text = escape_markdown if markdown else str
    lines: list[str] = []
    if document.title:
        lines.append(h1 + text(document.title))
    if document.notice:
        lines.append(text(f"【{document.notice}】"))
    for section in document.sections:
        if section.marker or section.heading:
            lines.append(h2 + text(section.marker + section.heading))
        lines.extend(map(text, paragraphs_of(section.intro)))
        for item in section.items:
            paragraphs = [text(p) for p in item_paragraphs(item)]
            if not item.run_in or not item.points:
                paragraphs[0] = h3 + paragraphs[0]
            lines.extend(paragraphs)
    lines.extend(map(text, document.signature))
    return lines


def render(document: Document, markdown: bool = False) -> str:
    """Plain text (or markdown) with one paragraph per block, blank lines between."""
    return "\n\n".join(render_lines(document, markdown)) + "\n"


def count_chars(text: str) -> int:
    """Length in 字 as reviewers count it: every non-space character."""
    return sum(1 for ch in text if not ch.isspace())
