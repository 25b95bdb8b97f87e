"""The kept 整改清单 checked and reported on: `duizhao ledger` validates what the clerk filled in, lists what is
overdue (逾期) and what is done, and writes a progress report (.docx, GB/T 9704) for the higher body.

The ledger file is only read, never rewritten. The report states nothing but the ledger's own cells and counts
of its rows; what the ledger does not say is a 【待补】.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.core.owned import check_replaceable
from pipeline.core.resources import lexicon
from pipeline.export.docx import write_docx
from pipeline.material.document import Document, Item, Point, Section
from pipeline.material.ledger_read import LedgerEntry, LedgerIssue, read_ledger, statuses
from pipeline.text.numbering import level1_marker, level2_marker


class LedgerReview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    title: str
    today: date
    entries: list[LedgerEntry] = []
    issues: list[LedgerIssue] = []
    counts: dict[str, int] = {}
    by_source: dict[str, int] = {}  # rows per 来源 (班子查摆, 征求意见, 相互批评 …; a member's name left out)
    overdue: list[LedgerEntry] = []
    done: list[LedgerEntry] = []
    report: str | None = None  # the progress report written, if any

    @property
    def errors(self) -> list[LedgerIssue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[LedgerIssue]:
        return [i for i in self.issues if i.severity == "warning"]


def _words() -> dict:
    return lexicon("last_year")["report"]


def is_overdue(entry: LedgerEntry, today: date) -> bool:
    """Not done (未开始 / 整改中) and its time limit has passed."""
    return entry.status in statuses()[:2] and entry.due is not None and entry.due < today


def source_counts(entries: list[LedgerEntry]) -> dict[str, int]:
    """Rows per 来源 in the ledger's order: the ledger's own 来源 without the names in （）, or the clerk's words."""
    sources = lexicon("meeting")["ledger"]["sources"]
    counts: dict[str, int] = {}
    for entry in entries:
        label = (sources[entry.kind] if entry.kind else entry.source).split("（")[0].strip()
        if label:
            counts[label] = counts.get(label, 0) + 1
    return counts


def review_ledger(path: str | Path, today: date | None = None) -> LedgerReview:
    sheet = read_ledger(path)
    today = today or date.today()
    names = statuses()
    return LedgerReview(path=str(path), title=sheet.title, today=today, entries=sheet.entries, issues=sheet.issues,
                        counts={name: sum(e.status == name for e in sheet.entries) for name in names},
                        by_source=source_counts(sheet.entries),
                        overdue=[e for e in sheet.entries if is_overdue(e, today)],
                        done=[e for e in sheet.entries if e.status == names[2]])


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _title(title: str) -> str:
    words = _words()
    return title.replace(words["title_from"], words["title_to"]) if words["title_from"] in title \
        else title + words["title_suffix"]


def _line(key: str, text: str) -> str:
    return _words()[key].format(text=text.rstrip("。"))


def _entry_item(number: int, entry: LedgerEntry, kind: str, today: date) -> Item:
    words = _words()
    texts: list[str] = []
    if kind == "done":
        texts.append(_line("result", entry.result) if entry.result else words["missing_result"])
        if entry.evidence:
            texts.append(_line("evidence", entry.evidence))
    elif kind == "overdue":
        texts.append(words["late"].format(deadline=entry.deadline, days=(today - entry.due).days))
        if entry.result:
            texts.append(_line("progress", entry.result))
        texts.append(words["missing_reason"])
    elif kind == "open" and not entry.measure:
        texts.append(words["missing_measure"])
    else:
        for key, value in (("measure", entry.measure), ("owner", entry.owner), ("deadline", entry.deadline)):
            if value:
                texts.append(_line(key, value))
        texts.append(_line("progress", entry.result) if entry.result else words["missing_progress"])
    heading = entry.problem.rstrip("。") + "。"
    return Item(marker=level2_marker(number), heading=heading, run_in=True, points=[Point(text="".join(texts))])


def progress_document(review: LedgerReview) -> Document:
    """The progress report: counts, then the problems by state (overdue first after the done ones)."""
    words = _words()
    names = statuses()
    groups = {"done": review.done, "overdue": review.overdue,
              "ongoing": [e for e in review.entries if e.status == names[1] and e not in review.overdue],
              "open": [e for e in review.entries if e.status == names[0] and e not in review.overdue],
              "lasting": [e for e in review.entries if e.status == names[3]]}
    intro = words["intro"].format(today=_day(review.today), title=review.title, total=len(review.entries),
                                  done=review.counts.get(names[2], 0), ongoing=review.counts.get(names[1], 0),
                                  open=review.counts.get(names[0], 0), lasting=review.counts.get(names[3], 0),
                                  overdue=len(review.overdue))
    sections = [Section(role="preamble", intro=[Point(text=intro)])]
    for kind, entries in groups.items():
        if entries:
            sections.append(Section(role="other", marker=level1_marker(len(sections)), heading=words["sections"][kind],
                                    items=[_entry_item(n, e, kind, review.today) for n, e in enumerate(entries, 1)]))
    sections.append(Section(role="other", marker=level1_marker(len(sections)), heading=words["sections"]["next"],
                            intro=[Point(text=words["missing_next"])]))
    return Document(title=_title(review.title), sections=sections, signature=[words["signature"], _day(review.today)])


def check_ledger_file(path: str | Path, today: date | None = None, report: Path | None = None,
                      force: bool = False, layout: str = "gbt9704") -> LedgerReview:
    """Validate the ledger; with `report`, write the progress report (never over a broken ledger)."""
    if report is not None:
        if report.suffix.lower() != ".docx":
            raise InputError(f"进展报告应以 .docx 结尾：{report}")
        check_replaceable(report, force, "进展报告")
    review = review_ledger(path, today)
    if report is not None and not review.errors:
        write_docx(progress_document(review), report, layout)
        review.report = str(report)
    return review
