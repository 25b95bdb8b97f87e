"""Parse the text of a 对照检查材料 into the Document model.

The parser reads what is written: numbering stays as the author wrote it (gaps included) so the checker
can report them. Input is plain text or markdown, one paragraph per line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document, Item, Point, Section
from pipeline.text.numbering import LEVEL1, LEVEL2, POINT
from pipeline.core.resources import lexicon
from pipeline.material.scrub import Cleaning, scrub
from pipeline.material.specs import match_aspect
from pipeline.text.slots import PENDING

if TYPE_CHECKING:
    from pipeline.material.specs import MeetingSpec

_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MARKDOWN_EMPHASIS = re.compile(r"\*\*([^*\n]+?)\*\*|__([^_\n]+?)__")
# render(markdown=True) escapes * _ and \ so placeholders survive; escaped ones never form ** or __.
_MARKDOWN_ESCAPE = re.compile(r"\\([\\*_])")
# 2024年12月20日, 二〇二四年十二月二十日, or a date still to fill in (2024年X月X日).
_DATE = re.compile(r"^[\d〇零一二三四五六七八九XＸ×]{4}年[\d一二三四五六七八九十XＸ×]{1,3}月[\d一二三四五六七八九十XＸ×]{1,3}日$")
_SENTENCE_END = "。！？"
_HEADING_RUN_IN_MAX = 50
_LEVEL1_MAX = 40


class ParseResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: Document
    cleaning: list[Cleaning] = []
    source: str = ""


@lru_cache(maxsize=1)
def _role_rules() -> tuple[list[tuple[str, re.Pattern]], tuple[str, ...]]:
    words = lexicon("roles")
    rules = [(rule["role"], re.compile(rule["pattern"])) for rule in words["headings"]]
    return rules, tuple(words["closing_cues"])


def role_of_heading(heading: str) -> str:
    for role, pattern in _role_rules()[0]:
        if pattern.search(heading):
            return role
    return "other"


def split_points(paragraph: str) -> list[Point]:
    """Split one paragraph at its point markers (一是…。二是… run in on one line)."""
    points: list[Point] = []
    matches = list(POINT.finditer(paragraph))
    head = paragraph[: matches[0].start()] if matches else paragraph
    if head:
        points.append(Point(text=head))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(paragraph)
        points.append(Point(marker=match.group(0), text=paragraph[match.end() : end], run_in=bool(points)))
    return points


def _is_level1(line: str) -> bool:
    match = LEVEL1.match(line)
    if not match:
        return False
    rest = line[match.end() :]
    return 0 < len(rest) <= _LEVEL1_MAX and not any(ch in rest[:-1] for ch in _SENTENCE_END)


def _item_from_line(line: str) -> Item:
    match = LEVEL2.match(line)
    assert match
    marker, rest = match.group(0), line[match.end() :]
    inner = rest[:-1]
    if not any(ch in inner for ch in _SENTENCE_END + "：:"):
        return Item(marker=marker, heading=rest)
    cut = min(i for i, ch in enumerate(rest) if ch in _SENTENCE_END + "：:")
    if cut + 1 <= _HEADING_RUN_IN_MAX:
        heading, body = rest[: cut + 1], rest[cut + 1 :]
    else:
        heading, body = "", rest
    return Item(marker=marker, heading=heading, run_in=True, points=split_points(body))


def _clean_lines(text: str, markdown: bool) -> list[str]:
    lines = []
    for raw in text.split("\n"):
        line = _MARKDOWN_HEADING.sub("", raw)
        if markdown:
            # Only in markdown: in plain text ** is an anonymisation placeholder (按**《通知》要求).
            line = _MARKDOWN_EMPHASIS.sub(lambda m: m.group(1) or m.group(2), line)
            line = _MARKDOWN_ESCAPE.sub(r"\1", line)
        line = line.strip()
        if line:
            lines.append(line)
    return lines


def _take_signature(lines: list[str]) -> list[str]:
    if not lines or not _DATE.match(lines[-1]):
        return []
    signature = [lines.pop()]
    if lines and len(lines[-1]) <= 30 and not any(ch in lines[-1] for ch in "。，；：、！？"):
        signature.insert(0, lines.pop())
    return signature


def parse_lines(lines: list[str]) -> Document:
    lines = list(lines)
    document = Document()
    if lines and len(lines[0]) <= 60 and lines[0][-1] not in "。；：" and not (
        LEVEL1.match(lines[0]) or LEVEL2.match(lines[0])
    ):
        document.title = lines.pop(0)
    if lines and lines[0].startswith("【") and lines[0].endswith("】") and not lines[0].startswith(PENDING):
        document.notice = lines.pop(0)[1:-1]
    document.signature = _take_signature(lines)
    closing_cues = _role_rules()[1]

    section: Section | None = None
    item: Item | None = None
    for line in lines:
        if _is_level1(line):
            marker = LEVEL1.match(line).group(0)  # type: ignore[union-attr]
            heading = line[len(marker) :]
            section = Section(role=role_of_heading(heading), marker=marker, heading=heading)  # type: ignore[arg-type]
            document.sections.append(section)
            item = None
        elif LEVEL2.match(line):
            if section is None or section.role == "preamble":
                section = Section(role="other")
                document.sections.append(section)
            item = _item_from_line(line)
            section.items.append(item)
        elif section is not None and section.role not in ("preamble", "closing") and section.items and (
            line.startswith(closing_cues)
        ):
            section = Section(role="closing", intro=split_points(line))
            document.sections.append(section)
            item = None
        else:
            if section is None:
                section = Section(role="preamble")
                document.sections.append(section)
            points = split_points(line)
            (item.points if item is not None else section.intro).extend(points)
    return document


def assign_aspects(document: Document, spec: MeetingSpec) -> Document:
    """Give each problems item the spec's canonical aspect its heading names, when one fits."""

    for section in document.sections:
        if section.role in ("problems", "last_year"):
            for item in section.items:
                item.aspect = match_aspect(item.heading, spec)
    return document


def parse_text(text: str, spec: MeetingSpec | None = None, source: str = "", markdown: bool = False) -> ParseResult:
    cleaned, cleaning = scrub(text)
    document = parse_lines(_clean_lines(cleaned, markdown))
    if spec is not None:
        assign_aspects(document, spec)
    return ParseResult(document=document, cleaning=cleaning, source=source)
