"""The 整改清单 the clerk kept, read back from an .xlsx sheet or a .docx table (written by duizhao, edited in
Excel, Word, WPS or LibreOffice).

One reader with two sources of rows: columns are found by their header names, so reordered or added columns do
not matter; a title above the header is allowed; a Word table's merged cells count once. Nothing is rewritten:
this module only reads, and reports each broken cell by row and column as the clerk sees them.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.core.files import check_file
from pipeline.core.resources import lexicon
from pipeline.material.docx_tables import Above, body_tables, table_rows
from pipeline.material.load import open_docx
from pipeline.material.profile import LastYear
from pipeline.text.deadlines import due_date
from pipeline.text.slots import is_pending

_HEADER_ROWS = 5  # the header is in the first rows (a title row may sit above it)
_SUFFIXES = (".xlsx", ".docx")


class LedgerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    row: int  # the sheet's row number, as Excel shows it; a Word table's row, counted from its header
    at: str = ""  # that row as the clerk finds it: 第3行 / 表格第3行
    number: str = ""
    aspect: str = ""
    problem: str
    source: str = ""
    kind: str = ""  # where 来源 says it was raised (source_kind): opinions for 征求意见 …
    measure: str = ""
    owner: str = ""
    deadline: str = ""
    status: str = ""
    result: str = ""
    evidence: str = ""
    due: date | None = None


class LedgerIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    row: int
    severity: str  # error | warning
    message: str


class LedgerSheet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    title: str = ""
    entries: list[LedgerEntry] = []
    issues: list[LedgerIssue] = []

    @property
    def errors(self) -> list[LedgerIssue]:
        return [i for i in self.issues if i.severity == "error"]


def _words() -> dict:
    return lexicon("last_year")["ledger"]


def statuses() -> list[str]:
    return list(lexicon("meeting")["ledger"]["statuses"])


def _text(value) -> str:
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
class _Grid:
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
        name = names.get("".join(_text(value).split()))
        if name and name not in found and not (skip_above and isinstance(value, Above)):
            found[name] = index
    return found


def _header(grid: _Grid, required: list[str]) -> tuple[int, dict[str, int]]:
    """The position in `grid.rows` of the header's last row (within the first rows) and each named column's
    index. A Word header of two rows (整改情况 over 状态 and 完成情况, the other cells merged down) is read as one:
    the lower row names the columns it splits."""
    rows = grid.rows[:_HEADER_ROWS]
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


def _sheets(path: Path) -> list[_Grid]:
    from openpyxl import load_workbook  # lazy: heavy library, loaded only where used

    if not zipfile.is_zipfile(path):
        raise InputError(_words()["not_ledger"].format(path=path))
    try:
        # data_only: a formula cell reads as the value Excel/WPS last computed for it.
        book = load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise InputError(_words()["unreadable"].format(path=path, why=type(exc).__name__)) from exc
    title = _text(book.properties.title) or path.stem
    # The active sheet first (a clerk may add a 说明 sheet in front).
    sheets = [book.active, *(s for s in book.worksheets if s is not book.active)]
    return [_Grid(title, list(enumerate(sheet.iter_rows(values_only=True), 1))) for sheet in sheets]


def _tables(path: Path) -> list[_Grid]:
    """Each table of a .docx, titled by the file's title, else the paragraph above it (the clerk's heading)."""
    document = open_docx(path)
    own = (document.core_properties.title or "").strip()
    grids = []
    for before, table in body_tables(document):
        name = _words()["table_name"] if not grids else _words()["table_nth"].format(n=len(grids) + 1)
        title = own or (before[-1] if before else "") or path.stem
        grids.append(_Grid(title, list(enumerate(table_rows(table), 1)), name, before))
    return grids


def _grids(path: Path) -> list[_Grid]:
    suffix = _check(path, _SUFFIXES)
    return _sheets(path) if suffix == ".xlsx" else _tables(path)


def _fold_status(values: list[str]) -> str:
    """One 状态 for a problem whose rows were merged: all alike, or 整改中 while a part is open."""
    allowed, distinct = statuses(), list(dict.fromkeys(v for v in values if v))
    if len(distinct) <= 1 or not all(v in allowed for v in distinct):
        return "；".join(distinct)
    return allowed[3] if all(v in allowed[2:] for v in distinct) else allowed[1]


def _joined(kept, cell) -> str:
    """A cell of a merged problem's further row added to the first row's: a merged cell counts once."""
    if isinstance(cell, Above) or not _text(cell):
        return kept
    return f"{_text(kept)}；{_text(cell)}" if _text(kept) else cell


def _fold(rows: list[tuple[int, list]], columns: dict[str, int]) -> list[tuple[int, list]]:
    """Rows whose 问题 cell is merged with the one above (one problem, several measures) as one row, numbered by
    its first: each cell's own texts joined, 状态 one for the whole problem."""
    problem, status = columns["问题"], columns.get("状态")
    folded: list[tuple[int, list, list[str]]] = []
    for number, cells in rows:
        own = _text(cells[status]) if status is not None and status < len(cells) else ""
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


