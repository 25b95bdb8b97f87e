"""Blind review packs: drafts under shuffled neutral names, a key kept outside the folder handed to raters,
and a score sheet (CSV, UTF-8 with BOM so that Excel and WPS open it) that raters fill in.

Drafts are exported to .docx by default, so that file type and look do not reveal the system; the
no-model notice and the Word comments (批注) are left out for the same reason (the key records that they were).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.evaluate.compare import disambiguate, parse_draft_args
from pipeline.core.errors import InputError, OutputError
from pipeline.core.owned import OwnedFiles
from pipeline.core.resources import lexicon
from pipeline.material.document import count_chars, render
from pipeline.export.docx import write_docx
from pipeline.material.load import load_document

KEY_SCHEMA = "duizhao-blind-key-1"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PackEntry(Strict):
    name: str  # neutral name, e.g. 稿件A
    file: str  # file name inside the pack
    label: str  # system / source label, hidden from raters
    unit: str = ""
    source: str
    sha256: str
    chars: int = 0
    notice_removed: bool = False  # the no-model notice or the Word comments were left out of the packed copy


class PackKey(Strict):
    kind: str = KEY_SCHEMA
    pack: str
    created: str
    sheet: str
    entries: list[PackEntry]
    files: dict[str, str] = {}  # every file written into the pack -> its SHA-256: what --force may replace

    def entry(self, name: str) -> PackEntry | None:
        return next((e for e in self.entries if e.name == name), None)


def neutral_names(count: int) -> list[str]:
    prefix = lexicon("eval")["neutral_prefix"]
    if count > 26:
        raise InputError(f"一个盲评包最多 26 份稿件，现有 {count} 份")
    return [f"{prefix}{chr(ord('A') + n)}" for n in range(count)]


_YEAR = re.compile(r"(?:19|20)\d\d年?度?|第[一二三四五六七八九十]+批")
_MARKS = re.compile(r"[\s《》“”\"'、，,：:；;（）()【】\[\]·.。-]")


def unit_key(document) -> str:
    """Which unit a draft (or a title) is for: the title without punctuation, years and the words every title of
    the genre may carry or leave out — the same whichever format the draft was saved in and whichever system
    titled it ("…党支部对照检查材料" and "…党支部班子对照检查材料" are one unit)."""
    title = _MARKS.sub("", (document if isinstance(document, str) else document.title) or "")
    title = _YEAR.sub("", title)
    for word in sorted(lexicon("eval")["unit_key_drop"], key=len, reverse=True):
        title = title.replace(word, "")
    return title


def default_key_path(pack: Path) -> Path:
    return pack.resolve().parent / f"{pack.resolve().name}-key.json"


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def sheet_header() -> list[str]:
    return [c["name"] for c in lexicon("eval")["sheet_columns"]]


def blank_sheet(names: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet_header())
    for name in names:
        writer.writerow([name] + [""] * (len(sheet_header()) - 1))
    return "\ufeff".encode("utf-8") + buffer.getvalue().encode("utf-8")


def make_pack(drafts: list[str], folder: str | Path, key: str | Path | None = None, keep_format: bool = False,
              seed: int | None = None, force: bool = False) -> tuple[PackKey, Path]:
    """Write the pack folder and the key file; returns the key and where it was written."""

    folder = Path(folder)
    key_path = Path(key) if key is not None else default_key_path(folder)
    if _inside(key_path, folder):
        raise InputError(f"密钥文件不能放在交给评审人的盲评文件夹内：{key_path}")
    inputs = parse_draft_args(drafts, unique=False)
    if len(inputs) < 2:
        raise InputError("盲评包至少需要两份稿件")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"盲评文件夹位置已有同名文件：{folder}（请换一个名字）")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise OutputError(f"盲评文件夹已存在且不为空：{folder}（确需覆盖请加 --force）", code="exists")
    if key_path.exists() and not force:
        raise OutputError(f"密钥文件已存在：{key_path}（确需覆盖请加 --force）", code="exists")
    old_key = _key_or_none(key_path)
    if key_path.exists() and old_key is None:
        raise OutputError(f"{key_path} 不是 duizhao 写入的盲评密钥，--force 也不会覆盖：请换一个 --key 文件名", code="exists")
    parsed = [load_document(item.path) for item in inputs]
    # Equal labels group drafts by system; two drafts of one unit under one default label are told apart.
    disambiguate(inputs, [unit_key(p.document) for p in parsed])
    order = list(range(len(inputs)))
    random.Random(seed).shuffle(order)  # seed None: fresh system randomness each time
    names = neutral_names(len(inputs))
    words = lexicon("eval")
    suffixes = [inputs[i].path.suffix.lower() for i in order]
    files = [folder / f"{name}{s if keep_format and s != '.json' else '.docx'}" for name, s in zip(names, suffixes)]
    files += [folder / words["sheet_name"], folder / words["readme_name"]]
    # The key (kept away from raters) remembers what the last pack wrote into this folder.
    same_pack = old_key is not None and old_key.pack == folder.resolve().name
    owned = OwnedFiles(folder, known=old_key.files if same_pack else {})
    if force and folder.exists():
        owned.clear_for(files, "盲评文件夹")  # only what an earlier pack wrote, unchanged since
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, index in zip(names, order):
        item, document = inputs[index], parsed[index].document
        suffix = item.path.suffix.lower()
        copy = keep_format and suffix != ".json"  # a draft record names its system: always export it
        target = folder / f"{name}{suffix if copy else '.docx'}"
        # The no-model notice and the Word comments (批注: 范文 references, no-model notes) would name the system.
        shown = document if copy else document.model_copy(update={"notice": "", "notes": []})
        if copy:
            shutil.copyfile(item.path, target)
        else:
            write_docx(shown, target)
        entries.append(PackEntry(
            name=name, file=target.name, label=item.label, source=str(item.path.resolve()),
            unit=unit_key(document),
            sha256=hashlib.sha256(item.path.read_bytes()).hexdigest(), chars=count_chars(render(shown)),
            notice_removed=bool(document.notice or document.notes) and not copy))
    (folder / words["sheet_name"]).write_bytes(blank_sheet(names))
    readme = words["readme"].format(count=len(names), names="、".join(names), sheet=words["sheet_name"])
    (folder / words["readme_name"]).write_text(readme.replace("\n", "\r\n"), encoding="utf-8-sig")
    owned.record(files)
    pack_key = PackKey(pack=folder.resolve().name, created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       sheet=words["sheet_name"], entries=sorted(entries, key=lambda e: e.name), files=owned.files)
    try:
        key_path.parent.mkdir(parents=True, exist_ok=True)
        key_path.write_text(pack_key.model_dump_json(indent=1), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"无法写入密钥文件 {key_path}：{exc.strerror or exc}") from exc
    return pack_key, key_path


def _key_or_none(path: Path) -> PackKey | None:
    try:
        return PackKey.model_validate_json(path.read_bytes())
    except (OSError, ValueError):
        return None


def read_key(pack: str | Path, key: str | Path | None = None) -> PackKey:
    path = Path(key) if key is not None else default_key_path(Path(pack))
    if not path.is_file():
        raise InputError(f"找不到盲评密钥文件：{path}（用 --key 指定）")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PackKey.model_validate(data)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"盲评密钥文件无效：{path}") from exc
