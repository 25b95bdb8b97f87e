"""The kept 整改清单 from the workbench: the clerk uploads the filled ledger, the library's `check_ledger_file`
(the same as `duizhao ledger 整改清单.xlsx|.docx --report 进展报告.docx`) validates it, and the page lists the broken
cells, the overdue (逾期) and the done rows; the progress report is offered when the ledger has no errors."""

from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from pipeline.core.errors import InputError
from pipeline.run.ledger import LedgerReview, check_ledger_file
from pipeline.run.review import check_ledger_upload
from pipeline.web.context import app_state, attachment, guarded, heavy, request_session
from pipeline.web.downloads import DOCX
from pipeline.web.security import read_upload, upload_suffix

router = APIRouter()
LEDGER = "ledger"  # the clerk's file (.xlsx or .docx), only read
REPORT = "ledger-report.docx"
RESULT = "ledger.json"
_SUFFIXES = (".xlsx", ".docx")  # what the clerk keeps the ledger in: an Excel sheet or a Word table


def _review(session, data: bytes, suffix: str, limits) -> LedgerReview:
    check_ledger_upload(data, suffix, limits)
    path, report = session.path(LEDGER + suffix), session.path(REPORT)
    for old in _SUFFIXES:  # one ledger at a time: the last uploaded
        session.path(LEDGER + old).unlink(missing_ok=True)
    path.write_bytes(data)
    report.unlink(missing_ok=True)  # a report is never left over from an earlier ledger
    review = check_ledger_file(path, report=report)
    session.path(RESULT).write_text(review.model_dump_json(), encoding="utf-8")
    return review


@router.post("/api/ledger")
@guarded
async def upload_ledger(request: Request, file: UploadFile = File(...)):
    config = app_state(request).config
    suffix = upload_suffix(file.filename, _SUFFIXES, "整改台账")
    data = await read_upload(file, config.max_material_bytes, "整改台账")
    session = request_session(request)
    session.folder.mkdir(parents=True, exist_ok=True)
    await heavy(request, _review, session, data, suffix, config.upload_limits)
    return {"redirect": "/ledger"}


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request):
    session = request_session(request)
    path = session.path(RESULT)
    if not path.is_file():
        return RedirectResponse("/", 303)
    review = LedgerReview.model_validate_json(path.read_text(encoding="utf-8"))
    late = {e.row: (review.today - e.due).days for e in review.overdue}
    return app_state(request).templates.TemplateResponse(request, "ledger.html", {
        "review": review, "late": late, "report": session.path(REPORT).is_file()})


@router.get("/ledger/report")
@guarded
def download_report(request: Request):
    session = request_session(request)
    report = session.path(REPORT)
    if not report.is_file():
        raise InputError("还没有进展报告：请先上传没有错误的整改台账", code="not-found")
    review = LedgerReview.model_validate_json(session.path(RESULT).read_text(encoding="utf-8"))
    stem = (review.title or "整改清单").replace("/", "_")[:60]
    return attachment(report.read_bytes(), f"{stem}-进展报告.docx", DOCX)
