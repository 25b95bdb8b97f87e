"""The 整改清单 the clerk kept, read back from .xlsx (written by duizhao, edited in Excel, WPS or LibreOffice).

Columns are found by their header names, so reordered or added columns do not matter. Nothing is rewritten:
this module only reads, and reports each broken cell by row and column.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.core.files import check_file
from pipeline.core.resources import lexicon
from pipeline.material.profile import LastYear
from pipeline.text.deadlines import due_date
from pipeline.text.slots import is_pending

_HEADER_ROWS = 5  # the header is in the first rows (a title row may sit above it)


class LedgerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    row: int  # the sheet's row number, as Excel shows it
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


def _header(sheet) -> tuple[int, dict[str, int]]:
    names = {alias: name for name, aliases in _words()["columns"].items() for alias in aliases}
    for number, cells in enumerate(sheet.iter_rows(max_row=_HEADER_ROWS, values_only=True), 1):
        found: dict[str, int] = {}
        for index, value in enumerate(cells):
            name = names.get("".join(_text(value).split()))
            if name and name not in found:
                found[name] = index
        if all(name in found for name in _words()["required"]):
            return number, found
    return 0, {}


def _open(path: Path):
    from openpyxl import load_workbook  # lazy: heavy library, loaded only where used

    if path.suffix.lower() != ".xlsx":
        raise InputError(_words()["not_xlsx"].format(path=path))
    check_file(path)
    if not zipfile.is_zipfile(path):
        raise InputError(_words()["not_xlsx"].format(path=path))
    try:
        # data_only: a formula cell reads as the value Excel/WPS last computed for it.
        return load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise InputError(_words()["unreadable"].format(path=path, why=type(exc).__name__)) from exc


def read_ledger(path: str | Path) -> LedgerSheet:
    """Every filled row of the ledger, with an issue for each cell that cannot be trusted."""
    from openpyxl.utils import get_column_letter  # lazy: heavy library, loaded only where used

    path = Path(path)
    book = _open(path)
    # The active sheet, else the first that has the header (a clerk may add a 说明 sheet in front).
    sheets = [book.active, *(s for s in book.worksheets if s is not book.active)]
    sheet, header_row, columns = sheets[0], 0, {}
    for candidate in sheets:
        header_row, columns = _header(candidate)
        if header_row:
            sheet = candidate
            break
    if not header_row:
        raise InputError(_words()["no_header"].format(path=path, rows=_HEADER_ROWS,
                                                      columns="”“".join(_words()["required"])))
    words, allowed = _words(), statuses()
    result = LedgerSheet(path=str(path), title=_text(book.properties.title) or path.stem)

    def col(name: str) -> str:
        return get_column_letter(columns[name] + 1)

    for number, cells in enumerate(sheet.iter_rows(min_row=header_row + 1, values_only=True), header_row + 1):
        values = {name: _text(cells[index]) if index < len(cells) else "" for name, index in columns.items()}
        if not any(values.values()):
            continue
        issues = []
        if not values.get("问题"):
            issues.append(("error", words["problem_empty"].format(row=number, col=col("问题"))))
        status = values.get("状态", "")
        if not status:
            issues.append(("error", words["status_empty"].format(row=number, col=col("状态"),
                                                                  statuses="/".join(allowed))))
        elif status not in allowed:
            issues.append(("error", words["status_bad"].format(row=number, col=col("状态"), value=status,
                                                                statuses="/".join(allowed))))
        deadline = values.get("完成时限", "")
        raw = cells[columns["完成时限"]] if "完成时限" in columns and columns["完成时限"] < len(cells) else None
        due = raw.date() if isinstance(raw, datetime) else raw if isinstance(raw, date) else due_date(deadline)
        open_row = status in allowed[:2]  # 未开始 / 整改中
        if open_row and due is None:
            if deadline and not is_pending(deadline) and "起" not in deadline:
                issues.append(("warning", words["deadline_unread"].format(row=number, col=col("完成时限"),
                                                                          value=deadline)))
            elif not deadline or is_pending(deadline):
                issues.append(("warning", words["deadline_missing"].format(row=number, status=status)))
        if open_row:
            for name in ("整改措施", "责任人"):
                if name in columns and (not values.get(name) or is_pending(values[name])):
                    issues.append(("warning", words["open_missing"].format(row=number, col=col(name), name=name,
                                                                           status=status)))
        if status == lexicon("meeting")["ledger"]["done"] and not values.get("完成情况") and "完成情况" in columns:
            issues.append(("warning", words["done_no_result"].format(row=number, col=col("完成情况"))))
        result.issues += [LedgerIssue(row=number, severity=s, message=m) for s, m in issues]
        if values.get("问题"):
            result.entries.append(LedgerEntry(
                row=number, number=values.get("序号", ""), aspect=values.get("方面", ""), problem=values["问题"],
                source=values.get("来源", ""), kind=source_kind(values.get("来源", "")),
                measure=values.get("整改措施", ""), owner=values.get("责任人", ""),
                deadline=deadline, status=status, result=values.get("完成情况", ""),
                evidence=values.get("佐证材料", ""), due=due))
    if not result.entries and not result.errors:
        raise InputError(words["no_rows"].format(path=path))
    return result


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


def ledger_last_year(sheet: LedgerSheet) -> list[LastYear]:
    """The ledger's rows as last year's entries: the clerk's 完成情况 is the result, 【待补】 cells stay empty."""
    source = lexicon("last_year")["source_ledger"]
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
                                source=source.format(name=name, row=entry.row)))
    return entries