def _due(raw, deadline: str) -> date | None:
    """The date a time limit ends: Excel's own date, else the earliest date its words name."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    found = [d for d in (due_date(part) for part in deadline.split("；")) if d is not None]
    return min(found) if found else None


def _find(path: Path, required: list[str]) -> tuple[_Grid, list[tuple[int, list]], dict[str, int]]:
    grids = _grids(path)
    for grid in grids:
        position, columns = _header(grid, required)
        if position >= 0:
            return grid, _fold(grid.rows[position + 1:], columns), columns
    words, wanted = _words(), "”“".join(required)
    if path.suffix.lower() == ".docx":
        raise InputError(words["no_table"].format(path=path, columns=wanted))
    raise InputError(words["no_header"].format(path=path, rows=_HEADER_ROWS, columns=wanted))


def _entry(grid: _Grid, number: int, values: dict[str, str], due: date | None) -> LedgerEntry:
    return LedgerEntry(row=number, at=grid.at(number), number=values.get("序号", ""), aspect=values.get("方面", ""),
                       problem=values["问题"], source=values.get("来源", ""), kind=source_kind(values.get("来源", "")),
                       measure=values.get("整改措施", ""), owner=values.get("责任人", ""),
                       deadline=values.get("完成时限", ""), status=values.get("状态", ""),
                       result=values.get("完成情况", ""), evidence=values.get("佐证材料", ""), due=due)


def _values(cells: list, columns: dict[str, int]) -> dict[str, str]:
    return {name: _text(cells[index]) if index < len(cells) else "" for name, index in columns.items()}


def read_ledger(path: str | Path) -> LedgerSheet:
    """Every filled row of the ledger (.xlsx sheet or .docx table), with an issue for each cell that cannot be
    trusted."""
    path = Path(path)
    grid, rows, columns = _find(path, _words()["required"])
    words, allowed = _words(), statuses()
    result = LedgerSheet(path=str(path), title=grid.title)

    def col(name: str) -> str:
        return grid.col(columns[name])

    for number, cells in rows:
        values = _values(cells, columns)
        if not any(values.values()):
            continue
        at, issues = grid.at(number), []
        if not values.get("问题"):
            issues.append(("error", words["problem_empty"].format(at=at, col=col("问题"))))
        status = values.get("状态", "")
        if not status:
            issues.append(("error", words["status_empty"].format(at=at, col=col("状态"), statuses="/".join(allowed))))
        elif status not in allowed:
            issues.append(("error", words["status_bad"].format(at=at, col=col("状态"), value=status,
                                                                statuses="/".join(allowed))))
        deadline = values.get("完成时限", "")
        raw = cells[columns["完成时限"]] if "完成时限" in columns and columns["完成时限"] < len(cells) else None
        due = _due(raw, deadline)
        open_row = status in allowed[:2]  # 未开始 / 整改中
        if open_row and due is None:
            if deadline and not is_pending(deadline) and "起" not in deadline:
                issues.append(("warning", words["deadline_unread"].format(at=at, col=col("完成时限"), value=deadline)))
            elif not deadline or is_pending(deadline):
                issues.append(("warning", words["deadline_missing"].format(at=at, status=status)))
        if open_row:
            for name in ("整改措施", "责任人"):
                if name in columns and (not values.get(name) or is_pending(values[name])):
                    issues.append(("warning", words["open_missing"].format(at=at, col=col(name), name=name,
                                                                           status=status)))
        if status == lexicon("meeting")["ledger"]["done"] and not values.get("完成情况") and "完成情况" in columns:
            issues.append(("warning", words["done_no_result"].format(at=at, col=col("完成情况"))))
        result.issues += [LedgerIssue(row=number, severity=s, message=m) for s, m in issues]
        if values.get("问题"):
            result.entries.append(_entry(grid, number, values, due))
    if not result.entries and not result.errors:
        raise InputError(words["no_rows"].format(path=path))
    return result


def docx_tables(path: str | Path) -> list[tuple[list[str], LedgerSheet]]:
    """Each table of a .docx whose header names 问题 and a 整改措施/责任人/完成时限/状态 column (a material's
    问题清单 or 整改清单), its rows unchecked, with the paragraphs above it."""
    path = Path(path)
    found = []
    for grid in _tables(path):
        position, columns = _header(grid, ["问题"])
        if position < 0:
            continue
        rows = [(n, _values(cells, columns)) for n, cells in _fold(grid.rows[position + 1:], columns)]
        entries = [_entry(grid, n, values, _due(None, values.get("完成时限", ""))) for n, values in rows
                   if values.get("问题")]
        if entries:
            found.append((grid.before, LedgerSheet(path=str(path), title=grid.title, entries=entries)))
    return found


def _source_patterns() -> dict[str, str]:
    """Each 来源 the ledger writes (lexicon meeting.yaml ledger.sources) as a pattern; the group is whose row it is."""
    patterns = {}
    for key, template in lexicon("meeting")["ledger"]["sources"].items():
        pattern = re.escape(template).replace(re.escape("{by}"), ".+?")
        patterns[key] = pattern.replace(re.escape("{name}"), "(.+?)").replace(re.escape("{to}"), "(.+?)")
    return patterns


def source_kind(source: str) -> str:
    """Where a 来源 cell says the problem was raised (group, personal, opinions, criticism, case, carried);
    '' for a 来源 the clerk wrote in words of their own."""
    key = next((key for key, pattern in _source_patterns().items() if re.fullmatch(pattern, source.strip())), "")
    return key.removesuffix("_personal")  # 征求意见（X）: raised in 征求意见, about member X


def whose(source: str) -> str:
    """The member a 来源 cell names as the problem's owner (个人查摆（X）, 征求意见（X）, 相互批评（A提给X）); '' for
    the 班子's."""
    for pattern in _source_patterns().values():
        match = re.fullmatch(pattern, source.strip())
        if match:
            return match.group(1) if match.groups() else ""
    return ""


