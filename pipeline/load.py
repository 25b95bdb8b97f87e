"""Read a material from disk (.txt / .md / .docx, any common Chinese encoding) and parse it."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .document import Document
from .parse import ParseResult, assign_aspects, parse_text

if TYPE_CHECKING:
    from .specs import MeetingSpec

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
JSON_SUFFIXES = (".json",)
DOCX_SUFFIXES = (".docx",)
MAX_BYTES = 20 * 1024 * 1024  # a 对照检查材料 is tens of KB; anything this large is not one


def decode(data: bytes, name: str = "") -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else the best guess among GB18030 and friends."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
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


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in sample


def docx_paragraphs(path: Path) -> list[str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    try:
        document = docx.Document(str(path))
        return [p.text for p in document.paragraphs if p.text.strip()]
    # A zip with broken XML parts raises lxml errors, not python-docx ones.
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, LxmlError) as exc:
        raise InputError(f"不是有效的 Word(.docx) 文件：{path}（旧版 .doc 请先在 Word/WPS 中另存为 .docx）") from exc


def read_text(path: str | Path, max_bytes: int = MAX_BYTES) -> str:
    """The text of a material, one paragraph per line."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"文件不存在：{path}")
    if path.is_dir():
        raise InputError(f"应为文件，却是目录：{path}")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + DOCX_SUFFIXES + JSON_SUFFIXES:
        raise InputError(f"不支持的文件类型 {suffix or '(无扩展名)'}：{path}（支持 .txt .md .docx .json）")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"文件过大（{size // 1024 // 1024} MB，上限 {max_bytes // 1024 // 1024} MB）：{path}")
        if suffix in DOCX_SUFFIXES:
            return "\n".join(docx_paragraphs(path))
        data = path.read_bytes()
    except PermissionError as exc:
        raise InputError(f"没有读取权限：{path}") from exc
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    if _looks_binary(data):
        raise InputError(f"不是文本文件（含二进制内容）：{path}")
    return decode(data, str(path))


def load_json_document(path: Path) -> Document:
    """A Document saved as JSON, or a draft record whose "document" key holds one."""
    import json

    from pydantic import ValidationError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"无法读取 JSON 文件 {path}：{exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("document"), dict):
        data = data["document"]
    try:
        return Document.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(根)"
        raise InputError(f"{path} 不是 duizhao 文档 JSON：字段 {where} {first['msg']}") from exc


def load_document(path: str | Path, spec: MeetingSpec | None = None) -> ParseResult:
    """Any material a user has: .txt/.md/.docx text, or a duizhao JSON document/draft."""
    path = Path(path)
    if path.suffix.lower() == ".json" and path.is_file():
        document = load_json_document(path)
        if spec is not None:
            assign_aspects(document, spec)
        return ParseResult(document=document, source=path.name)
    text = read_text(path)
    if not text.strip():
        raise InputError(f"文件为空：{path}")
    markdown = Path(path).suffix.lower() in (".md", ".markdown")
    return parse_text(text, spec=spec, source=Path(path).name, markdown=markdown)
