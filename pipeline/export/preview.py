"""Render a .docx to PDF (LibreOffice headless) and to PNG pages (pdftoppm) for a look before printing.

Rendering uses pipeline/fontconfig/fonts.conf, which maps the 公文 fonts (仿宋_GB2312, 楷体_GB2312, 黑体,
方正小标宋简体, 宋体) to installed look-alikes, so headings and body differ as they will in print.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.core.atomic import ensure_dir
from pipeline.core.errors import InputError, OutputError
from pipeline.core.owned import OwnedFiles
from pipeline.core.files import check_file
from pipeline.material.load import docx_paragraphs

FONTS_CONF = Path(__file__).resolve().parent / "fontconfig" / "fonts.conf"
RENDER_TIMEOUT = 180


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _tool(name: str, package: str) -> str:
    found = soffice_binary() if name == "soffice" else shutil.which(name)
    if not found:
        raise OutputError(f"未找到 {name}，请先安装 {package}（例如 apt-get install {package}）")
    return found


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if FONTS_CONF.is_file():
        env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


def _checked(docx_path: str | Path, outdir: str | Path, create: bool = True) -> tuple[Path, Path]:

    source = Path(docx_path)
    check_file(source)
    if source.suffix.lower() != ".docx":
        raise InputError(f"预览需要 Word(.docx) 文件：{source}（其他材料可先用 duizhao export 转为 .docx）")
    docx_paragraphs(source)  # LibreOffice renders anything, even a broken file: refuse it here, with a reason
    target = Path(outdir)
    if create:
        ensure_dir(target)
    return source, target


# Word comments (批注, e.g. the 范文 cited beside an item) kept in the PDF: as PDF comments (LibreOffice 7.4),
# and printed in the page margin where LibreOffice supports it (7.6 and later).
_NOTES_IN_MARGIN = ('pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"},'
                    '"ExportNotesInMargin":{"type":"boolean","value":"true"}}')


def to_pdf(docx_path: str | Path, outdir: str | Path, notes: bool = False) -> Path:
    """outdir/<name>.pdf rendered by LibreOffice; a private profile so runs never share or lock one.
    With `notes`, the document's comments are printed in the margin."""
    source, target = _checked(docx_path, outdir)
    soffice = _tool("soffice", "libreoffice-writer")
    pdf = target / (source.stem + ".pdf")
    owned = OwnedFiles(target)
    owned.clear_for([pdf], "预览目录", remove_others=False)  # a PDF of the same name that the user made is never replaced
    # LibreOffice writes into a private folder; only a finished PDF is moved into place (no half-written file).
    with tempfile.TemporaryDirectory(prefix="duizhao-lo-") as work:
        profile, rendered = Path(work) / "profile", Path(work) / "out"
        command = [
            soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", _NOTES_IN_MARGIN if notes else "pdf", "--outdir", str(rendered), str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=RENDER_TIMEOUT, env=_env())
        except subprocess.TimeoutExpired as exc:
            raise OutputError(f"LibreOffice 转换超时（{RENDER_TIMEOUT} 秒）：{source}") from exc
        made = rendered / (source.stem + ".pdf")
        if done.returncode != 0 or not made.is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise OutputError(f"LibreOffice 未能转换 {source}：{detail[-1] if detail else done.returncode}")
        try:
            shutil.move(str(made), str(pdf))
        except OSError as exc:
            raise OutputError(f"无法写入 {pdf}：{exc.strerror or exc}") from exc
    owned.record([pdf])
    return pdf


def pdf_to_png(pdf: str | Path, outdir: str | Path, dpi: int = 80) -> list[Path]:
    """One PNG per page: outdir/<name>-<page>.png, in page order."""
    pdf, target = Path(pdf), Path(outdir)
    pdftoppm = _tool("pdftoppm", "poppler-utils")
    ensure_dir(target)
    # Pages are rendered aside and replace the old ones only when all of them are there.
    with tempfile.TemporaryDirectory(prefix=".duizhao-pages-", dir=target) as work:
        try:
            done = subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(pdf), str(Path(work) / pdf.stem)],
                                  capture_output=True, text=True, timeout=RENDER_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise OutputError(f"pdftoppm 生成预览图超时（{RENDER_TIMEOUT} 秒）：{pdf}") from exc
        if done.returncode != 0:
            raise OutputError(f"pdftoppm 未能生成预览图：{done.stderr.strip() or done.returncode}")
        pages = [target / page.name for page in _pages(Path(work), pdf.stem)]
        owned = OwnedFiles(target)
        # Pages of an earlier preview go (only those duizhao wrote); a same-named image of the user's stops it.
        owned.clear_for(pages, "预览目录", remove_others=False)
        stale = [old for old in _pages(target, pdf.stem) if old not in pages]
        for page in _pages(Path(work), pdf.stem):
            os.replace(page, target / page.name)
        owned.remove(stale)  # a longer earlier version's last pages
        owned.record(pages)
    return pages


def _pages(folder: Path, stem: str) -> list[Path]:
    """<stem>-<n>.png (pdftoppm pads n with zeros to the page count's width), in page order."""
    pages = [p for p in folder.glob(f"{stem}-*.png") if p.stem[len(stem) + 1 :].isdigit()]
    return sorted(pages, key=lambda p: int(p.stem[len(stem) + 1 :]))


def preview(docx_path: str | Path, outdir: str | Path, dpi: int = 80, notes: bool = False) -> list[Path]:
    """PNG pages of a .docx (its PDF is kept beside them; with `notes`, the PDF keeps the comments). Nothing is created when a tool is missing; a folder
    made for this preview is removed again if rendering fails before anything is written into it."""
    _checked(docx_path, outdir, create=False)
    _tool("soffice", "libreoffice-writer")
    _tool("pdftoppm", "poppler-utils")
    target = Path(outdir)
    created = not target.exists()
    try:
        return pdf_to_png(to_pdf(docx_path, target, notes=notes), target, dpi)
    except BaseException:
        if created and target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        raise
