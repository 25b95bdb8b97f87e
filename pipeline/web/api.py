"""The workbench's JSON API: spec choice, form autosave, YAML in and out, opinions, drafts and their progress
stream, uploaded materials and paragraph edits."""

from __future__ import annotations

import asyncio
import json
import time

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from pipeline.core.errors import InputError, PipelineError
from pipeline.web import meeting, service
from pipeline.web.forms import FormState, Row
from pipeline.web.meeting_forms import align_members, carry_member_extras, checked_meeting, has_members
from pipeline.web.opinions import assign, opinion_lines
from pipeline.web.meeting import meeting_edits
from pipeline.web.replacing import ask_first, draft_edits, filled, note_edit
from pipeline.web.review_view import replace_paragraph
from pipeline.web.security import read_upload, upload_suffix
from pipeline.web.context import (app_state, attachment, current_review, guarded, heavy, request_session,
                                  review_context, session_spec, visible_specs)
from pipeline.web.store import valid_id

router = APIRouter()


class SpecChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: str
    replace: bool = False  # the clerk was asked, and agreed, to change the spec of a filled form


class OpinionText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


class DraftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offline: bool = True
    replace: bool = False  # the clerk agreed to a new draft over the one she edited


class ParagraphEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: int
    text: str


@router.post("/api/spec")
@guarded
def choose_spec(request: Request, choice: SpecChoice):
    session = request_session(request)
    spec = session_spec(request, choice.spec)
    old = session.form()
    if old is None or old.spec != spec.id:
        ask_first(choice.replace, "spec", filled(old), spec.name)
        # Rows typed under the old spec stay (see switch_spec), and the change can be undone on the form page.
        session.replace_form(service.switch_spec(old, spec), "更换会议规范")
    return {"redirect": "/form"}


STALE_PAGE = "这个页面已过时：表格已在另一个页面换了会议规范或导入了资料。请刷新页面后再填写（刚才这次修改没有保存）"
EDITED_ELSEWHERE = "这个页面已过时：表格已在另一个页面修改过。请刷新页面后再填写（刚才这次修改没有保存）"


@router.post("/api/form")
@guarded
def save_form(request: Request, form: FormState):
    session = request_session(request)
    if form.spec:
        session_spec(request, form.spec)
    old = session.form()
    if old is not None and form.spec and old.spec != form.spec:
        # A page left open from before another spec was chosen (in another tab) must not write its old form over.
        raise InputError(STALE_PAGE, code="stale")
    shown = request.headers.get("X-Form-Revision", "")
    if old is not None and shown.isdigit() and int(shown) != session.form_revision():
        # Saved since this page was shown, by another tab: its older form must not replace what was typed there.
        raise InputError(EDITED_ELSEWHERE, code="stale")
    if old is not None and old.spec == form.spec:
        # The page sends what it has inputs for; what it does not show is kept from the saved form.
        kept = {name: getattr(old, name) for name in ("extra", "case_extra", "opinions", "session", "outcome") if name not in form.model_fields_set}
        kept["members"] = carry_member_extras(old.members, form.members)
        form = form.model_copy(update=kept)
    revision = session.save_form(form)
    return {"saved": True, "at": time.strftime("%H:%M:%S"), "revision": revision}


@router.post("/api/form/feedback")
@guarded
def form_feedback(request: Request, form: FormState):
    """The reviewer's warnings on each field as typed, and what each part still lacks."""
    request_session(request)
    spec = session_spec(request, form.spec)
    result = service.form_feedback(spec, _dumped(form.aspects), form.causes)
    # Each member's rows and 剖析 under the same rules, in the order of the page's members.
    result["members"] = [service.form_feedback(spec, _dumped(m.aspects), m.causes) for m in form.members]
    return result


def _dumped(aspects: dict) -> dict[str, list[dict]]:
    return {name: [row.model_dump() for row in rows] for name, rows in aspects.items()}


