"""Read a material from disk (.txt / .md / .docx, any common Chinese encoding) and parse it."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .inputs import check_file, max_file_bytes
from .document import Document
from .parse import ParseResult, assign_aspects, parse_text

if TYPE_CHECKING:
    from .specs import MeetingSpec

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
JSON_SUFFIXES = (".json",)
DOCX_SUFFIXES = (".docx",)
class NotMaterial(InputError):
    """The file is of another kind (an image, an old .doc, an archive): a corpus folder scan skips it."""


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # legacy .doc/.xls/.wps (and encrypted .docx) files
_OLD_WORD = "旧版 Word(.doc/.wps) 或加密的文件，只是扩展名为 .docx：请在 Word/WPS 中“另存为” .docx 后再用"


def decode(data: bytes, name: str = "") -> str:
    """UTF-8 (with or without BOM), UTF-16 with or without BOM, else the best guess among GB18030 and friends."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK/GB2312 and the usual encoding of Chinese web downloads.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"无法识别文件编码：{name}（请另存为 UTF-8 文本）")
    return str(best)


def _textlike(text: str) -> float:
    """Share of characters that Chinese or English text is made of: CJK, ASCII, CJK and full-width punctuation."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if ch in "\n\r\t" or " " <= ch <= "~" or "\u3000" <= ch <= "\u303f"
               or "\u4e00" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u2010" <= ch <= "\u2027")
    return good / len(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """Windows tools save UTF-16 without a BOM now and then. Zero bytes come from its ASCII (and from
    characters such as 一 U+4E00); the byte order whose decoding reads as text wins. Binary data decodes
    to a scatter over the whole of Unicode (or not at all) and fails the test."""
    if len(data) % 2 or b"\x00" not in data[:8192]:
        return None
    best, best_score = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _textlike(text[:4096])
        if score > best_score and "\x00" not in text[:4096]:
            best, best_score = text, score
    return best if best_score > 0.95 else None


def looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in sample and _utf16_without_bom(data) is None


def docx_paragraphs(path: Path) -> list[str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_MAGIC):
        raise NotMaterial(f"{path} 是{_OLD_WORD}")
    if not zipfile.is_zipfile(path):
        raise NotMaterial(f"不是有效的 Word(.docx) 文件：{path}（文件已损坏或不是 Word 文件；旧版 .doc 请先在 Word/WPS 中另存为 .docx）")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        # A small file that unpacks to gigabytes is a zip bomb, not a material.
        if unpacked > 10 * max_file_bytes():
            raise InputError(f"Word 文件解压后过大（{unpacked // 1024 // 1024} MB）：{path}")
        document = docx.Document(str(path))
        return [p.text for p in document.paragraphs if p.text.strip()]
    # A zip with broken XML parts raises lxml errors, not python-docx ones.
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError, EOFError) as exc:
        raise NotMaterial(f"不是有效的 Word(.docx) 文件：{path}（文件已损坏或不是 Word 文件；旧版 .doc 请先在 Word/WPS 中另存为 .docx）") from exc


def read_text(path: str | Path, max_bytes: int | None = None) -> str:
    """The text of a material, one paragraph per line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.exists() and not path.is_dir() and suffix not in TEXT_SUFFIXES + DOCX_SUFFIXES + JSON_SUFFIXES:
        hint = "（旧版 Word 文件请在 Word/WPS 中另存为 .docx）" if suffix in (".doc", ".wps") else ""
        raise NotMaterial(f"不支持的文件类型 {suffix or '(无扩展名)'}：{path}（支持 .txt .md .docx .json）{hint}")
    size = check_file(path)
    if max_bytes is not None and size > max_bytes:
        raise InputError(f"文件过大（{size // 1024 // 1024} MB，上限 {max_bytes // 1024 // 1024} MB）：{path}")
    try:
        if suffix in DOCX_SUFFIXES:
            return "\n".join(docx_paragraphs(path))
        data = path.read_bytes()
    except PermissionError as exc:
        raise InputError(f"没有读取权限：{path}") from exc
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    if data.startswith(OLE_MAGIC):
        raise NotMaterial(f"{path} 是{_OLD_WORD.replace('.docx', suffix)}")
    if looks_binary(data):
        raise NotMaterial(f"不是文本文件（含二进制内容，可能是图片或其他格式）：{path}")
    return decode(data, str(path))


def load_json_document(path: Path) -> Document:
    """A Document saved as JSON, or a draft record whose "document" key holds one."""
    import json

    from pydantic import ValidationError

    from .inputs import read_bytes

    raw = read_bytes(path)
    try:
        data = json.loads(decode(raw, str(path)))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）") from exc
    except RecursionError as exc:
        raise InputError(f"{path} 的 JSON 嵌套过深，不是 duizhao 文档") from exc
    if isinstance(data, dict) and isinstance(data.get("document"), dict):
        data = data["document"]
    try:
        return Document.model_validate(data)
    except ValidationError as exc:
        from .inputs import describe

        raise InputError(f"{path} 不是 duizhao 文档 JSON：{describe(exc, Document)}") from exc


def load_document(path: str | Path, spec: MeetingSpec | None = None) -> ParseResult:
    """Any material a user has: .txt/.md/.docx text, or a duizhao JSON document/draft."""
    path = Path(path)
    if path.suffix.lower() == ".json" and path.exists():
        document = load_json_document(path)
        if spec is not None:
            assign_aspects(document, spec)
        return ParseResult(document=document, source=path.name)
    text = read_text(path)
    if not text.strip():
        raise InputError(f"文件为空：{path}")
    markdown = Path(path).suffix.lower() in (".md", ".markdown")
    return parse_text(text, spec=spec, source=Path(path).name, markdown=markdown)
