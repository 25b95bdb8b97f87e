"""A meeting spec from an uploaded notice (the library's `specs new --from`): read, shown for confirmation,
then saved among the user's specs. Absent from the library, the workbench offers built-in specs only."""

from __future__ import annotations

import re
import time

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.web import service
from pipeline.web.context import app_state, guarded, request_session, visible_specs
from pipeline.web.replacing import ask_first, filled, question
from pipeline.web.security import read_upload, upload_suffix
from pipeline.run.inputs import delete_user_spec, free_spec_id, known_specs, new_spec, notice_spec, user_spec_path
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
    # The confirmation asks with this before it changes a filled form (and sends nothing if the clerk cancels).
    return {"spec": _summary(spec), "ask": question("notice", filled(session.form()), spec.name)}


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None  # the clerk never has to invent one: by default the notice's own, made unique
    replace: bool = False  # the clerk was asked, and agreed, to move a filled form to the new spec


@router.post("/api/notice/confirm")
@guarded
def confirm_notice(request: Request, body: Confirm):
    """Save the spec as this session's own and switch the form to it, keeping everything typed (undoable)."""
    state = app_state(request)
    session = request_session(request)
    path = _saved_notice(session)
    if path is None:
        raise InputError("请先上传会议通知")
    if body.id is not None and not _ID.match(body.id):
        raise InputError(f"规范编号只能用小写字母、数字和连字符：{body.id}")
    proposed = notice_spec(upload_text(path.read_bytes(), path.suffix))
    ask_first(body.replace, "notice", filled(session.form()), proposed.name)  # before anything is saved
    spec = None if body.id else _made_before(request, proposed)
    if spec is None:
        spec_id = _free(request, body.id) if body.id else free_spec_id(proposed.id)
        spec, _ = new_spec(path, spec_id)
        state.owners.own(spec.id, session.id)
    session.replace_form(service.switch_spec(session.form(), spec), "确认会议通知")
    session.save_meta({**session.meta(), "notice_spec": spec.id, "notice_saved": time.strftime("%Y-%m-%d %H:%M")})
    return {"redirect": "/form", "spec": spec.id}


def _made_before(request: Request, proposed):
    """This session's spec from the same notice (confirmed again, e.g. after undoing it): used again, so the
    clerk's list does not fill with copies of one meeting."""
    def shape(spec):
        return spec.name, spec.aspect_names(), [(p.role, p.heading) for p in getattr(spec, "parts", [])]

    owners = app_state(request).owners.all()
    session = request.state.session_id
    return next((spec for key, spec in visible_specs(request).items()
                 if owners.get(key) == session and shape(spec) == shape(proposed)), None)


def _free(request: Request, wanted: str) -> str:
    """The id the clerk chose, or the next free one when another session's spec has it: whether a spec this session
    cannot see exists is never told (its own and built-in ids are refused as before)."""
    taken = wanted in known_specs() or user_spec_path(wanted).exists()
    return free_spec_id(wanted) if taken and wanted not in visible_specs(request) else wanted


@router.post("/api/specs/{spec_id}/delete")
@guarded
def delete_spec(request: Request, spec_id: str):
    """A spec this session made from a notice; built-in and shared specs are not the workbench's to delete."""
    state = app_state(request)
    session = request_session(request)
    if not _ID.match(spec_id) or state.owners.owner(spec_id) != session.id:
        raise InputError("没有这个会议规范，或它不是您从通知生成的", code="not-found")
    form = session.form()
    if form is not None and form.spec == spec_id:
        # The filled form would be left on a spec that no longer exists and could not be opened.
        raise InputError("表格正按这个会议规范填写，不能删除；请先选用其他会议规范")
    delete_user_spec(spec_id)
    state.owners.forget(spec_id)
    return {"deleted": spec_id}
