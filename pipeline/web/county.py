"""A county's review from the workbench: several materials uploaded at once, checked by the library's
`review_folder` (the same as `duizhao review DIR -o 审查结果.xlsx`), shown one row per material, the workbook
offered for download. The files are kept in the session's folder under names made safe to use as paths."""

from __future__ import annotations

import re
import shutil
from pathlib import PurePath

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from pipeline.core.errors import InputError
from pipeline.run.county import ReviewResult, review_folder
from pipeline.run.review import upload_text
from pipeline.web.context import app_state, attachment, guarded, heavy, request_session
from pipeline.web.downloads import XLSX
from pipeline.web.security import read_upload, upload_suffix

router = APIRouter()
FOLDER = "county"  # the uploaded materials, replaced by each upload
RESULT = "county.json"
SHEET = "county-review.xlsx"
MAX_FILES = 300  # a county's submissions; the request body limit bounds their total size
_UNSAFE = re.compile(r"[^\w.\-（）()]")  # \w is Unicode: Chinese names stay readable


def safe_name(filename: str | None, suffix: str, taken: set[str]) -> str:
    """The user's file name as a plain name in one folder: no path, nothing a shell or Windows minds, unique."""
    stem = PurePath((filename or "").replace("\\", "/")).stem
    stem = _UNSAFE.sub("_", stem).lstrip(".")[:60] or "材料"
    name, number = f"{stem}{suffix}", 2
    while name.lower() in taken:
        name, number = f"{stem}-{number}{suffix}", number + 1
    taken.add(name.lower())
    return name


def _review(session, files: list[tuple[str, bytes]], limits) -> ReviewResult:
    for name, data in files:  # every file within the upload bounds, before anything is replaced
        try:
            upload_text(data, PurePath(name).suffix, limits)
        except InputError as exc:
            raise InputError(f"{name}：{exc}", code=exc.code) from None
    folder = session.path(FOLDER)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, data in files:
        (folder / name).write_bytes(data)
    sheet = session.path(SHEET)
    sheet.unlink(missing_ok=True)
    session.path(RESULT).unlink(missing_ok=True)  # never an earlier batch's rows beside these files
    result = review_folder(folder, output=sheet)
    session.path(RESULT).write_text(result.model_dump_json(), encoding="utf-8")
    return result


@router.post("/api/county")
@guarded
async def upload_county(request: Request, files: list[UploadFile] = File(...)):
    config = app_state(request).config
    if len(files) > MAX_FILES:
        raise InputError(f"一次最多审查 {MAX_FILES} 份材料，收到 {len(files)} 份")
    taken: set[str] = set()
    read = []
    for upload in files:
        suffix = upload_suffix(upload.filename, (".docx", ".txt", ".md"), "材料")
        data = await read_upload(upload, config.max_material_bytes, f"材料 {upload.filename}")
        read.append((safe_name(upload.filename, suffix, taken), data))
    session = request_session(request)
    session.folder.mkdir(parents=True, exist_ok=True)
    await heavy(request, _review, session, read, config.upload_limits)
    return {"redirect": "/county"}


def saved_result(session) -> ReviewResult | None:
    path = session.path(RESULT)
    return ReviewResult.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def _top(findings, count: int = 5) -> list[dict]:
    ordered = [f for f in findings if f.severity == "error"] + [f for f in findings if f.severity == "warning"]
    return [{"error": f.severity == "error", "message": f.message} for f in ordered[:count]]


@router.get("/county", response_class=HTMLResponse)
def county_page(request: Request):
    result = saved_result(request_session(request))
    if result is None:
        return RedirectResponse("/", 303)
    rows = [{"row": r, "top": _top(r.findings)} for r in result.rows]
    return app_state(request).templates.TemplateResponse(request, "county.html", {
        "rows": rows, "pairs": result.pairs, "seconds": result.seconds,
        "errors": sum(r.errors for r in result.rows), "warnings": sum(r.warnings for r in result.rows)})


@router.get("/county/download")
@guarded
def download_county(request: Request):
    sheet = request_session(request).path(SHEET)
    if not sheet.is_file():
        raise InputError("还没有审查结果：请先上传材料", code="not-found")
    return attachment(sheet.read_bytes(), "审查结果.xlsx", XLSX)
