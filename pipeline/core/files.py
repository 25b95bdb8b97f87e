"""Guards for files users hand in: size limit, YAML files (profiles, specs, manifests), field errors in Chinese.

Every failure here is an InputError whose message is one line naming the file (and field) and what to do.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.core.errors import InputError
from pipeline.core.sanitize import strip_controls, strip_controls_in
import yaml
from pipeline.core.yaml_errors import explain
import typing

DEFAULT_MAX_MB = 20  # a 对照检查材料 is tens of KB; anything this large is not one
MAX_MB_ENV = "DUIZHAO_MAX_FILE_MB"


def max_file_bytes() -> int:
    """The size limit for any input file: DUIZHAO_MAX_FILE_MB (megabytes, may be fractional), else 20 MB."""
    raw = (os.environ.get(MAX_MB_ENV) or "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"环境变量 {MAX_MB_ENV} 应为数字（兆字节），现为：{raw}") from None
    if value <= 0:
        raise InputError(f"环境变量 {MAX_MB_ENV} 应为正数（兆字节），现为：{raw}")
    return int(value * 1024 * 1024)


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"


def check_file(path: Path, what: str = "文件", limit: int | None = None) -> int:
    """The file's size, after checking it exists, is a regular file, is readable and is within the limit
    (`limit` bytes, else the user-input limit)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{what}不存在：{path}") from None
    except OSError as exc:
        raise InputError(f"无法读取{what} {path}：{exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{what}应为文件，却是目录：{path}")
    if not stat.S_ISREG(info.st_mode):
        # /dev/zero never ends, a FIFO blocks until someone writes: only regular files are read.
        raise InputError(f"{what}不是普通文件（设备、管道或套接字）：{path}")
    limit = max_file_bytes() if limit is None else limit
    if info.st_size > limit:
        raise InputError(f"{what}过大（{_size(info.st_size)}，上限 {_size(limit)}）：{path}"
                         f"（确需处理请设置环境变量 {MAX_MB_ENV}）")
    if not os.access(path, os.R_OK):
        raise InputError(f"没有读取权限：{path}")
    return info.st_size


def read_bytes(path: Path, what: str = "文件", limit: int | None = None) -> bytes:
    """The file's bytes, never more than the limit even if the file grows while it is read."""
    check_file(path, what, limit)
    limit = max_file_bytes() if limit is None else limit
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except PermissionError as exc:
        raise InputError(f"没有读取权限：{path}") from exc
    except OSError as exc:
        raise InputError(f"无法读取{what} {path}：{exc.strerror or exc}") from exc
    if len(data) > limit:
        raise InputError(f"{what}过大（上限 {_size(limit)}）：{path}（确需处理请设置环境变量 {MAX_MB_ENV}）")
    return data


def read_yaml(path: str | Path, what: str) -> Any:
    """A hand-written YAML file in any common encoding (UTF-8/BOM, UTF-16, GBK/GB18030) → Python data.
    Empty files give None; the caller says what it expected."""

    path = Path(path)
    return yaml_from_bytes(read_bytes(path, what), what, str(path))


def yaml_from_bytes(data: bytes, what: str, name: str) -> Any:
    """The one strict reading of a YAML file's bytes (a file on disk or an upload): a key given twice is refused
    with both line numbers. `name` is what the messages call the file."""
    if looks_binary(data):
        raise InputError(f"{what} {name} 不是文本文件（含二进制内容），应为 YAML 文本")
    # Raw control characters make PyYAML fail in English; escaped ones ("\f") would reach the Word writer.
    return parse_yaml(strip_controls(decode(data, name)), what, name)


