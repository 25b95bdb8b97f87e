"""What the workbench's routes share: the app state and session of a request, errors as one JSON line, the
current material's review, file responses."""

from __future__ import annotations

import asyncio
import functools
from urllib.parse import quote

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from pipeline.core.errors import InputError, ModelError, PipelineError
from pipeline.web import service
from pipeline.web.review_view import MARK_KINDS, SEVERITY, paragraphs
from pipeline.web.store import Session
from pipeline.web.wording import clerk_words


def app_state(request: Request):
    return request.app.state.web


def request_session(request: Request) -> Session:
    return app_state(request).session(request)


def failure(exc: Exception) -> JSONResponse:
    if isinstance(exc, PipelineError):
        status = 400 if isinstance(exc, InputError) else 502 if isinstance(exc, ModelError) else 500
        status = 404 if exc.code == "not-found" else 409 if exc.code in ("replace", "stale") else status
        return JSONResponse({"error": clerk_words(str(exc)), "code": exc.code}, status_code=status)
    return JSONResponse({"error": f"内部错误（{type(exc).__name__}）", "code": "internal"}, status_code=500)


def guarded(handler):
    """Every API answer is JSON; a library error becomes {"error": one Chinese line}."""

    @functools.wraps(handler)
    async def wrapper(*args, **kwargs):
        try:
            if asyncio.iscoroutinefunction(handler):
                return await handler(*args, **kwargs)
            # A plain handler reads and writes files and runs checks: never on the event loop.
            return await run_in_threadpool(handler, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the outer layer turns every failure into one message
            return failure(exc)

    return wrapper


async def heavy(request: Request, fn, *args):
    """`fn(*args)` on the bounded workers, counted against the session's quota."""
    return await app_state(request).work.run(request.state.session_id, fn, *args)


def visible_specs(request: Request) -> dict:
    """The specs this session may use: built-in, the administrator's, its own from notices. Another session's
    spec is not among them, so every message about specs reads as if it did not exist."""
    owners = app_state(request).owners.all()
    session = request.state.session_id
    return {key: spec for key, spec in service.known_specs().items() if owners.get(key, session) == session}


def session_spec(request: Request, spec_id: str):
    """A spec by id, if this session may use it: another session's spec from a notice is unknown here."""
    specs = visible_specs(request)
    if spec_id not in specs:
        # A page shown before the spec was deleted, or another clerk's: the clerk's next step, not a list of ids.
        raise InputError(f"未知的会议规范：{spec_id}（可能已被删除）。请回到首页，从列表中重新选择会议规范")
    return specs[spec_id]


def spec_rows(request: Request) -> list[dict]:
    return service.spec_rows(app_state(request).owners, request.state.session_id)


def current_review(session: Session):
    text = session.draft_text()
    if text is None:
        raise InputError("还没有草稿")
    meta = session.meta()
    spec = service.spec_of(meta["spec"]) if meta.get("spec") else None
    profile = service.load_saved_profile(session.path("drafted-profile.yaml"))
    return service.reviewed(text, spec, profile)


def review_context(session: Session, review) -> dict:
    shown, listed, colours = paragraphs(review, session.passages())
    return {"paragraphs": shown, "findings": listed, "colours": colours, "report": review.report,
            "metrics": review.report.metrics, "severity": SEVERITY, "mark_kinds": MARK_KINDS, "meta": session.meta(),
            "spec": review.spec, "ledger": session.path("drafted-profile.yaml").is_file(),
            "undo": session.draft_undo_step(), "undone": session.draft_step_undone()}


def attachment(data: bytes, name: str, media: str) -> Response:
    ascii_name = "duizhao" + name[name.rfind("."):]
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})
