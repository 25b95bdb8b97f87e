"""The rows of a 整改清单 / 问题清单 as the clerk sees them, from either source: an .xlsx sheet (openpyxl) or a
.docx table (python-docx, through `docx_tables`). The header is found by column names in the first rows (a title
may sit above it; a Word header may take two rows); a problem merged down several Word rows is one row.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.core.files import check_file
from pipeline.core.resources import lexicon
from pipeline.material.docx_tables import Above, body_tables, table_rows
from pipeline.material.load import open_docx
from pipeline.text.deadlines import due_date

HEADER_ROWS = 5  # the header is in the first rows (a title row may sit above it)
SUFFIXES = (".xlsx", ".docx")


def _words() -> dict:
    return lexicon("last_year")["ledger"]


def _statuses() -> list[str]:
    return list(lexicon("meeting")["ledger"]["statuses"])


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class Grid:
    """A sheet or a Word table: its rows of raw cell values, numbered as the clerk sees them."""

    title: str
    rows: list[tuple[int, list]]
    table: str = ""  # "" for a sheet; 表格 / 第2个表格 for a Word table
    before: list[str] = field(default_factory=list)  # a Word table: the document's paragraphs above it

    def at(self, row: int) -> str:
        words = _words()
        return words["table_row"].format(table=self.table, row=row) if self.table else words["sheet_row"].format(row=row)

    def col(self, index: int) -> str:
        from openpyxl.utils import get_column_letter  # lazy: heavy library, loaded only where used

        words = _words()
        return words["table_col"].format(column=index + 1) if self.table else \
            words["sheet_col"].format(letter=get_column_letter(index + 1))


def _named(cells: list, skip_above: bool = False) -> dict[str, int]:
    names = {alias: name for name, aliases in _words()["columns"].items() for alias in aliases}
    found: dict[str, int] = {}
    for index, value in enumerate(cells):
        name = names.get("".join(cell_text(value).split()))
        if name and name not in found and not (skip_above and isinstance(value, Above)):
            found[name] = index
    return found


def header(grid: Grid, required: list[str]) -> tuple[int, dict[str, int]]:
    """The position in `grid.rows` of the header's last row (within the first rows) and each named column's
    index. A Word header of two rows (整改情况 over 状态 and 完成情况, the other cells merged down) is read as one:
    the lower row names the columns it splits."""
    rows = grid.rows[:HEADER_ROWS]
    for position, (_, cells) in enumerate(rows):
        found, last = _named(cells), position
        if position + 1 < len(rows) and any(isinstance(value, Above) for value in rows[position + 1][1]):
            lower = _named(rows[position + 1][1], skip_above=True)
            if lower:  # (a first data row merged with the header names no column)
                found = {name: index for name, index in found.items() if index not in lower.values()} | lower
                last = position + 1
        if all(name in found for name in required) and (
                required != ["问题"] or any(name in found for name in _words()["table_marks"])):
            return last, found
    return -1, {}


def _check(path: Path, accepted: tuple[str, ...]) -> str:
    suffix = path.suffix.lower()
    if suffix not in accepted:
        raise InputError(_words()["not_ledger"].format(path=path))
    check_file(path)
    return suffix


def _sheets(path: Path) -> list[Grid]:
    from openpyxl import load_workbook  # lazy: heavy library, loaded only where used

    if not zipfile.is_zipfile(path):
        raise InputError(_words()["not_ledger"].format(path=path))
    try:
        # data_only: a formula cell reads as the value Excel/WPS last computed for it.
        book = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise InputError(_words()["unreadable"].format(path=path, why=type(exc).__name__)) from exc
    title = cell_text(book.properties.title) or path.stem
    # The active sheet first (a clerk may add a 说明 sheet in front).
    sheets = [book.active, *(s for s in book.worksheets if s is not book.active)]
    return [Grid(title, list(enumerate(sheet.iter_rows(values_only=True), 1))) for sheet in sheets]


def word_tables(path: Path) -> list[Grid]:
    """Each table of a .docx, titled by the file's title, else the paragraph above it (the clerk's heading)."""
    document = open_docx(path)
    own = (document.core_properties.title or "").strip()
    grids = []
    for before, table in body_tables(document):
        name = _words()["table_name"] if not grids else _words()["table_nth"].format(n=len(grids) + 1)
        title = own or (before[-1] if before else "") or path.stem
        grids.append(Grid(title, list(enumerate(table_rows(table), 1)), name, before))
    return grids


def _grids(path: Path) -> list[Grid]:
    suffix = _check(path, SUFFIXES)
    return _sheets(path) if suffix == ".xlsx" else word_tables(path)


def _fold_status(values: list[str]) -> str:
    """One 状态 for a problem whose rows were merged: all alike, or 整改中 while a part is open."""
    allowed, distinct = _statuses(), list(dict.fromkeys(v for v in values if v))
    if len(distinct) <= 1 or not all(v in allowed for v in distinct):
        return "；".join(distinct)
    return allowed[3] if all(v in allowed[2:] for v in distinct) else allowed[1]


def _joined(kept, cell) -> str:
    """A cell of a merged problem's further row added to the first row's: a merged cell counts once."""
    if isinstance(cell, Above) or not cell_text(cell):
        return kept
    return f"{cell_text(kept)}；{cell_text(cell)}" if cell_text(kept) else cell


def fold(rows: list[tuple[int, list]], columns: dict[str, int]) -> list[tuple[int, list]]:
    """Rows whose 问题 cell is merged with the one above (one problem, several measures) as one row, numbered by
    its first: each cell's own texts joined, 状态 one for the whole problem."""
    problem, status = columns["问题"], columns.get("状态")
    folded: list[tuple[int, list, list[str]]] = []
    for number, cells in rows:
        own = cell_text(cells[status]) if status is not None and status < len(cells) else ""
        if problem < len(cells) and isinstance(cells[problem], Above):
            if not folded:
                continue  # the lower row of a two-row header
            first, kept, states = folded[-1]
            width = max(len(kept), len(cells))
            kept, cells = [*kept, *[""] * (width - len(kept))], [*cells, *[""] * (width - len(cells))]
            folded[-1] = (first, [_joined(a, b) for a, b in zip(kept, cells)], [*states, own])
        else:
            folded.append((number, list(cells), [own]))
    if status is not None:
        for _, cells, states in folded:
            if len(states) > 1 and status < len(cells):
                cells[status] = _fold_status(states)
    return [(number, cells) for number, cells, _ in folded]


def due_of(raw, deadline: str) -> date | None:
    """The date a time limit ends: Excel's own date, else the earliest date its words name."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    found = [d for d in (due_date(part) for part in deadline.split("；")) if d is not None]
    return min(found) if found else None


def find_rows(path: Path, required: list[str]) -> tuple[Grid, list[tuple[int, list]], dict[str, int]]:
    grids = _grids(path)
    for grid in grids:
        position, columns = header(grid, required)
        if position >= 0:
            return grid, fold(grid.rows[position + 1:], columns), columns
    words, wanted = _words(), "”“".join(required)
    if path.suffix.lower() == ".docx":
        raise InputError(words["no_table"].format(path=path, columns=wanted))
    raise InputError(words["no_header"].format(path=path, rows=HEADER_ROWS, columns=wanted))


def cell_values(cells: list, columns: dict[str, int]) -> dict[str, str]:
    return {name: cell_text(cells[index]) if index < len(cells) else "" for name, index in columns.items()}
