"""Readers for the first-rule audit: every output format a user gets, read as the user meets it, and the places
where a sentence the unit never gave stands there without its mark.

Each `leaks_*` function returns one line per unmarked occurrence (format, where, the claim); an empty list is clean.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser

import docx
from docx.enum.text import WD_COLOR_INDEX
from openpyxl import load_workbook

# Claims a capable model writes that no unit profile here gives (the kinds of issue 21's measured draft: an event,
# admissions, a number, a case, praise/results, a measure detail), each a distinctive phrase to look for.
CLAIMS = [
    "班子成员与分管科室负责人之间开展谈心谈话",
    "这些支部书记大多是业务骨干和学科带头人",
    "有的支部“三会一课”质量不高",
    "政绩观存在偏差",
    "碍于情面不愿较真碰硬",
    "全年共有17名干部因作风问题被约谈",
    "去年3月有一名科长违规收受管理服务对象红包",
    "调查研究浮在面上的问题得到一定改善",
    "严格执行公函制度和接待清单制度",
    "逐科室查找廉政风险点，建立风险清单和防控台账",
    # Sentences hand-labelled "M" in eval/provenance/sets/ (written as DeepSeek-V3 / Qwen-Max write the genre), for
    # other units than the ones drafted here.
    "每月召开一次改革推进会，实行清单化管理、销号式推进",
    "把抓党建当作软任务，存在重业务轻党建的思想",
    "闲置小学校舍空了三年，一直没有盘活",
    "对其余7个未调减的项目逐一复核",
]
NEEDLES = [re.sub(r"^有的|^这些", "", c) for c in CLAIMS]

ANSWER = ("班子成员与分管科室负责人之间开展谈心谈话，这些支部书记大多是业务骨干和学科带头人。"
          "有的支部“三会一课”质量不高，政绩观存在偏差，碍于情面不愿较真碰硬。"
          "全年共有17名干部因作风问题被约谈，去年3月有一名科长违规收受管理服务对象红包。"
          "调查研究浮在面上的问题得到一定改善，严格执行公函制度和接待清单制度。"
          "下一步将逐科室查找廉政风险点，建立风险清单和防控台账。"
          "把抓业务当作硬任务，把抓党建当作软任务，存在重业务轻党建的思想。村里的闲置小学校舍空了三年，一直没有盘活。"
          "每月召开一次改革推进会，实行清单化管理、销号式推进。对其余7个未调减的项目逐一复核，在2026年预算调整中予以调减或取消。")

OPEN, CLOSE = "〖无依据：", "〗"
COMMENT = "资料中没有依据"
FINDING = "资料中没有依据：“"  # lexicon/additions.yaml findings.unsourced


def _count(text: str, needle: str) -> int:
    return text.count(needle)


def leaks_plain(text: str, where: str) -> list[str]:
    """A format that cannot carry a mark (a cell, a PDF's text, a file name): no claim may be there at all."""
    return [f"{where}: {n}" for n in NEEDLES if n in text]


def marked_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` carries the mark in words: the .md notation 〖无依据：…〗, and the quotation of the finding that
    names a sentence unsupported (资料中没有依据：“…”（模型所写…)."""
    spans = [m.span() for m in re.finditer(re.escape(OPEN) + r"[^" + CLOSE + r"]*" + CLOSE, text)]
    return spans + [m.span(1) for m in re.finditer(re.escape(FINDING) + r"(.*?)”（", text, re.S)]


def _within(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def leaks_report(text: str, where: str) -> list[str]:
    """A report about materials (the meeting index, county sheet, a findings list): a claim only where the report
    marks it — quoted inside 〖无依据：…〗, or by the finding that names it unsupported."""
    spans = marked_spans(text)
    return [f"{where}: {n} (…{text[max(0, m.start() - 30):m.end()]}…)" for n in NEEDLES
            for m in re.finditer(re.escape(n), text) if not _within(m.start(), m.end(), spans)]


def leaks_md(text: str, where: str) -> list[str]:
    """The .md notation: every occurrence inside 〖无依据：…〗."""
    marked = "".join(re.findall(re.escape(OPEN) + r"([^" + CLOSE + r"]*)" + CLOSE, text))
    return [f"{where}: {n}" for n in NEEDLES if _count(text, n) > _count(marked, n)]


def _paragraphs(document) -> list:
    out = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                out += cell.paragraphs
    return out


def leaks_docx(data: bytes, where: str) -> list[str]:
    """Word: every occurrence in a pink-highlighted run, and as many 资料中没有依据 comments as marked runs."""
    document = docx.Document(io.BytesIO(data))
    leaks, pink_runs = [], 0
    for paragraph in _paragraphs(document):
        text = paragraph.text
        pink = [r.text for r in paragraph.runs if r.font.highlight_color == WD_COLOR_INDEX.PINK]
        pink_runs += sum(1 for r in pink if any(n in r for n in NEEDLES))
        for needle in NEEDLES:
            if _count(text, needle) > sum(_count(r, needle) for r in pink):
                leaks.append(f"{where}: {needle} (not highlighted: {text[:60]})")
    comments = sum(COMMENT in c.text for c in document.comments) if pink_runs else 0
    if comments < pink_runs:
        leaks.append(f"{where}: {pink_runs} highlighted claims but {comments} 资料中没有依据 comments")
    return leaks


def _strings(value, skip=("unsourced", "notes")) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, skip)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in skip for s in _strings(v, skip)]
    return []


def leaks_json(data: bytes, where: str) -> list[str]:
    """The draft's record: a claim in the document only inside a sentence recorded `model`, unconfirmed, and
    listed in document.unsourced."""
    record = json.loads(data)
    document = record.get("document") or {}
    unsourced = document.get("unsourced") or []
    recorded = [s["text"] for i in record.get("items") or [] for s in i.get("sentences") or []
                if s.get("source") == "model" and not s.get("confirmed")]
    leaks = []
    for text in _strings(document):
        for needle in NEEDLES:
            if needle in text:
                covered = [s for s in unsourced if needle in s and s in text]
                if not covered or not any(s in recorded for s in covered):
                    leaks.append(f"{where}: {needle} (no unconfirmed model sentence holds it)")
    return leaks


def leaks_xlsx(data: bytes, where: str, report: bool = False) -> list[str]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    cells = "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                      for v in row if v is not None)
    return leaks_report(cells, where) if report else leaks_plain(cells, where)


class _Marked(HTMLParser):
    """The page's visible text, each character flagged when it sits in an element of class m-unsourced."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.text: list[str] = []
        self.mask: list[bool] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea", "template"):
            self.skip += 1
        classes = (dict(attrs).get("class") or "").split()
        marked = "m-unsourced" in classes or (bool(self.stack) and self.stack[-1][1])
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.stack.append((tag, marked))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "template"):
            self.skip = max(0, self.skip - 1)
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.skip:
            return
        flag = bool(self.stack) and self.stack[-1][1]
        self.text.append(data)
        self.mask += [flag] * len(data)


def leaks_page(html: str, where: str) -> list[str]:
    """A page: every occurrence of a claim inside the m-unsourced span, or marked in words (see marked_spans)."""
    parser = _Marked()
    parser.feed(html)
    text = "".join(parser.text)
    spans = marked_spans(text)
    leaks = []
    for needle in NEEDLES:
        for match in re.finditer(re.escape(needle), text):
            marked = all(parser.mask[match.start():match.end()])
            if not (marked or _within(match.start(), match.end(), spans)):
                leaks.append(f"{where}: {needle} (unmarked: …{text[max(0, match.start() - 20):match.end() + 10]}…)")
    return leaks


def leaks_file(name: str, data: bytes, where: str) -> list[str]:
    """Any file a user downloads or finds in an output folder, by its kind."""
    suffix = name.rsplit(".", 1)[-1].lower()
    label = f"{where}/{name}"
    leaks = leaks_plain(name, f"{label} (file name)")
    if suffix == "md":
        text = data.decode("utf-8")
        # The meeting index (index.md) is a report (it quotes findings); a material's .md carries the notation.
        leaks += leaks_report(text, label) if name == "index.md" else leaks_md(text, label)
    elif suffix == "docx":
        leaks += leaks_docx(data, label)
    elif suffix == "json":
        leaks += leaks_json(data, label)
    elif suffix == "xlsx":
        leaks += leaks_xlsx(data, label)
    elif suffix == "html":
        leaks += leaks_page(data.decode("utf-8"), label)
    elif suffix == "zip":
        archive = zipfile.ZipFile(io.BytesIO(data))
        for inner in archive.namelist():
            leaks += leaks_file(inner, archive.read(inner), label)
    elif suffix in ("yaml", "txt"):
        leaks += leaks_plain(data.decode("utf-8"), label)
    else:
        raise AssertionError(f"{label}: a format the audit does not read")
    return leaks


def marked_count(text: str) -> int:
    """How many claims stand marked in a .md (the audit must see some, or it proves nothing)."""
    marked = "".join(re.findall(re.escape(OPEN) + r"([^" + CLOSE + r"]*)" + CLOSE, text))
    return sum(n in marked for n in NEEDLES)
