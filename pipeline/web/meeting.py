"""A whole meeting (the 班子 material, each member's own, criticism sheets, 整改清单) from an uploaded meeting
file, where the library drafts meetings: drafted as one job, every document listed with its check result."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict

import zipfile
from io import BytesIO

from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon
from pipeline.run.inputs import load_input
from pipeline.run.review import load_corpus
from pipeline.run.meeting import document_names, draft_meeting
from pipeline.run.runner import DraftOptions
from pipeline.web.context import app_state, attachment, guarded, request_session
from pipeline.material.document import Document, render
from pipeline.material.profile import Profile
from pipeline.web.forms import FormState, profile_yaml
from pipeline.web.review_view import SEVERITY
from pipeline.web.meeting_forms import checked_meeting
from pipeline.web.service import file_stem

router = APIRouter()
SEVERITY_ORDER = {"error": 0, "warning": 1}
MEETING_FILE = "meeting.yaml"
RESULT_FILE = "meeting-result.json"
MEDIA = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".md": "text/markdown",
         ".json": "application/json"}


def load_meeting(path: Path):
    """The session's meeting file, read as `duizhao draft` reads it: (meeting, spec)."""
    loaded = load_input(path.read_bytes(), "会议资料")
    if loaded.meeting is None:
        raise InputError("会议资料中没有班子成员")
    return loaded.meeting, loaded.spec


def save_meeting(session, data: bytes) -> None:
    """Check the meeting file as `duizhao draft` would, then keep it; a bad file changes nothing."""

    session.folder.mkdir(parents=True, exist_ok=True)
    candidate = session.path("meeting.new.yaml")
    candidate.write_bytes(data)
    try:
        load_meeting(candidate)
    except Exception:
        candidate.unlink(missing_ok=True)
        raise
    candidate.replace(session.path(MEETING_FILE))


def summary(session) -> dict:

    meeting, spec = load_meeting(session.path(MEETING_FILE))
    members = [{"name": m.name, "post": m.post, "problems": len(m.problems()),
                "criticisms": sum(len(v) for v in m.criticisms.values())} for m in meeting.members]
    return {"unit": meeting.unit.name, "spec": spec.name, "members": members}


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


@router.get("/meeting", response_class=HTMLResponse)
def meeting_page(request: Request):
    session = request_session(request)
    if not session.path(MEETING_FILE).is_file():
        return RedirectResponse("/", 303)
    state = app_state(request)
    job = state.jobs.running_for(session.id)
    found = result(session)
    if found is not None:
        found["listing"] = _listing(found, session.path("meeting-out").resolve())
    return state.templates.TemplateResponse(request, "meeting.html", {
        "meeting": summary(session), "result": found, "kinds": lexicon("meeting")["index"]["kinds"],
        "model": state.model_available(), "job": job.id if job else "", "severity": SEVERITY})


@router.post("/api/meeting/draft")
@guarded
def draft_meeting_job(request: Request, body: MeetingDraft):
    """Draft again from the meeting file last drafted or uploaded."""
    state = app_state(request)
    session = request_session(request)
    if not session.path(MEETING_FILE).is_file():
        raise InputError("请先填写或导入会议资料")
    if state.jobs.running_for(session.id):
        raise InputError("正在起草，请等待完成")
    return _submit(state, session, body.offline)


def start_from_form(state, session, form: FormState, offline: bool) -> dict:
    """The form as a whole meeting: checked, kept as the session's meeting file, then drafted."""
    _, _, text = checked_meeting(form)
    save_meeting(session, text.encode("utf-8"))
    return _submit(state, session, offline)


def _submit(state, session, offline: bool) -> dict:
    whole, _ = load_meeting(session.path(MEETING_FILE))
    names = document_names(whole)
    items = [{"key": name, "label": name} for name in names]
    drafter = state.drafter(offline)

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

        options = DraftOptions(outdir=session.path("meeting-out"), force=True)
        done = asyncio.run(draft_meeting(session.path(MEETING_FILE), options, drafter, state.retriever,
                                         corpus_loader=lambda: load_corpus(None), progress=progress))
        documents = [{"kind": d.kind, "name": d.name, "errors": d.errors, "warnings": d.warnings,
                      "files": [str(f) for f in d.files],
                      # What the check found, shown under each material (errors first, as a reviewer reads them).
                      "findings": [{"severity": f.severity, "message": f.message, "location": f.location}
                                   for f in sorted(d.findings, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
                                   if f.severity in SEVERITY_ORDER]} for d in done.documents]
        record = {"unit": summary(session)["unit"], "folder": str(done.folder), "system": done.system,
                  "documents": documents, "drafted": time.strftime("%Y-%m-%d %H:%M")}
        session.path(RESULT_FILE).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
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
    try:
        record = json.loads(files[number].read_text(encoding="utf-8"))
        document = Document.model_validate(record["document"])
        profile = Profile.model_validate(record["profile"])
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"无法打开这份材料：{files[number].name}") from exc
    meta = {"unit": profile.unit.name, "spec": profile.meeting.spec, "system": record.get("system", ""),
            "drafted": result(session).get("drafted", ""), "meeting": True}
    session.save_draft(render(document), {}, meta, profile_yaml(profile), [n.model_dump() for n in document.notes])
    return {"redirect": "/review"}


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
    return attachment(path.read_bytes(), path.name, MEDIA.get(path.suffix, "application/octet-stream"))


@router.get("/meeting/all.zip")
@guarded
def download_meeting_zip(request: Request):

    session = request_session(request)
    files = _files(session)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.name)

    return attachment(buffer.getvalue(), f"{file_stem(result(session)['unit'])}.zip", "application/zip")