@router.get("/api/profile.yaml")
@guarded
def download_profile(request: Request):
    session = request_session(request)
    form = session.form()
    if form is None:
        raise InputError("还没有填写单位资料")
    session_spec(request, form.spec)
    if has_members(form):
        whole, _, text = checked_meeting(form)
        name = service.file_stem(whole.unit.name) + "-会议.yaml"
    else:
        profile, _, text = service.checked_profile(form)
        name = service.file_stem(profile.unit.name) + ".yaml"
    return attachment(text.encode("utf-8"), name, "application/x-yaml")


@router.post("/api/profile")
@guarded
async def upload_profile(request: Request, file: UploadFile = File(...), replace: bool = Form(False)):
    config = app_state(request).config
    upload_suffix(file.filename, (".yaml", ".yml"), "单位资料")
    data = await read_upload(file, config.max_yaml_bytes, "单位资料")
    session = request_session(request)
    # Read off the event loop, by the same strict loader as `duizhao draft`, naming only specs this session may use.
    form = await heavy(request, service.upload_form, data, "上传的文件", visible_specs(request))
    ask_first(replace, "import", filled(session.form()))
    session.replace_form(form, "导入文件")  # the form typed before the import can be brought back
    return {"redirect": "/form"}


@router.post("/api/form/undo")
@guarded
def undo_form_step(request: Request):
    session = request_session(request)
    if session.undo_step() is None:
        raise InputError("没有可以撤销的操作")
    target = session.undo_target()
    if target is not None and target.spec and target.spec not in visible_specs(request):
        raise InputError("这一步所用的会议规范已经删除，表格无法回到那时的内容")
    session.undo_form()
    return {"redirect": "/form"}


@router.post("/api/opinions")
@guarded
async def propose_opinions(request: Request, body: OpinionText):
    session = request_session(request)
    form = session.form()
    if form is None or not form.spec:
        raise InputError("请先选择会议规范")
    spec = session_spec(request, form.spec)
    lines = opinion_lines(body.text)
    if not lines:
        raise InputError("没有可分配的意见：请每行粘贴一条")
    state = app_state(request)
    proposals = await heavy(request, lambda: assign(lines, spec, form, state.retriever().embedder))
    return {"opinions": [p.model_dump() for p in proposals], "aspects": list(form.aspects)}


@router.post("/api/draft")
@guarded
def start_draft(request: Request, body: DraftRequest):
    state = app_state(request)
    session = request_session(request)
    form = session.form()
    if form is None:
        raise InputError("还没有填写单位资料")
    if state.jobs.running_for(session.id):
        raise InputError("正在起草，请等待完成")
    session_spec(request, form.spec)
    if has_members(form):  # a whole meeting: every material, then the meeting page lists them
        ask_first(body.replace, "meeting", meeting_edits(session))
        return meeting.start_from_form(state, session, form, body.offline)
    profile, spec, text = service.checked_profile(form)
    ask_first(body.replace, "draft", draft_edits(session))  # the edited draft is kept aside, see save_draft
    session.folder.mkdir(parents=True, exist_ok=True)
    session.trim(state.config.session_quota)
    # Planned once: the outline the progress list shows is the one drafted.
    planned = service.plan_unit(profile, spec, session.path("out"), state.drafter(body.offline, bool(form.verify.strip())))
    items = service.planned_items(planned)

    def work(job) -> str:
        def progress(event: str, unit: str, key: str, role: str) -> None:
            if event in ("start", "done", "cached"):
                job.emit(event, key=key)

        # The form's profile goes to the runner as it is, in memory; what comes back is objects, not files.
        drafted = service.draft_planned(planned, state.retriever(), progress)
        text_now = service.marked_text(drafted.document)
        meta = {"unit": drafted.unit, "spec": spec.id, "system": drafted.system,
                "drafted": time.strftime("%Y-%m-%d %H:%M")}
        notes = [note.model_dump() for note in drafted.document.notes]
        meta["record"] = drafted.record  # the draft's .json, where a confirmed sentence is recorded too
        session.save_draft(text_now, drafted.passages, meta, text, notes, keep="重新起草")
        return f"起草完成：{drafted.unit}"

    job = state.jobs.submit(session.id, items, work)
    return {"job": job.id, "items": items}


@router.get("/api/jobs/{job_id}")
@guarded
def job_status(request: Request, job_id: str):
    job = _job(request, job_id)
    return {"status": job.status, "message": job.message, "events": job.since(0)}