def parse_yaml(text: str, what: str, path: str | Path) -> Any:
    """The one YAML loader for what users bring (profiles, meeting files, specs, web uploads): safe, a key given
    twice refused, aliases bounded before anything walks the tree, strings cleaned of control characters."""
    try:
        loader = _unique_key_loader()(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expansion(node, what, path, len(text))
            return strip_controls_in(loader.construct_document(node))
        finally:
            loader.dispose()
    except DuplicateKey as exc:
        raise InputError(f"{what} {path} 中的键“{exc.key}”出现了两次（第 {exc.first} 行和第 {exc.second} 行）："
                         f"后一处会覆盖前一处，请合并为一处") from None
    except yaml.YAMLError as exc:

        raise InputError(f"{what} {path} 不是有效的 YAML：{explain(exc, text)}") from exc


# A tree read from the file may be this much larger than its text: aliases (&a … *a) repeat what they name, and
# nine lines of them ("billion laughs") expand 3.6 KB into gigabytes. Honest files use a few, or none.
ALIAS_GROWTH = 10
ALIAS_FLOOR = 100_000


def _check_expansion(root: Any, what: str, path: str | Path, chars: int) -> None:
    """Refuse a YAML document whose aliases expand it far beyond its own size; counted on the node graph
    (each node once, memoized), so the count itself stays as small as the file."""
    limit = ALIAS_GROWTH * chars + ALIAS_FLOOR
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a node inside itself (a recursive alias) counts once
        if isinstance(node, yaml.ScalarNode):
            total = 1 + len(node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(child) for child in node.value)
        else:
            total = 1 + sum(size(key) + size(value) for key, value in node.value)
        sizes[id(node)] = total = min(total, limit + 1)
        return total

    if size(root) > limit:
        raise InputError(f"{what} {path} 中的引用（&名称 与 *名称）展开后过大（超过原文件的 {ALIAS_GROWTH} 倍），"
                         f"不予读取：请把引用处直接写成内容")


class DuplicateKey(Exception):
    def __init__(self, key: str, first: int, second: int):
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


_LOADER: Any = None


def _unique_key_loader() -> Any:
    """A safe loader that refuses a key given twice in one mapping: PyYAML keeps the last silently,
    which drops the first block of the user's facts."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.get(key)
                    except TypeError:
                        continue  # an unhashable key: the base constructor reports it
                    line = key_node.start_mark.line + 1
                    if first is not None:
                        raise DuplicateKey(str(key), first, line)
                    seen[key] = line
            return super().construct_mapping(node, deep=deep)

    _LOADER = UniqueKeyLoader
    return _LOADER


def expect_mapping(data: Any, path: str | Path, what: str, hint: str) -> dict:
    if data is None:
        raise InputError(f"{what} {path} 是空文件，应为键值对（YAML 映射：{hint}）")
    if isinstance(data, list):
        raise InputError(f"{what} {path} 的内容是列表（- 开头），应为键值对（YAML 映射：{hint}）")
    if not isinstance(data, dict):
        colon = "；冒号是全角“：”？键后应为半角冒号加空格“: ”" if isinstance(data, str) and "：" in data else ""
        raise InputError(f"{what} {path} 的内容应为键值对（YAML 映射：{hint}），而不是一段文字{colon}")
    return data


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
    from charset_normalizer import from_bytes  # lazy: heavy library, loaded only where used

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
    if b"\x00" not in sample or _utf16_without_bom(data) is not None:
        return False
    # A stray NUL in UTF-8 text (pasted from a terminal or a broken editor) does not make it binary: the
    # NULs are dropped on reading. Binary data does not decode as UTF-8 or reads as a scatter of symbols.
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:
            return True
        text = sample[: exc.start].decode("utf-8")
    return sample.count(b"\x00") * 100 > len(sample) or _textlike(text.replace("\x00", "")) < 0.95


_MESSAGES = {
    "extra_forbidden": "是未知字段",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "list_type": "应为列表（每行 - 开头，或 [甲, 乙]）",
    "dict_type": "应为键值对（名称: 内容）",
    "model_type": "应为键值对（名称: 内容）",
    "model_attributes_type": "应为键值对（名称: 内容）",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
}


def _model_at(model: type[BaseModel] | None, loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last field of `loc` (for listing the fields it accepts)."""

    current: Any = model
    for part in loc[:-1]:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        if isinstance(part, int) or part not in current.model_fields:
            continue
        annotation = current.model_fields[part].annotation
        # Unwrap Optional[...], list[...], dict[str, ...] down to a model class if there is one.
        for _ in range(4):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                break
            annotation = args[-1] if args else annotation
        current = annotation
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def field_path(loc: tuple) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f".{part}" if parts else str(part))  # 0-based, as pydantic and YAML tools count
        elif isinstance(part, str) and ("[" in part or part in ("str", "int", "float", "bool")):
            continue  # union branch names pydantic adds (str, list[str]); not the user's field
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(根)"


def describe(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """`字段 X 有误：…` in Chinese for the first error of `exc`; unknown fields list the accepted ones."""
    first = exc.errors()[0]
    kind, loc, ctx = first["type"], tuple(first["loc"]), first.get("ctx") or {}
    where = field_path(loc)
    if kind == "missing":
        return f"字段 {where} 有误：缺少此必填字段"
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        allowed = [f.alias or name for name, f in owner.model_fields.items()] if owner else []
        return f"字段 {where} 是未知字段" + (f"（可用：{'、'.join(allowed)}）" if allowed else "（请检查拼写）")
    if kind in ("greater_than_equal", "greater_than"):
        return f"字段 {where} 有误：应不小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"字段 {where} 有误：应不大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return f"字段 {where} 有误：应为 {ctx.get('expected', '')} 之一"
    if kind == "value_error":
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"字段 {where} 有误：{message}"
    if kind in _MESSAGES:
        return f"字段 {where} 有误：{_MESSAGES[kind]}"
    return f"字段 {where} 有误：{first['msg']}"
