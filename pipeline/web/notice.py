"""A meeting spec from an uploaded notice (the library's `specs new --from`): read, shown for confirmation,
then saved among the user's specs. Absent from the library, the workbench offers built-in specs only."""

from __future__ import annotations

import re
import time

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.web import service
from pipeline.web.context import app_state, guarded, request_session
from pipeline.web.security import read_upload, upload_suffix
from pipeline.run.inputs import new_spec, notice_spec
from pipeline.run.names import role_name
from pipeline.run.review import upload_text
from pipeline.web.context import heavy

router = APIRouter()
NOTICE = "notice{suffix}"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")


def _saved_notice(session):
    return next((p for p in (session.path(NOTICE.format(suffix=s)) for s in (".docx", ".txt", ".md")) if p.is_file()),
                None)


def _summary(spec) -> dict:

    parts = [role_name(p.role) + (f"（{p.heading}）" if p.heading else "") for p in getattr(spec, "parts", [])]
    return {"id": spec.id, "name": spec.name, "meeting": spec.meeting, "year": spec.year, "body": spec.body,
            "aspects": spec.aspect_names(), "parts": parts, "theme": getattr(spec, "theme", "")}


@router.post("/api/notice")
@guarded
async def read_notice_upload(request: Request, file: UploadFile = File(...)):
    """Read the notice; nothing is saved among the specs until the user confirms."""

    suffix = upload_suffix(file.filename, (".docx", ".txt", ".md"), "会议通知")
    data = await read_upload(file, app_state(request).config.max_material_bytes, "会议通知")
    session = request_session(request)
    limits = app_state(request).config.upload_limits
    spec = await heavy(request, lambda: notice_spec(upload_text(data, suffix, limits)))
    # Kept for the confirmation, which saves the spec from it; a notice that cannot be read replaces nothing.
    session.folder.mkdir(parents=True, exist_ok=True)
    old = _saved_notice(session)
    if old is not None:
        old.unlink()
    session.path(NOTICE.format(suffix=suffix)).write_bytes(data)
    return {"spec": _summary(spec)}


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str


@router.post("/api/notice/confirm")
@guarded
def confirm_notice(request: Request, body: Confirm):

    session = request_session(request)
    path = _saved_notice(session)
    if path is None:
        raise InputError("请先上传会议通知")
    if not _ID.match(body.id):
        raise InputError(f"规范 ID 只能用小写字母、数字和连字符，如 2026-niandu-minzhu：{body.id}")
    spec, _ = new_spec(path, body.id)
    form = service.blank_form(spec)
    session.save_form(form)
    session.save_meta({**session.meta(), "notice_spec": spec.id, "notice_saved": time.strftime("%Y-%m-%d %H:%M")})
    return {"redirect": "/form", "spec": spec.id}
