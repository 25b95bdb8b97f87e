"""Read a material from disk (.txt / .md / .docx, any common Chinese encoding) and parse it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.core.errors import InputError
from pipeline.core.files import check_file, decode, looks_binary, max_file_bytes, read_bytes
from pipeline.core.sanitize import is_blank, strip_controls, strip_controls_in
from pipeline.material.document import Document
from pipeline.material.parse import ParseResult, assign_aspects, parse_text
from pipeline.material.sentences import unmark_text
from pipeline.core.resources import lexicon
from lxml.etree import LxmlError
import json
from pydantic import ValidationError
from pipeline.core.files import describe

if TYPE_CHECKING:
    from pipeline.material.specs import MeetingSpec

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
JSON_SUFFIXES = (".json",)
DOCX_SUFFIXES = (".docx",)
OWN_JSON_FACTOR = 10
class NotMaterial(InputError):
    """The file is of another kind (an image, an old .doc, an archive): a corpus folder scan skips it."""


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # legacy .doc/.xls/.wps (and encrypted .docx) files
_OLD_WORD = "旧版 Word(.doc/.wps) 或加密的文件，只是扩展名为 .docx：请在 Word/WPS 中“另存为” .docx 后再用"


_NOT_DOCX = "不是有效的 Word(.docx) 文件：{path}（文件已损坏或不是 Word 文件；旧版 .doc 请先在 Word/WPS 中另存为 .docx）"


def open_docx(path: Path):
    """The python-docx Document of a .docx a user gave, after the checks every reader of one needs (an old
    .doc under a .docx name, a broken package, a zip bomb)."""
    import docx  # lazy: heavy library, loaded only where used
    from docx.opc.exceptions import PackageNotFoundError  # lazy: heavy library, loaded only where used

    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_MAGIC):
        raise NotMaterial(f"{path} 是{_OLD_WORD}")
    if not zipfile.is_zipfile(path):
        raise NotMaterial(_NOT_DOCX.format(path=path))
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        # A small file that unpacks to gigabytes is a zip bomb, not a material.
        if unpacked > 10 * max_file_bytes():
            raise InputError(f"Word 文件解压后过大（{unpacked // 1024 // 1024} MB）：{path}")
        return docx.Document(str(path))
    # A zip with broken XML parts raises lxml errors, not python-docx ones.
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError, EOFError) as exc:
        raise NotMaterial(_NOT_DOCX.format(path=path)) from exc


def docx_paragraphs(path: Path) -> list[str]:
    """The body paragraphs' text with their list numbers (paragraphs inside tables are not read here)."""
    from pipeline.material.docx_numbering import paragraph_label, read_numbering  # lazy: imports python-docx
    from pipeline.material.docx_text import shown_text  # lazy: imports python-docx

    document = open_docx(path)
    try:
        numbering = read_numbering(document)
        # Every numbered paragraph is counted (an empty one shows its number too); only those with text are kept.
        labelled = [(paragraph_label(numbering, p), shown_text(p)) for p in document.paragraphs]
    except (KeyError, ValueError, LxmlError) as exc:
        raise NotMaterial(_NOT_DOCX.format(path=path)) from exc
    texts = [label + text.lstrip() if label else text for label, text in labelled if text.strip()]
    # A long title is often broken into lines inside its one paragraph (our export does so too).
    return [texts[0].replace("\n", ""), *texts[1:]] if texts else texts


