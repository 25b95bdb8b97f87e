"""Units of a material for the content rules: one problem, cause or measure with its place in the document,
plus the small types every rule returns (findings, marks to highlight, metrics)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.review.structure import Finding, Severity, item_label, message, section_label
from pipeline.material.document import Document, Point
from pipeline.core.resources import lexicon

_CONTENT = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")


@dataclass
class Unit:
    """One problem / cause / measure: an item, or one numbered point of an item (or of a section intro)."""

    section: int
    item: int | None
    point: int | None
    label: str
    heading: str
    text: str
    aspect: str | None = None

    @property
    def path(self) -> list[int]:
        if self.item is None:
            return [self.section]
        return [self.section, self.item] + ([self.point] if self.point is not None else [])

    @property
    def anchor(self) -> tuple[int, int | None, int | None]:
        return (self.section, self.item, self.point)


@dataclass
class Mark:
    """Something to highlight: `phrase` inside the unit at `anchor`, or the whole unit when phrase is empty."""

    anchor: tuple[int, int | None, int | None]
    kind: str
    phrase: str = ""
    note: str = ""


@dataclass
class RuleResult:
    findings: list[Finding] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def settings() -> dict:
    return lexicon("content")


def finding(code: str, severity: Severity, unit: Unit | None = None, template: str | None = None,
            location: str = "", path: list[int] | None = None, **values) -> Finding:
    return Finding(code=code, severity=severity, message=message(template or code, **values),
                   location=unit.label if unit else location, path=unit.path if unit else (path or []))


def content_length(text: str) -> int:
    return len(_CONTENT.findall(text))


def _joined(points: list[Point]) -> str:
    return "".join(p.marker + p.text for p in points)


def _split(points: list[Point]) -> list[tuple[int, str]]:
    """(index, text) of each numbered point, unnumbered continuations joined to the point before."""
    units: list[tuple[int, str]] = []
    for index, point in enumerate(points):
        if point.marker:
            units.append((index, point.marker + point.text))
        elif units:
            units[-1] = (units[-1][0], units[-1][1] + point.text)
    return units


def section_units(document: Document, s_index: int, split_points: bool = True) -> list[Unit]:
    """The units of a section: its items (or their numbered points), else its intro's numbered points."""
    section = document.sections[s_index]
    units: list[Unit] = []
    for i_index, item in enumerate(section.items):
        label = item_label(section, item)
        numbered = _split(item.points)
        if split_points and len(numbered) >= 2:
            for p_index, text in numbered:
                units.append(Unit(s_index, i_index, p_index, f"{label} › {item.points[p_index].marker}", item.heading,
                                  text, item.aspect))
        else:
            units.append(Unit(s_index, i_index, None, label, item.heading, item.heading + _joined(item.points), item.aspect))
    if not section.items and section.intro:
        numbered = _split(section.intro)
        label = section_label(section)
        if split_points and len(numbered) >= 2:
            units += [Unit(s_index, None, p, f"{label} › {section.intro[p].marker}", "", text) for p, text in numbered]
        else:
            units.append(Unit(s_index, None, None, label, "", _joined(section.intro)))
    return units
