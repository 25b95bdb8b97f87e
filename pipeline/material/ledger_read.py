"""The 整改清单 the clerk kept, read back from an .xlsx sheet or a .docx table (written by duizhao, edited in
Excel, Word, WPS or LibreOffice).

One reader with two sources of rows: columns are found by their header names, so reordered or added columns do
not matter; a title above the header is allowed; a Word table's merged cells count once. Nothing is rewritten:
this module only reads, and reports each broken cell by row and column as the clerk sees them.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon
from pipeline.material.ledger_rows import Grid, cell_values, due_of, find_rows, fold, header, word_tables
from pipeline.material.profile import LastYear
from pipeline.text.slots import is_pending


class LedgerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    row: int  # the sheet's row number, as Excel shows it; a Word table's row, its first row 1
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


def _entry(grid: Grid, number: int, values: dict[str, str], due: date | None) -> LedgerEntry:
    return LedgerEntry(row=number, at=grid.at(number), number=values.get("序号", ""), aspect=values.get("方面", ""),
                       problem=values["问题"], source=values.get("来源", ""), kind=source_kind(values.get("来源", "")),
                       measure=values.get("整改措施", ""), owner=values.get("责任人", ""),
                       deadline=values.get("完成时限", ""), status=values.get("状态", ""),
                       result=values.get("完成情况", ""), evidence=values.get("佐证材料", ""), due=due)


def read_ledger(path: str | Path) -> LedgerSheet:
    """Every filled row of the ledger (.xlsx sheet or .docx table), with an issue for each cell that cannot be
    trusted."""
    path = Path(path)
    grid, rows, columns = find_rows(path, _words()["required"])
    words, allowed = _words(), statuses()
    result = LedgerSheet(path=str(path), title=grid.title)

    def col(name: str) -> str:
        return grid.col(columns[name])

    for number, cells in rows:
        values = cell_values(cells, columns)
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
        due = due_of(raw, deadline)
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
    for grid in word_tables(path):
        position, columns = header(grid, ["问题"])
        if position < 0:
            continue
        rows = [(n, cell_values(cells, columns)) for n, cells in fold(grid.rows[position + 1:], columns)]
        entries = [_entry(grid, n, values, due_of(None, values.get("完成时限", ""))) for n, values in rows
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
