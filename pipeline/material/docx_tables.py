"""A Word table as rows of cell texts, one per grid column, the way the clerk sees it.

python-docx gives a horizontally merged cell (gridSpan) once per grid column it spans and a vertically merged one
(vMerge) again on every row it spans. Here a cell spanning columns counts once (its other columns are empty), and
a cell continuing the one above is marked `Above`: it shows the same text, and a reader can tell that the row
belongs to the row above rather than being a new one.
"""

from __future__ import annotations


class Above(str):
    """The text of a cell merged with the cell above it (Word's vMerge="continue")."""


def _text(cell) -> str:
    from pipeline.material.docx_text import shown_text  # lazy: imports python-docx

    # As Word shows it with tracked changes accepted: a status changed under 修订 reads as the new one.
    return "\n".join(shown_text(p) for p in cell.paragraphs).strip()


def _root(tc):
    """The cell a vertical merge starts from (a malformed "continue" on the first row is its own root)."""
    while tc.vMerge == "continue":
        try:
            tc = tc._tc_above
        except (ValueError, IndexError):
            break
    return tc


def table_rows(table) -> list[list[str]]:
    """Each row's cells in grid order: '' where a row starts late, or for the further columns a cell spans."""
    from docx.oxml.ns import qn  # lazy: heavy library, loaded only where used
    from docx.table import _Cell  # lazy: heavy library, loaded only where used

    rows: list[list[str]] = []
    for row in table.rows:
        properties = row._tr.trPr
        if properties is not None and properties.find(qn("w:del")) is not None:
            rows.append([])  # a row deleted under 修订 (tracked changes): gone once accepted, its number kept
            continue
        cells: list[str] = [""] * row.grid_cols_before
        for tc in row._tr.tc_lst:
            text = _text(_Cell(_root(tc), table))
            cells.append(Above(text) if tc.vMerge == "continue" else text)
            cells += [""] * (tc.grid_span - 1)  # the spanned columns of one cell hold nothing of their own
        rows.append(cells)
    return rows


def body_tables(document) -> list[tuple[list[str], object]]:
    """Each table of the document's body, with the paragraphs above it (list numbers drawn in, as
    `docx_paragraphs` reads them): a reader can tell which heading a table stands under."""
    from docx.table import Table  # lazy: heavy library, loaded only where used
    from docx.text.paragraph import Paragraph  # lazy: heavy library, loaded only where used

    from pipeline.material.docx_numbering import paragraph_label, read_numbering  # lazy: imports python-docx
    from pipeline.material.docx_text import shown_text  # lazy: imports python-docx

    numbering = read_numbering(document)
    found, lines = [], []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document._body)
            label, text = paragraph_label(numbering, paragraph), shown_text(paragraph).strip()
            if text:
                lines.append(label + text.replace("\n", ""))
        elif tag == "tbl":
            found.append((list(lines), Table(element, document._body)))
    return found
