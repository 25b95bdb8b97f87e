"""Files duizhao wrote into a folder the user chose, recorded so that --force replaces only those.

A manifest (.duizhao-files.json) beside them lists each file with the SHA-256 it was written with. A file
not listed, or changed since (a score sheet filled in, a note added), is the user's: never removed or
overwritten. Folders are never removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

from pipeline.core.atomic import write_atomic
from pipeline.core.errors import OutputError

MANIFEST = ".duizhao-files.json"


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class OwnedFiles:
    """What duizhao wrote in `folder` (from its manifest)."""

    def __init__(self, folder: Path, known: dict[str, str] | None = None, manifest: Path | None = None):
        """With `known` (name -> sha256, kept by the caller elsewhere) no manifest is read or written; `manifest`
        puts it elsewhere than the folder itself (e.g. a hidden working folder)."""
        self.folder = Path(folder)
        self.path: Path | None = None if known is not None else (manifest or self.folder / MANIFEST)
        self.files: dict[str, str] = dict(known or {})  # file name relative to folder -> sha256 when written
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            files = data.get("files", {}) if isinstance(data, dict) else {}
            self.files = {str(k): str(v) for k, v in files.items() if isinstance(k, str)}
        except (OSError, ValueError):
            pass

    def owns(self, path: Path) -> bool:
        """`path` was written by duizhao and is unchanged since."""
        name = self._name(path)
        return name is not None and name in self.files and _digest(path) == self.files[name]

    def _name(self, path: Path) -> str | None:
        try:
            return Path(os.path.relpath(Path(path).resolve(), self.folder.resolve())).as_posix()
        except ValueError:
            return None

    def clear_for(self, targets: list[Path], what: str, remove_others: bool = True) -> None:
        """Make way for `targets`: refuse if one of them is the user's. With `remove_others`, also remove the files
        duizhao wrote last time (unchanged) that this run does not write again, so no stale file is left behind."""
        for target in targets:
            if target.exists() and not self.owns(target):
                raise OutputError(f"{what}中的 {target} 不是 duizhao 写入的（或写入后被修改过），不会覆盖（加 --force 也不会）："
                                  f"请先改名或移走它，或换一个文件夹", code="exists")
        if remove_others:
            keep = {self._name(t) for t in targets}
            self.remove([self.folder / n for n in self.files if n not in keep])

    def remove(self, paths: list[Path]) -> None:
        """Delete those of `paths` that duizhao wrote and nobody changed since; forget all of them."""
        for path in paths:
            name = self._name(path)
            if path.is_file() and self.owns(path):
                try:
                    path.unlink()
                except OSError as exc:
                    raise OutputError(f"无法删除旧文件 {path}：{exc.strerror or exc}") from exc
            self.files.pop(name or "", None)

    def record(self, written: list[Path]) -> None:
        """Remember `written` (now on disk) as duizhao's."""
        for path in written:
            name = self._name(path)
            digest = _digest(path)
            if name is not None and digest is not None:
                self.files[name] = digest
        if self.path is None:
            return
        data = {"note": "duizhao 写入的文件清单（--force 只会替换这些文件）", "files": self.files}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic({self.path: json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")})


GENERATOR = "duizhao"  # stamped into what duizhao writes alone (a .docx's identifier, an HTML report's generator)


def written_by_duizhao(path: Path) -> bool:
    """A single output file (-o FILE) duizhao wrote: its stamp is there (a .docx or .xlsx, an HTML report)."""
    try:
        if path.suffix.lower() in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as archive:
                core = archive.read("docProps/core.xml").decode("utf-8", "replace")
            return f">{GENERATOR}</dc:identifier>" in core
        head = path.read_bytes()[:4096].decode("utf-8", "replace")
        return f'<meta name="generator" content="{GENERATOR}">' in head
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False


def check_replaceable(path: Path, force: bool, what: str = "输出文件") -> None:
    """An existing output file is replaced only with --force, and only when duizhao wrote it."""
    path = Path(path)
    if not path.exists() or path.is_dir():
        return
    if not force:
        raise OutputError(f"{what}已存在，未覆盖：{path}（确认要用新结果替换，请加 --force）")
    if not written_by_duizhao(path):
        raise OutputError(f"{path} 不是 duizhao 生成的文件，加 --force 也不会覆盖它（请换一个文件名）")
