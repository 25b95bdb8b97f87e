"""The county review as an .xlsx workbook (openpyxl): one sheet with a row per material, one with the 雷同 pairs."""

from __future__ import annotations

from io import BytesIO

from pipeline.core.owned import GENERATOR
from pipeline.core.resources import lexicon


def review_xlsx(rows: list[list], pairs: list[list]) -> bytes:
    from openpyxl import Workbook  # lazy: heavy library, loaded only where used
    from openpyxl.styles import Alignment, Font  # lazy: heavy library, loaded only where used

    words = lexicon("review")
    book = Workbook()
    book.properties.identifier = GENERATOR  # --force replaces only a sheet duizhao wrote
    results = book.active
    results.title = words["sheets"]["results"]
    copies = book.create_sheet(words["sheets"]["copies"])
    for sheet, header, body, widths in ((results, words["results_header"], rows, [28, 20, 16, 6, 6, 9, 28, 80]),
                                        (copies, words["copies_header"], pairs, [28, 28, 9, 10, 60])):
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in body:
            sheet.append(row)
        for column, width in zip("ABCDEFGH", widths):
            sheet.column_dimensions[column].width = width
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    for line in results.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in line:
            cell.number_format = "0.0%"
    for line in copies.iter_rows(min_row=2, min_col=3, max_col=3):
        for cell in line:
            cell.number_format = "0.0%"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
