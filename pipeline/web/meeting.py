"""A whole meeting (the 班子 material, each member's own, criticism sheets, 整改清单) from the form (typed in or
filled from an uploaded meeting file): drafted from memory as one job, every document listed with its check result.
The session keeps the form the meeting came from; the drafted materials are read through run/ only."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import zipfile
from io import BytesIO
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict

from pipeline.core.atomic import write_atomic
from pipeline.core.errors import InputError, PipelineError
from pipeline.core.resources import lexicon
from pipeline.run.drafted import edited_file, open_material
from pipeline.run.meeting import document_names, draft_meeting
from pipeline.run.meeting_source import read_source
from pipeline.run.output import marked_text
from pipeline.run.review import load_corpus
from pipeline.run.runner import DraftOptions
from pipeline.web.context import app_state, attachment, guarded, request_session
from pipeline.web.forms import FormState, profile_yaml
from pipeline.web.meeting_forms import form_meeting, meeting_summary
from pipeline.web.replacing import ask_first, question
from pipeline.web.review_view import SEVERITY
from pipeline.web.service import file_stem, upload_form
from pipeline.web.store import MEETING_RESULT

router = APIRouter()
SEVERITY_ORDER = {"error": 0, "warning": 1}
RESULT_FILE = MEETING_RESULT  # the workbench's own record of the last draft (not the runner's)
EDITS = "meeting-edits"  # the clerk's edited text of each material, by the material's file name
PREVIOUS_ZIP = "meeting-previous.zip"  # the materials a new draft replaced, with the clerk's edits, to download
MEDIA = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".md": "text/markdown",
         ".json": "application/json"}


def result(session) -> dict | None:
    try:
        return json.loads(session.path(RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _listing(found: dict, root: Path) -> list[tuple[dict, list[tuple[int, Path]]]]:
    """Each document with its files numbered in download order (see _files)."""
    listing, number = [], 0
    folder = Path(found.get("folder") or root)
    for document in found["documents"]:
        files = []
        for name in document["files"]:
            # Names are relative to the meeting's folder (older results: whole paths); either stays inside root.
            path = (folder / name).resolve()
            if path.is_relative_to(root) and path.is_file():
                files.append((number, path))
                number += 1
        listing.append((document, files))
    return listing


class MeetingDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offline: bool = True
    replace: bool = False  # the clerk was asked, and agreed, to draft again over materials she edited


def meeting_edits(session) -> int:
    """The meeting's materials the clerk edited in the review page (a new meeting draft starts without them)."""
    folder = session.path(EDITS)
    return sum(1 for _ in folder.glob("*.txt")) if folder.is_dir() else 0


def _given(session) -> tuple[FormState, dict] | None:
    """The form the session's meeting was drafted from. A session from before kept a YAML copy instead: read once
    as an upload is read, and kept as the form from then on."""
    kept = session.meeting_given()
    old = session.path("meeting.yaml")
    if kept is None and old.is_file():
        try:
            form = upload_form(old.read_bytes(), "会议资料")
            session.keep_meeting_given(form, meeting_summary(*form_meeting(form)))
        except PipelineError:
            return None
        old.unlink(missing_ok=True)
        kept = session.meeting_given()
    return kept


@router.get("/meeting", response_class=HTMLResponse)
def meeting_page(request: Request):
    session = request_session(request)
    kept = _given(session)
    if kept is None:
        return RedirectResponse("/", 303)
    state = app_state(request)
    job = state.jobs.running_for(session.id)
    found = result(session)
    if found is not None:
        found["listing"] = _listing(found, session.path("meeting-out").resolve())
    return state.templates.TemplateResponse(request, "meeting.html", {
        "meeting": kept[1], "result": found, "kinds": lexicon("meeting")["index"]["kinds"],
        "model": state.model_available(), "job": job.id if job else "", "severity": SEVERITY,
        "ask_draft": question("meeting", meeting_edits(session)),
        "previous": session.path(PREVIOUS_ZIP).is_file()})


@router.post("/api/meeting/draft")
@guarded
def draft_meeting_job(request: Request, body: MeetingDraft):
    """Draft again the meeting last drafted, from the form as the clerk had filled it then."""
    state = app_state(request)
    session = request_session(request)
    kept = _given(session)
    if kept is None:
        raise InputError("请先填写或导入会议资料")
    if state.jobs.running_for(session.id):
        raise InputError("正在起草，请等待完成")
    ask_first(body.replace, "meeting", meeting_edits(session))
    return start_from_form(state, session, kept[0], body.offline)


def start_from_form(state, session, form: FormState, offline: bool) -> dict:
    """The form as a whole meeting: checked, drafted from memory; the session keeps the form it came from."""
    whole, spec = form_meeting(form)
    read_source((whole, spec))  # what a meeting in memory cannot be drafted from is refused before anything is kept
    session.keep_meeting_given(form, meeting_summary(whole, spec))
    return _submit(state, session, state.drafter(offline, bool(form.verify.strip())), whole, spec)


