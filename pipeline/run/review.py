"""Review a material, the one way for `duizhao check` and the workbench's review page: the same parse and the
same check pipeline (review/check.py), from a file, an upload's bytes or the text being edited."""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.material.document import Document, render
from pipeline.core.sanitize import is_blank
from pipeline.material.load import docx_unsourced, read_text
from pipeline.material.sentences import mark_text, unmark_text
from pipeline.run.output import marked_text
from pipeline.material.parse import parse_text
from pipeline.material.profile import Profile
from pipeline.material.specs import MeetingSpec
from pipeline.review.check import CheckOptions, check_document, check_file
from pipeline.review.content import ContentResult
from pipeline.review.copyrate import load_corpus
from pipeline.review.report_html import block_of, mark_ranges, render_report_html
from pipeline.review.structure import CheckReport, Finding
from pipeline.text.slots import PENDING  # the review page marks each 【待补】 still to fill

__all__ = ["Review", "UploadLimits", "check_xlsx", "check_ledger_upload", "review_text", "check_file", "CheckOptions", "CheckReport", "Finding",
           "material_text", "upload_text", "report_html", "block_of", "mark_ranges", "load_corpus", "PENDING"]


@dataclass
class Review:
    document: Document
    report: CheckReport
    content: ContentResult | None
    spec: MeetingSpec | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UploadLimits:
    """What one uploaded material may expand to: a .docx is a zip, and its size on disk says little."""
    unpacked_bytes: int = 32 * 1024 * 1024  # all parts, images included
    xml_bytes: int = 8 * 1024 * 1024  # the parts python-docx parses into a tree
    parts: int = 2000
    paragraphs: int = 4000  # a 对照检查材料 has about a hundred
    runs: int = 20_000  # formatting runs: the reader's time grows with them (300 000 took 70 s)
    chars: int = 300_000  # about twenty times the longest material


def review_text(text: str, spec: MeetingSpec | None, profile: Profile | None = None, *,
                final: bool = False) -> Review:
    """`duizhao check` on the text of a material (the review page's text, one paragraph a line)."""
    if not text.strip():
        raise InputError("材料为空")
    text, unsourced = unmark_text(text)  # the unconfirmed model sentences, kept marked 〖无依据：…〗
    parsed = parse_text(text, spec=spec, source="draft.txt")
    parsed.document.unsourced = unsourced
    report, content = check_document(parsed, spec, profile, final=final, raw_text=text)
    return Review(parsed.document, report, content, spec)


_PARAGRAPH = re.compile(rb"<(?:\w+:)?p[\s>/]")  # whatever prefix the writer gave the namespace
_RUN = re.compile(rb"<(?:\w+:)?r[\s>/]")


def _check_docx(data: bytes, limits: UploadLimits) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
            body = next((i for i in infos if i.filename == "word/document.xml"), None)
            xml = b"" if body is None or body.file_size > limits.xml_bytes else archive.read(body)
    except (zipfile.BadZipFile, EOFError, ValueError, RuntimeError, NotImplementedError):
        return  # the loader says what is wrong with it, in the words it uses for every .docx
    # zipfile stops reading a part at the size its header gives, so these sums bound what is unpacked.
    unpacked = sum(info.file_size for info in infos)
    parsed = sum(info.file_size for info in infos if info.filename.lower().endswith((".xml", ".rels")))
    if len(infos) > limits.parts or unpacked > limits.unpacked_bytes or parsed > limits.xml_bytes:
        raise InputError(f"这个 Word 文件解压后过大（{unpacked / 1024 / 1024:.0f} MB），不像一份对照检查材料："
                         f"请只上传材料正文（可另存为新的 .docx 或 .txt）")
    # Counted in the raw XML, before any parsing: paragraphs and the runs that make them up.
    paragraphs = len(_PARAGRAPH.findall(xml))
    runs = len(_RUN.findall(xml))
    if paragraphs > limits.paragraphs or runs > limits.runs:
        raise InputError(f"这个 Word 文件有 {paragraphs} 段、{runs} 处格式片段，不像一份对照检查材料："
                         f"请只上传材料正文（可另存为新的 .docx 或 .txt）")


def check_xlsx(data: bytes, limits: UploadLimits) -> None:
    """An uploaded .xlsx is a zip too: bounded by what it unpacks to, as an uploaded .docx is."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise InputError("上传的文件不是有效的 Excel 表格（.xlsx）：请在 Excel 或 WPS 中另存为 .xlsx 后重新上传") from None
    if len(infos) > limits.parts or sum(i.file_size for i in infos) > limits.unpacked_bytes:
        raise InputError("这个表格解压后过大，不像一份整改清单：请只保留整改清单工作表后重新上传")


def check_ledger_upload(data: bytes, suffix: str, limits: UploadLimits) -> None:
    """An uploaded 整改清单: an .xlsx sheet, or a .docx table bounded as any uploaded .docx is."""
    if suffix != ".docx":
        check_xlsx(data, limits)
        return
    if not zipfile.is_zipfile(BytesIO(data)):
        raise InputError("上传的文件不是有效的 Word 文件（.docx）：请在 Word 或 WPS 中另存为 .docx 后重新上传")
    _check_docx(data, limits)


def upload_text(data: bytes, suffix: str, limits: UploadLimits | None = None) -> str:
    """The text of an uploaded file (.docx/.txt/.md), one paragraph a line, read by the same reader as a file on
    disk, bounded by what it expands to, not only by its size."""
    limits = limits or UploadLimits()
    if suffix == ".docx":
        _check_docx(data, limits)
    with tempfile.TemporaryDirectory(prefix="duizhao-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            text = read_text(path)
            if suffix == ".docx":  # the sentences its highlight still marks as unsupported
                marked = docx_unsourced(path)
                text = "\n".join(mark_text(line, marked) for line in text.split("\n")) if marked else text
        except InputError as exc:
            # The reader names the file by its path; the user knows it as the file she uploaded.
            raise InputError(str(exc).replace(str(path), "上传的文件").replace(folder, ""), code=exc.code) from None
    if len(text) > limits.chars or text.count("\n") + 1 > limits.paragraphs:
        raise InputError(f"文件过长（{len(text)} 字，{text.count(chr(10)) + 1} 段），不像一份对照检查材料或会议通知："
                         f"请只上传正文")
    return text


def material_text(data: bytes, suffix: str, limits: UploadLimits | None = None) -> str:
    """An uploaded material's text as the review page shows it (parsed, then laid out one paragraph a line)."""
    text, unsourced = unmark_text(upload_text(data, suffix, limits))
    if is_blank(text):
        raise InputError("上传的文件是空的")
    document = parse_text(text, source=f"upload{suffix}", markdown=suffix == ".md").document
    if suffix == ".md":  # the marked sentence as the parsed text has it (render escapes * _ and \)
        unsourced = [re.sub(r"\\([\\*_])", r"\1", sentence) for sentence in unsourced]
    document.unsourced = unsourced
    return marked_text(document)


def report_html(review: Review, source: str) -> str:
    return render_report_html(review.document, review.report, review.content, source=source)
