"""Drafts of one unit aligned for reading side by side: section by section in the spec's order, problems
aspect by aspect (the spec's mandated aspects), causes and measures by position."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document, count_chars, item_paragraphs, paragraphs_of
from pipeline.core.resources import lexicon
from pipeline.material.specs import MeetingSpec
from pipeline.review.rules import specificity
from pipeline.review.structure import role_name


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Cell(Strict):
    present: bool = False
    text: str = ""
    chars: int = 0
    specificity: float | None = None


class Row(Strict):
    role: str
    key: str
    label: str
    cells: list[Cell]
    # A part the spec requires (a required section, a mandated aspect): a draft without it lacks something.
    # Section intros, optional sections (结尾…), items beyond the mandated aspects and items by position are not.
    required: bool = False


# Without a spec: the three parts every 对照检查材料 has.
CORE_ROLES = ("problems", "causes", "measures")


def required_roles(spec: MeetingSpec | None) -> list[str]:
    return spec.required_roles() if spec else list(CORE_ROLES)


def _cell(paragraphs: list[str], score: bool) -> Cell:

    text = "\n".join(p for p in paragraphs if p.strip())
    if not text:
        return Cell()
    return Cell(present=True, text=text, chars=count_chars(text),
                specificity=specificity(text)["score"] if score else None)


def _section_paragraphs(document: Document, role: str) -> list[str] | None:
    sections = [s for s in document.sections if s.role == role]
    if not sections:
        return None
    out = []
    for section in sections:
        out += ([section.marker + section.heading] if section.heading else []) + paragraphs_of(section.intro)
        for item in section.items:
            out += item_paragraphs(item)
    return out


def role_order(documents: list[Document], spec: MeetingSpec | None) -> list[str]:
    """The spec's sections in order; a section the spec does not require goes after the one it follows in
    the first draft that has it (上年度整改情况 after the preamble, not at the end)."""
    order = spec.required_roles() if spec else []
    for document in documents:
        previous = None
        for section in document.sections:
            if section.role not in order:
                order.insert(order.index(previous) + 1 if previous in order else 0, section.role)
            previous = section.role
    return order


def align(documents: list[Document], spec: MeetingSpec | None) -> list[Row]:
    """Rows in the spec's section order; problems by mandated aspect, causes and measures by position."""

    words = lexicon("eval")["labels"]
    required = set(required_roles(spec))
    roles = role_order(documents, spec)
    aspects = spec.aspect_names() if spec else []
    rows: list[Row] = []
    for role in roles:
        sections = [next((s for s in d.sections if s.role == role), None) for d in documents]
        if all(s is None for s in sections):
            continue
        name = role_name(role)
        if role not in ("problems", "causes", "measures") or not any(s and s.items for s in sections):
            rows.append(Row(role=role, key=role, label=name, required=role in required, cells=[
                _cell(p, False) if (p := _section_paragraphs(d, role)) is not None else Cell() for d in documents]))
            continue
        if any(s and s.intro for s in sections):
            rows.append(Row(role=role, key=f"{role}:intro", label=f"{name} › 导语",
                            cells=[_cell(paragraphs_of(s.intro), False) if s else Cell() for s in sections]))
        by_aspect = role == "problems" and bool(aspects)
        for aspect in aspects if by_aspect else []:
            cells = []
            for s in sections:
                items = [i for i in (s.items if s else []) if i.aspect == aspect]
                cells.append(_cell([p for i in items for p in item_paragraphs(i)], True))
            rows.append(Row(role=role, key=f"{role}:{aspect}", label=f"{name} › {aspect}", cells=cells,
                            required=role in required))
        rest = [[i for i in (s.items if s else []) if not by_aspect or i.aspect not in aspects] for s in sections]
        for position in range(max(map(len, rest), default=0)):
            first = next(r[position] for r in rest if len(r) > position)
            heading = (first.marker + first.heading)[:24]
            label = f"{name} › {words['other_aspect']}：{heading}" if by_aspect else f"{name} › {heading}"
            rows.append(Row(role=role, key=f"{role}:#{position + 1}", label=label, cells=[
                _cell(item_paragraphs(r[position]), role == "problems") if len(r) > position else Cell() for r in rest]))
    return rows
