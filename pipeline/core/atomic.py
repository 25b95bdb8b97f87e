"""Write output files all at once: temp files beside the targets, then renames. Never a half-written file."""

from __future__ import annotations

import errno
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


def write_atomic(files: dict[Path, bytes]) -> None:
    """Write every file to a temp name first, then move them all into place: no half-written output."""
    staged: list[tuple[Path, str]] = []
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
            os.replace(temp, path)
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