def _own(text: str) -> str:
    return "" if is_pending(text) else text.strip().rstrip("。")


def ledger_last_year(sheet: LedgerSheet, source: str = "") -> list[LastYear]:
    """The ledger's rows as last year's entries: the clerk's 完成情况 is the result, 【待补】 cells stay empty.
    `source` names where they were read ({name} the file, {at} the row), by default the kept ledger."""
    source = source or lexicon("last_year")["source_ledger"]
    name = Path(sheet.path).name
    entries = []
    for entry in sheet.entries:
        problem, who = entry.problem.rstrip("。"), whose(entry.source)
        # Earlier ledgers had no 来源 column and wrote whose problem it is after it: 问题（李四）/ 问题（班子）.
        old = re.fullmatch(r"(.+?)（([^（）]{2,8})）", problem) if not entry.source else None
        if old:
            problem, who = old.group(1), "" if old.group(2) == lexicon("meeting")["ledger"]["group"] else old.group(2)
        entries.append(LastYear(problem=problem, fixed=_own(entry.result), measure=_own(entry.measure),
                                owner=_own(entry.owner), deadline=_own(entry.deadline), aspect=entry.aspect,
                                status=entry.status, evidence=_own(entry.evidence), who=who,
                                source=source.format(name=name, at=entry.at)))
    return entries