def _submit(state, session, drafter, whole, spec) -> dict:
    """Draft the meeting checked from the form, in memory: nothing is written for the runner to read back."""
    session.trim(state.config.session_quota)
    names = document_names(whole)
    items = [{"key": name, "label": name} for name in names]

    def work(job) -> str:
        planned: dict[str, int] = {}
        finished: dict[str, int] = {}

        def progress(event: str, unit: str, key: str, role: str) -> None:
            # Per material: "working" at its first section, "done" when all its sections are in.
            if event == "planned":
                planned[unit] = int(role)
            elif event in ("done", "cached"):
                finished[unit] = finished.get(unit, 0) + 1
                job.emit("item", key=unit, done=finished[unit], total=planned.get(unit, 0))
                if finished[unit] == planned.get(unit):
                    job.emit("done-item", key=unit)

        if meeting_edits(session):
            # The clerk agreed to redraft over her edits: the materials as she left them stay downloadable.
            write_atomic({session.path(PREVIOUS_ZIP): _zip_bytes(session)})
        options = DraftOptions(outdir=session.path("meeting-out"), force=True)
        done = asyncio.run(draft_meeting((whole, spec), options, drafter, state.retriever,
                                         corpus_loader=lambda: load_corpus(None), progress=progress))
        documents = [{"kind": d.kind, "name": d.name, "errors": d.errors, "warnings": d.warnings,
                      "files": [str(f) for f in d.files],
                      # What the check found, shown under each material (errors first, as a reviewer reads them).
                      "findings": [{"severity": f.severity, "message": f.message, "location": f.location}
                                   for f in sorted(d.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
                                   if f.severity in SEVERITY_ORDER]} for d in done.documents]
        record = {"unit": whole.unit.name, "folder": str(done.folder), "system": done.system,
                  "documents": documents, "drafted": time.strftime("%Y-%m-%d %H:%M")}
        session.path(RESULT_FILE).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        # Folders of earlier meetings (another unit name) are listed nowhere any more: Session.trim removes them
        # oldest first when the session is past its quota, unless the clerk edited them.
        # Edits belong to the materials they were made in: a new draft starts clean, the old edits are kept aside.
        if session.path(EDITS).is_dir():
            shutil.rmtree(session.path(EDITS + ".previous"), ignore_errors=True)
            session.path(EDITS).rename(session.path(EDITS + ".previous"))
        return f"起草完成：{record['unit']}"

    job = state.jobs.submit(session.id, items, work)
    return {"job": job.id, "items": items, "redirect": "/meeting"}


@router.post("/api/meeting/review/{number}")
@guarded
def review_meeting_material(request: Request, number: int):
    """One drafted material (the 班子's or a member's) opened in the review page, with the profile it was drafted
    from, so edits are checked against that material's own facts."""
    session = request_session(request)
    files = _files(session)
    if not 0 <= number < len(files) or files[number].suffix != ".json":
        raise InputError("没有这份材料", code="not-found")
    material = open_material(files[number])
    document, profile = material.document, material.profile
    meta = {"unit": profile.unit.name, "spec": profile.meeting.spec, "system": material.system,
            "drafted": result(session).get("drafted", ""), "meeting": True, "material": files[number].stem,
            "record": files[number].relative_to(session.folder).as_posix()}
    # The clerk's own edits of this material, if she made any: opening another material never loses them.
    text = edited_text(session, files[number]) or marked_text(document)
    session.save_draft(text, {}, meta, profile_yaml(profile), [n.model_dump() for n in document.notes])
    return {"redirect": "/review"}


def _edit_path(session, material: Path | str) -> Path:
    return session.path(EDITS) / f"{Path(material).stem}.txt"


def edited_text(session, material: Path) -> str | None:
    try:
        return _edit_path(session, material).read_text(encoding="utf-8")
    except OSError:
        return None


def keep_edit(session, text: str) -> None:
    """An edit made in the review page of a meeting's material, kept with that material: it is what every
    download of the meeting (each file, the .zip) gives from now on."""
    material = session.meta().get("material")
    if material and session.meta().get("meeting"):
        path = _edit_path(session, material)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic({path: text.encode("utf-8")})


def _file_bytes(session, path: Path) -> bytes:
    """A drafted file as it is now: a material the clerk edited is rendered again from her text (Word with the
    draft's comments, Markdown); other files as drafted."""
    text = edited_text(session, path) if path.suffix in (".docx", ".md") else None
    if text is None or not path.with_suffix(".json").is_file():
        return path.read_bytes()
    return edited_file(path, text)


def _files(session) -> list[Path]:
    """The drafted files, by their place in the result: a download names a number, never a path."""
    found = result(session)
    if found is None:
        raise InputError("还没有起草会议材料", code="not-found")
    root = session.path("meeting-out").resolve()
    return [path for _, files in _listing(found, root) for _, path in files]


@router.get("/meeting/files/{number}")
@guarded
def download_meeting_file(request: Request, number: int):
    files = _files(request_session(request))
    if not 0 <= number < len(files):
        raise InputError("没有这个文件", code="not-found")
    path = files[number]
    return attachment(_file_bytes(request_session(request), path), path.name,
                      MEDIA.get(path.suffix, "application/octet-stream"))


@router.get("/meeting/all.zip")
@guarded
def download_meeting_zip(request: Request):

    session = request_session(request)
    return attachment(_zip_bytes(session), f"{file_stem(result(session)['unit'])}.zip", "application/zip")


@router.get("/meeting/previous.zip")
@guarded
def download_previous_zip(request: Request):
    """The materials the last redraft replaced, as the clerk had edited them."""
    session = request_session(request)
    try:
        data = session.path(PREVIOUS_ZIP).read_bytes()
    except OSError:
        raise InputError("没有重新起草前的材料", code="not-found") from None
    return attachment(data, f"{file_stem(result(session)['unit'])}-重新起草前.zip", "application/zip")


def _zip_bytes(session) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(session):
            archive.writestr(path.name, _file_bytes(session, path))
    return buffer.getvalue()
