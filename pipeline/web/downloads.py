"""Downloads of the current material: Word (GB/T 9704), markdown, the review report, everything as one .zip."""

from __future__ import annotations

import zipfile
from io import BytesIO

from fastapi import APIRouter, Request

from pipeline.core.errors import InputError
from pipeline.web import service
from pipeline.web.context import attachment, current_review, guarded, request_session

router = APIRouter()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/download/{kind}")
@guarded
def download(request: Request, kind: str):
    return _download(request_session(request), kind)


@router.get("/download/kept/{kind}")
@guarded
def download_kept(request: Request, kind: str):
    """The material the last new draft or upload replaced (the clerk's edits in it too), without undoing."""
    kept = request_session(request).kept_draft()
    if kept is None:
        raise InputError("没有被替换的材料", code="not-found")
    return _download(kept, kind, "-之前的版本")


def _download(session, kind: str, label: str = ""):
    if kind not in ("docx", "md", "zip", "html", "xlsx"):
        raise InputError("不支持的下载格式", code="not-found")
    review = current_review(session)
    stem = service.file_stem(session.meta().get("unit") or review.document.title or "对照检查材料") + label
    document = service.with_notes(review.document, session.notes())
    if kind == "docx":
        return attachment(service.docx_bytes(document), f"{stem}.docx", DOCX)
    if kind == "xlsx":
        profile = service.load_saved_profile(session.path("drafted-profile.yaml"))
        if profile is None or review.spec is None:
            raise InputError("整改清单来自单位资料：请先从表单起草")
        return attachment(service.unit_ledger_xlsx(profile, review.spec), f"{stem}-整改清单.xlsx", XLSX)
    if kind == "md":
        return attachment(service.markdown_text(review.document).encode("utf-8"), f"{stem}.md", "text/markdown")
    html = service.report_html(review, stem).encode("utf-8")
    if kind == "html":
        return attachment(html, f"{stem}-审查报告.html", "text/html")
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.docx", service.docx_bytes(document))
        archive.writestr(f"{stem}.md", service.markdown_text(review.document))
        archive.writestr(f"{stem}-审查报告.html", html)
        profile = session.path("drafted-profile.yaml")
        if profile.is_file():
            archive.writestr(f"{stem}.yaml", profile.read_bytes())
            if review.spec is not None:
                ledger = service.unit_ledger_xlsx(service.load_saved_profile(profile), review.spec)
                archive.writestr(f"{stem}-整改清单.xlsx", ledger)
    return attachment(buffer.getvalue(), f"{stem}.zip", "application/zip")