def docx_unsourced(path: Path) -> list[str]:
    """The sentences a .docx still shows as unsupported: runs in the highlight duizhao gives them, or under its
    "资料中没有依据" comment (a clerk may clear the colour and forget the comment, or the other way round: either
    mark left standing means the sentence is not yet confirmed)."""
    import docx  # lazy: heavy library, loaded only where used
    from docx.enum.text import WD_COLOR_INDEX  # lazy: heavy library, loaded only where used
    from docx.oxml.ns import qn  # lazy: heavy library, loaded only where used
    from docx.text.run import Run  # lazy: heavy library, loaded only where used

    words = lexicon("provenance")
    colour = getattr(WD_COLOR_INDEX, words["highlight"])
    document = docx.Document(str(path))
    flagged = {str(c.comment_id) for c in document.comments if c.text.strip().startswith(words["comment"])}
    found = []
    for paragraph in document.paragraphs:
        run_text, open_ranges = "", set()
        for child in paragraph._p.iter(qn("w:commentRangeStart"), qn("w:commentRangeEnd"), qn("w:r")):
            if child.tag == qn("w:commentRangeStart"):
                open_ranges.add(child.get(qn("w:id")))
            elif child.tag == qn("w:commentRangeEnd"):
                open_ranges.discard(child.get(qn("w:id")))
            elif (run := Run(child, paragraph)).font.highlight_color == colour or open_ranges & flagged:
                run_text += run.text
            elif run_text:
                found.append(run_text)
                run_text = ""
        if run_text:
            found.append(run_text)
    return [text for text in found if text.strip()]


def read_text(path: str | Path, max_bytes: int | None = None) -> str:
    """The text of a material, one paragraph per line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.exists() and not path.is_dir() and suffix not in TEXT_SUFFIXES + DOCX_SUFFIXES + JSON_SUFFIXES:
        hint = "（旧版 Word 文件请在 Word/WPS 中另存为 .docx）" if suffix in (".doc", ".wps") else ""
        raise NotMaterial(f"不支持的文件类型 {suffix or '(无扩展名)'}：{path}（支持 .txt .md .docx .json）{hint}")
    limit = OWN_JSON_FACTOR * max_file_bytes() if suffix in JSON_SUFFIXES else None
    size = check_file(path, limit=limit)
    if max_bytes is not None and size > max_bytes:
        raise InputError(f"文件过大（{size // 1024 // 1024} MB，上限 {max_bytes // 1024 // 1024} MB）：{path}")
    if suffix in DOCX_SUFFIXES:
        return strip_controls("\n".join(docx_paragraphs(path)))
    data = read_bytes(path, limit=limit)
    if data.startswith(OLE_MAGIC):
        raise NotMaterial(f"{path} 是{_OLD_WORD.replace('.docx', suffix)}")
    if looks_binary(data):
        raise NotMaterial(f"不是文本文件（含二进制内容，可能是图片或其他格式）：{path}")
    return strip_controls(decode(data, str(path)))


def load_json_document(path: Path) -> Document:
    """A Document saved as JSON, or a draft record whose "document" key holds one."""


    # duizhao's own draft records hold whole model answers: a larger limit than for what users bring.
    raw = read_bytes(path, limit=OWN_JSON_FACTOR * max_file_bytes())
    try:
        data = strip_controls_in(json.loads(decode(raw, str(path))))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from exc
    except RecursionError as exc:
        raise InputError(f"{path} 的 JSON 嵌套过深，不是 duizhao 文档") from exc
    if isinstance(data, dict) and isinstance(data.get("document"), dict):
        data = data["document"]
    try:
        return Document.model_validate(data)
    except ValidationError as exc:

        raise InputError(f"{path} 不是 duizhao 文档 JSON：{describe(exc, Document)}") from exc


def load_document(path: str | Path, spec: MeetingSpec | None = None) -> ParseResult:
    """Any material a user has: .txt/.md/.docx text, or a duizhao JSON document/draft."""
    path = Path(path)
    if path.suffix.lower() == ".json" and path.exists():
        document = load_json_document(path)
        if spec is not None:
            assign_aspects(document, spec)
        return ParseResult(document=document, source=path.name)
    text, unsourced = unmark_text(read_text(path))  # the .md's 〖无依据：…〗 marks are read back, not parsed
    if is_blank(text):
        raise InputError(f"文件为空：{path}")
    markdown = Path(path).suffix.lower() in (".md", ".markdown")
    parsed = parse_text(text, spec=spec, source=Path(path).name, markdown=markdown)
    if markdown:  # the marked sentence as the parsed text has it (render escapes * _ and \)
        unsourced = [re.sub(r"\\([\\*_])", r"\1", sentence) for sentence in unsourced]
    if path.suffix.lower() in DOCX_SUFFIXES:
        unsourced = docx_unsourced(path)
    parsed.document.unsourced = unsourced
    return parsed
