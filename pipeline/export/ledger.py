"""The 整改清单 (台账): an .xlsx sheet (openpyxl) and a .docx table in the 公文 layout (GB/T 9704-2012).

Both hold the header row then one row per problem: 序号、问题、整改措施、责任人、完成时限、状态.
"""

from __future__ import annotations

from io import BytesIO

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from pipeline.export.docx import build_docx
from pipeline.export.layouts import LAYOUTS, child, set_fonts, text_width_pt
from pipeline.material.document import Document
from pipeline.material.meeting_docs import LedgerRow

# Share of the 版心 width per column: 序号 narrow, 问题 and 整改措施 wide.
_WIDTHS = (0.07, 0.30, 0.30, 0.10, 0.13, 0.10)
_CELL_MARGIN = 57  # twips (1 mm) left and right: 序号 and 责任人 fit on one line
_EXCEL_WIDTHS = (6, 40, 40, 12, 14, 8)  # characters
_TABLE_SIZE = 12  # 小四: six columns do not fit the 版心 in 3号
_TABLE_LINE = 20  # pt, exact: a compact line for table cells


def ledger_xlsx(title: str, header: list[str], rows: list[LedgerRow]) -> bytes:
    """A workbook with one sheet: the header row (bold, repeated on every printed page), then the rows."""
    from openpyxl import Workbook  # lazy: heavy library, loaded only where used
    from openpyxl.styles import Alignment, Border, Font, Side  # lazy: heavy library, loaded only where used
    from openpyxl.utils import get_column_letter  # lazy: heavy library, loaded only where used

    book = Workbook()
    sheet = book.active
    sheet.title = "整改清单"
    sheet.append(header)
    for row in rows:
        sheet.append(row.cells())
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="center",
                                       horizontal="center" if cell.column in (1, 4, 5, 6) else "left")
            cell.border = border
            cell.font = Font(name="仿宋", size=12, bold=cell.row == 1)
    for index, width in enumerate(_EXCEL_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.center.text = title
    book.properties.title = title
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_text(cell, text: str, font: str, bold: bool, centre: bool) -> None:
    paragraph = cell.paragraphs[0]
    ppr = paragraph._p.get_or_add_pPr()
    child(ppr, "snapToGrid", val="0")
    child(ppr, "spacing", before="0", after="0", line=str(_TABLE_LINE * 20), lineRule="exact")
    child(ppr, "ind", firstLine="0", firstLineChars="0")
    child(ppr, "jc", val="center" if centre else "left")
    run = paragraph.add_run(text)
    rpr = run._r.get_or_add_rPr()
    set_fonts(rpr, font, _TABLE_SIZE, bold)
    child(rpr, "spacing", val="0")


def _borders(table) -> None:
    borders = child(table._tbl.tblPr, "tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        child(borders, edge, val="single", sz="6", space="0", color="000000")


def _fixed_widths(table, widths) -> None:
    """Column widths every reader honours: the grid, each cell, the table width, and a fixed layout (without
    these LibreOffice squeezes the columns to their content)."""
    tbl_pr = table._tbl.tblPr
    child(tbl_pr, "tblW", w=str(sum(w.twips for w in widths)), type="dxa")
    child(tbl_pr, "tblLayout", type="fixed")
    margins = child(tbl_pr, "tblCellMar")
    for side in ("left", "right"):
        child(margins, side, w=str(_CELL_MARGIN), type="dxa")
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(width.twips))
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def ledger_docx(title: str, header: list[str], rows: list[LedgerRow], layout: str = "gbt9704") -> bytes:
    """The title in the layout's title style, then one table as wide as the 版心; the header row repeats."""
    out = build_docx(Document(title=title), layout)
    spec = LAYOUTS[layout]
    table = out.add_table(rows=1 + len(rows), cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    width_mm = text_width_pt(spec) / 72 * 25.4
    _fixed_widths(table, [Mm(width_mm * share) for share in _WIDTHS])
    heading_font, body_font = spec.styles["h1"].font, spec.body_font
    for column, text in enumerate(header):
        _cell_text(table.rows[0].cells[column], text, heading_font, False, True)
    child_tr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    child_tr.append(repeat)
    for number, row in enumerate(rows, 1):
        for column, value in enumerate(row.cells()):
            _cell_text(table.rows[number].cells[column], str(value), body_font, False, column in (0, 3, 4, 5))
    out.core_properties.title = title
    buffer = BytesIO()
    out.save(buffer)
    return buffer.getvalue()

