"""Write output files all at once: temp files beside the targets, then renames. Never a half-written file.

A run that takes minutes claims its output paths when it starts (`claim`: what each holds then) and the write
checks them again at the moment of writing: a file that appeared meanwhile (the user saved one of that name)
or changed since is kept, and the write is refused as a whole. A path that was free is created exclusively
(a hard link of the finished temp file), so even a file saved in the last millisecond is never replaced.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

from pipeline.core.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import: os.umask can only be read by setting it, which is not safe once threads run.
UMASK = _umask()


def write_failure(exc: OSError, path: str | Path) -> str:
    """One line for a failed write of `path`: a full disk is said as such (a failed write() names no file)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间已满，无法写入 {path}（请清理磁盘或换一个输出位置后重试）"
    if exc.errno == errno.EROFS:
        return f"磁盘为只读，无法写入 {path}"
    return f"写入 {path} 失败：{exc.strerror or exc}"


Claims = dict[Path, "str | None"]  # path -> SHA-256 of what it held when claimed (None: nothing)


def _state(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError:
        return "unreadable"


def claim(paths) -> Claims:
    """What each output path holds now, to be checked again when the outputs are written."""
    return {Path(p): _state(Path(p)) for p in paths}


class Appeared(OutputError):
    """An output path holds a file it did not hold when the run claimed it."""

    def __init__(self, path: Path):
        super().__init__(f"{path} 是运行期间新出现（或被修改）的文件，已保留，未覆盖", code="exists")
        self.path = path


def _link_exclusive(temp: str, path: Path) -> None:
    """Create `path` from `temp` only if nothing is there (FileExistsError otherwise)."""
    try:
        os.link(temp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network drives): check, then move
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.replace(temp, path)


def write_atomic(files: dict[Path, bytes], claims: Claims | None = None) -> None:
    """Write every file to a temp name first, then move them all into place: no half-written output.
    With `claims`, a claimed path must still hold what it held when claimed, else nothing is written (Appeared)."""
    claims = claims or {}
    staged: list[tuple[Path, str]] = []
    created: list[Path] = []
    mode = 0o666 & ~UMASK  # what open() would give; mkstemp's 0600 would hide drafts from colleagues
    path: Path | None = None
    try:
        for path, data in files.items():
            if not path.parent.is_dir():
                raise OutputError(f"输出目录不存在：{path.parent}")
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((path, temp))
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temp, mode)
        for path, temp in staged:
            if path in claims and _state(path) != claims[path]:
                raise Appeared(path)
        for path, temp in staged:
            if path in claims and claims[path] is None:
                try:
                    _link_exclusive(temp, path)
                except FileExistsError:
                    raise Appeared(path) from None
                created.append(path)
            else:
                os.replace(temp, path)
    except Appeared:
        for done in created:  # all or nothing: what this write created goes again
            done.unlink(missing_ok=True)
        raise
    except PermissionError as exc:
        raise OutputError(f"没有写入权限：{path or exc.filename or ''}") from exc
    except OSError as exc:
        raise OutputError(write_failure(exc, path or exc.filename or "")) from exc
    finally:
        for _, temp in staged:
            if os.path.exists(temp):
                os.unlink(temp)


def write_file(path: str | Path, data: bytes, what: str = "文件") -> Path:
    """One file, atomically, its folder created if need be."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"输出路径是一个目录：{path}（请给出{what}的文件名）")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出目录 {path.parent}：{exc.strerror or exc}") from exc
    write_atomic({path: data})
    return path


def ensure_dir(outdir: Path) -> None:
    """Create the output folder, or say at once why files could not be saved there."""
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"输出位置已有同名文件，不是目录：{outdir}（请用 -o 指定一个目录）")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出目录 {outdir}：{exc.strerror or exc}") from exc
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise OutputError(f"输出目录不可写：{outdir}（请换一个目录，或用 -o 指定）")