def _job(request: Request, job_id: str):
    job = app_state(request).jobs.get(job_id) if valid_id(job_id) else None
    if job is None or job.session != request_session(request).id:
        raise InputError("没有这个起草任务", code="not-found")
    return job


@router.get("/api/jobs/{job_id}/events")
async def job_events(request: Request, job_id: str):
    try:
        job = _job(request, job_id)
    except PipelineError as exc:
        return JSONResponse({"error": str(exc), "code": exc.code}, status_code=404)
    last = request.headers.get("last-event-id", "")
    start = int(last) + 1 if last.isdigit() else 0

    async def stream():
        index = start
        while True:
            events = job.since(index)
            for event in events:
                yield f"id: {event['id']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
            index += len(events)
            if job.finished and not job.since(index):
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.2)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.post("/api/material")
@guarded
async def upload_material(request: Request, file: UploadFile = File(...), replace: bool = Form(False)):
    config = app_state(request).config
    suffix = upload_suffix(file.filename, (".docx", ".txt", ".md"), "材料")
    data = await read_upload(file, config.max_material_bytes, "材料")
    session = request_session(request)
    limits = config.upload_limits

    def read() -> str:
        text = service.material_text(data, suffix, limits)
        service.review_text(text, None)  # refuse what cannot be reviewed before replacing the session's draft
        return text

    text = await heavy(request, read)
    ask_first(replace, "material", draft_edits(session))
    session.save_draft(text, {}, {"unit": "", "spec": None, "system": "upload",
                                  "drafted": time.strftime("%Y-%m-%d %H:%M")}, None, keep="上传材料")
    return {"redirect": "/review"}


@router.post("/api/draft/undo")
@guarded
def undo_draft_step(request: Request):
    """The material the last upload or new draft replaced, back in the review page (with the clerk's edits)."""
    session = request_session(request)
    if session.draft_undo_step() is None:
        raise InputError("没有可以撤销的操作")
    session.undo_draft()
    return {"redirect": "/review"}


@router.post("/api/paragraph")
@guarded
def edit_paragraph(request: Request, edit: ParagraphEdit):
    session = request_session(request)
    review = current_review(session)
    text = replace_paragraph(review, edit.index, edit.text)
    meta = session.meta()
    spec = service.spec_of(meta["spec"]) if meta.get("spec") else None
    checked = service.reviewed(text, spec, service.load_saved_profile(session.path("drafted-profile.yaml")))
    session.save_text(text)
    note_edit(session)  # a new draft over it asks first
    meeting.keep_edit(session, text)  # a meeting's material: kept with it, for every download of the meeting
    templates = app_state(request).templates
    html = templates.get_template("_review_body.html").render(**review_context(session, checked))
    return {"html": html, "ok": checked.report.ok, "errors": checked.report.count("error"),
            "warnings": checked.report.count("warning")}


class SentenceDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sentence: str = Field(min_length=1, max_length=2000)
    keep: bool
    index: int = -1  # the paragraph it is in, to scroll back to


@router.post("/api/sentence")
@guarded
def decide_sentence(request: Request, decision: SentenceDecision):
    """保留（本单位确认）or 删除 one sentence the unit's material does not support; the material is re-checked."""
    session = request_session(request)
    text = session.draft_text()
    if text is None:
        raise InputError("还没有草稿")
    meta = session.meta()
    record = session.path(meta["record"]) if meta.get("record") else None
    text = service.confirm_sentence(text, decision.sentence, decision.keep, record, decision.index)
    spec = service.spec_of(meta["spec"]) if meta.get("spec") else None
    checked = service.reviewed(text, spec, service.load_saved_profile(session.path("drafted-profile.yaml")))
    session.save_text(text)
    note_edit(session)
    meeting.keep_edit(session, text)  # a meeting's material: its downloads follow the decision
    html = app_state(request).templates.get_template("_review_body.html").render(**review_context(session, checked))
    return {"html": html, "ok": checked.report.ok, "errors": checked.report.count("error"),
            "warnings": checked.report.count("warning")}
