"""The 整改清单 (台账): an .xlsx sheet (openpyxl) and a .docx table in the 公文 layout (GB/T 9704-2012).

The sheet is the ledger the clerk keeps (序号、方面、问题、来源、整改措施、责任人、完成时限、状态、完成情况、佐证材料;
状态 picked from a drop-down list); the printed table leaves out what is filled in later (完成情况、佐证材料) and 方面.
"""

from __future__ import annotations

from io import BytesIO

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from pipeline.core.resources import lexicon
from pipeline.export.docx import build_docx
from pipeline.export.layouts import LAYOUTS, child, set_fonts, text_width_pt
from pipeline.material.document import Document
from pipeline.material.meeting_docs import LedgerRow

# The printed table's columns, with their share of the 版心 width: 问题 and 整改措施 wide.
_DOCX_COLUMNS = {"序号": 0.065, "问题": 0.255, "来源": 0.12, "整改措施": 0.26, "责任人": 0.09, "完成时限": 0.12, "状态": 0.09}
_CENTRED = {"序号", "责任人", "完成时限", "状态"}
_CELL_MARGIN = 57  # twips (1 mm) left and right: 序号 and 责任人 fit on one line
_EXCEL_WIDTHS = {"序号": 6, "方面": 14, "问题": 36, "来源": 14, "整改措施": 36, "责任人": 10, "完成时限": 14, "状态": 10,
                 "完成情况": 30, "佐证材料": 18}  # characters
_STATUS_ROWS = 1000  # the drop-down covers rows the clerk adds below the drafted ones
_TABLE_SIZE = 10.5  # 五号: seven columns do not fit the 版心 in 3号, and 状态/责任人 stay on one line
_TABLE_LINE = 18  # pt, exact: a compact line for table cells


def ledger_xlsx(title: str, header: list[str], rows: list[LedgerRow], statuses: list[str] | None = None) -> bytes:
    """A workbook with one sheet: the header row (bold, repeated on every printed page), then the rows; 状态 is a
    drop-down of `statuses`."""
    from openpyxl import Workbook  # lazy: heavy library, loaded only where used
    from openpyxl.worksheet.datavalidation import DataValidation  # lazy: heavy library, loaded only where used
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
                                       horizontal="center" if header[cell.column - 1] in _CENTRED else "left")
            cell.border = border
            cell.font = Font(name="仿宋", size=12, bold=cell.row == 1)
    for index, name in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(index)].width = _EXCEL_WIDTHS.get(name, 14)
    statuses = statuses if statuses is not None else list(lexicon("meeting")["ledger"]["statuses"])
    if statuses and "状态" in header:
        column = get_column_letter(header.index("状态") + 1)
        choice = DataValidation(type="list", formula1='"' + ",".join(statuses) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="状态", error="请从列表中选择：" + "、".join(statuses))
        choice.add(f"{column}2:{column}{max(_STATUS_ROWS, len(rows) + 1)}")
        sheet.add_data_validation(choice)
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
    shown = [index for index, name in enumerate(header) if name in _DOCX_COLUMNS]
    table = out.add_table(rows=1 + len(rows), cols=len(shown))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    width_mm = text_width_pt(spec) / 72 * 25.4
    _fixed_widths(table, [Mm(width_mm * _DOCX_COLUMNS[header[index]]) for index in shown])
    heading_font, body_font = spec.styles["h1"].font, spec.body_font
    for column, index in enumerate(shown):
        _cell_text(table.rows[0].cells[column], header[index], heading_font, False, True)
    child_tr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    child_tr.append(repeat)
    for number, row in enumerate(rows, 1):
        cells = row.cells()
        for column, index in enumerate(shown):
            _cell_text(table.rows[number].cells[column], str(cells[index]), body_font, False, header[index] in _CENTRED)
    out.core_properties.title = title
    buffer = BytesIO()
    out.save(buffer)
    return buffer.getvalue()
