"""The 征求意见表 as a form to hand out: the title and opening in the 公文 layout, then a table (项目 | 意见和建议)
with room to write in each row, then the closing lines and signature. The .md shows the same table."""

from __future__ import annotations

from io import BytesIO

from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.shared import Mm

from pipeline.export.docx import build_docx
from pipeline.export.layouts import LAYOUTS, text_width_pt
from pipeline.export.ledger import _borders, _cell_text, _fixed_widths  # one table style for the meeting's forms
from pipeline.material.document import render
from pipeline.material.meeting_papers import Paper

_WIDTHS = (0.32, 0.68)
_ROW_MM = 30  # room to write by hand under each heading


def form_docx(paper: Paper, layout: str = "gbt9704") -> bytes:
    out = build_docx(paper.document, layout)
    spec = LAYOUTS[layout]
    table = out.add_table(rows=1 + len(paper.rows), cols=len(paper.columns))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    width_mm = text_width_pt(spec) / 72 * 25.4
    _fixed_widths(table, [Mm(width_mm * share) for share in _WIDTHS])
    for column, text in enumerate(paper.columns):
        _cell_text(table.rows[0].cells[column], text, spec.styles["h1"].font, False, True)
    for number, text in enumerate(paper.rows, 1):
        row = table.rows[number]
        _cell_text(row.cells[0], text, spec.body_font, False, False)
        _cell_text(row.cells[1], "", spec.body_font, False, False)
        row.height, row.height_rule = Mm(_ROW_MM), WD_ROW_HEIGHT_RULE.AT_LEAST
    # The table goes between the opening and the closing lines.
    closing = paper.document.section("closing")
    first = closing.intro[0].text if closing and closing.intro else None
    anchor = next((p for p in out.paragraphs if first and p.text == first), None)
    if anchor is not None:
        anchor._p.addprevious(table._tbl)
    out.core_properties.title = paper.document.title
    buffer = BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def form_markdown(paper: Paper) -> str:
    """The form as Markdown: the document's text with the table after its opening."""
    head = paper.document.model_copy(update={"sections": [s for s in paper.document.sections if s.role != "closing"],
                                             "signature": []})
    tail = paper.document.model_copy(update={"title": "", "sections": [s for s in paper.document.sections
                                                                      if s.role == "closing"]})
    table = [f"| {' | '.join(paper.columns)} |", "| " + " | ".join("---" for _ in paper.columns) + " |"]
    table += [f"| {row} |" + " |" * (len(paper.columns) - 1) for row in paper.rows]
    return "\n\n".join([render(head, markdown=True).rstrip(), "\n".join(table), render(tail, markdown=True).strip()]) + "\n"
