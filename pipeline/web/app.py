"""The workbench application: configuration, session cookie, pages. The JSON API lives in api.py."""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pipeline.core.errors import PipelineError
from pipeline.web import service
from pipeline.web.api import router as api_router
from pipeline.web.county import router as county_router
from pipeline.web.downloads import router as download_router
from pipeline.web.last_year import router as last_year_router
from pipeline.web.ledger import router as ledger_router
from pipeline.web.meeting import router as meeting_router
from pipeline.web.notice import router as notice_router
from pipeline.web.context import clerk_words, current_review, review_context, session_spec, spec_rows
from pipeline.web.forms import MemberForm
from pipeline.web.jobs import Jobs
from pipeline.web.meeting import RESULT_FILE as MEETING_RESULT
from pipeline.web.meeting_forms import align_members, has_members
from pipeline.web.meeting import meeting_edits
from pipeline.web.replacing import draft_edits, filled, question
from pipeline.web.security import make_guard
from pipeline.web.spec_owners import SpecOwners
from pipeline.web.work import BodyLimit, Workers
from pipeline.run.review import UploadLimits
from pipeline.web.store import TOUCH_EVERY, Issued, LastSeen, Session, new_id, remove_stale_sessions, valid_id

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "duizhao_session"
SWEEP_EVERY = 3600.0  # seconds between removals of expired sessions and forgotten jobs
DAY = 24 * 3600
log = logging.getLogger(__name__)


@dataclass
class WebConfig:
    data_dir: Path
    token: str | None = None
    loopback: bool = True
    # Built once, on first use, and shared by every session: one store, one embedder.
    retriever_factory: Callable[[], object] | None = None
    offline_drafter: Callable[[], object] | None = None
    model_drafter: Callable[[], object] | None = None
    model_available: Callable[[], bool] | None = None
    workers: int = 4
    max_yaml_bytes: int = 512 * 1024
    max_material_bytes: int = 5 * 1024 * 1024
    # The session cookie lives this long after the last visit; a folder unused this long is removed.
    session_days: int = 90
    # What one uploaded material may expand to (a .docx is a zip): see run/review.py.
    upload_limits: UploadLimits = field(default_factory=UploadLimits)
    max_json_bytes: int = 2 * 1024 * 1024  # a filled form is tens of KB
    # Uploads read at once, server-wide (each session: one at a time).
    parse_workers: int = 2
    # What one session may keep on disk before its drafting caches are cleared (see Session.trim).
    session_quota: int = 200 * 1024 * 1024


@dataclass
class State:
    config: WebConfig
    jobs: Jobs
    templates: Jinja2Templates
    last_seen: LastSeen
    work: Workers = field(default_factory=Workers)
    issued: Issued = field(default_factory=Issued)
    owners: SpecOwners | None = None
    _retriever: object = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retriever(self):
        with self._lock:
            if self._retriever is None:
                factory = self.config.retriever_factory or service.default_retriever_factory()
                self._retriever = factory()
            return self._retriever

    def drafter(self, offline: bool, verify: bool = False):
        """`verify`: the model checks each drafted item once more (the form's 逐段核对; a test's own drafter as given)."""
        if offline or not self.model_available():
            return (self.config.offline_drafter or service.offline_drafter)()
        if self.config.model_drafter is not None:
            return self.config.model_drafter()
        return service.model_drafter(service.DraftSettings(verify=verify))

    def model_available(self) -> bool:
        return (self.config.model_available or service.model_configured)()

    def session(self, request: Request) -> Session:
        sid = request.state.session_id
        return Session(self.config.data_dir / "sessions", sid)

    def sweep(self, now: float | None = None) -> list[str]:
        """Remove the sessions whose cookie has expired (never one with a running job) and forget old jobs."""
        self.jobs.prune()
        # The folder's mtime may trail the last visit by up to TOUCH_EVERY: wait that much past the cookie.
        removed = remove_stale_sessions(self.config.data_dir / "sessions", self.config.session_days * DAY + TOUCH_EVERY,
                                        busy=self.jobs.busy_sessions(), now=now)
        for sid in removed:
            self.last_seen.forget(sid)
        return removed


async def sweep_once(state: State) -> None:
    try:
        await asyncio.to_thread(state.sweep)
    except Exception:  # noqa: BLE001 - a cleanup failure must never stop the server
        log.exception("session cleanup failed")


async def sweeping(state: State) -> None:
    while True:
        await asyncio.sleep(SWEEP_EVERY)
        await sweep_once(state)


def create_app(config: WebConfig) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        await sweep_once(state)  # on start, then hourly for as long as the server runs
        task = asyncio.create_task(sweeping(state))
        try:
            yield
        finally:
            state.work.shutdown()
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="duizhao 工作台", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    # Data for the page's scripts stays readable Chinese (still HTML-safe: tojson escapes < > & ').
    templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}
    templates.env.globals["ledger_statuses"] = service.ledger_statuses()  # the 状态 choices of a last-year row
    sessions = config.data_dir / "sessions"
    state = State(config, Jobs(config.workers), templates, LastSeen(sessions), Workers(config.parse_workers),
                  owners=SpecOwners(config.data_dir))
    app.state.web = state
    sessions.mkdir(parents=True, exist_ok=True)

    @app.middleware("http")
    async def session_cookie(request: Request, call_next):
        sid = request.cookies.get(SESSION_COOKIE)
        # Only an id this server gave out is a session: one it issued in this run, or one with saved work. An
        # invented id gets a new session, and never a folder of its own.
        fresh = not valid_id(sid) or not (state.issued.has(sid) or (sessions / sid).is_dir())
        request.state.session_id = state.issued.add(new_id()) if fresh else sid
        static = request.url.path.startswith("/static/")
        if not fresh and not static:
            state.last_seen.seen(sid)
        response = await call_next(request)
        # Sliding: every page or API answer renews the cookie, so a daily user never loses her saved form.
        if fresh or not static:
            response.set_cookie(SESSION_COOKIE, request.state.session_id, httponly=True, samesite="strict",
                                max_age=config.session_days * DAY)
        return response

    # Added last, so it runs first: nothing answers before the token and host are checked.
    app.middleware("http")(make_guard(config.token, config.loopback, config.max_material_bytes + 256 * 1024))
    # Outermost: a body is counted as it streams in, before anything reads it.
    app.add_middleware(BodyLimit, json_limit=config.max_json_bytes, upload_limit=config.max_material_bytes + 256 * 1024)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request: Request, name: str, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context)

    @app.get("/", response_class=HTMLResponse)
    def start(request: Request):
        session = state.session(request)
        form = session.form()
        # The steps here that replace what the clerk typed ask with these first (see replacing.py).
        return page(request, "start.html", specs=spec_rows(request), form=form,
                    has_draft=session.draft_text() is not None, ask=question, filled=filled(form),
                    ask_import=question("import", filled(form)), ask_material=question("material", draft_edits(session)))

    @app.get("/form", response_class=HTMLResponse)
    def form_page(request: Request):
        session = state.session(request)
        form = session.form()
        if form is None or not form.spec:
            return RedirectResponse("/", 303)
        try:
            spec = session_spec(request, form.spec)
        except PipelineError as exc:
            return page(request, "start.html", specs=spec_rows(request), form=None, has_draft=False, error=clerk_words(str(exc)))
        job = state.jobs.running_for(session.id)
        return page(request, "form.html", form=form, spec=spec, model=state.model_available(), roots=service.spec_roots(spec),
                    job=job.id if job else "", has_draft=session.draft_text() is not None,
                    blank_member=align_members([MemberForm()], spec)[0], whole_meeting=has_members(form),
                    has_meeting=session.path(MEETING_RESULT).is_file(), undo=session.undo_step(),
                    undone=session.step_undone(), revision=session.form_revision(),
                    ask_draft=question("meeting", meeting_edits(session)) if has_members(form)
                    else question("draft", draft_edits(session)))

    @app.get("/review", response_class=HTMLResponse)
    def review_page(request: Request):
        session = state.session(request)
        if session.draft_text() is None:
            return RedirectResponse("/", 303)
        try:
            review = current_review(session)
        except PipelineError as exc:
            return page(request, "start.html", specs=spec_rows(request), form=session.form(), has_draft=False,
                        error=clerk_words(str(exc)))
        return page(request, "review.html", **review_context(session, review))

    app.include_router(api_router)
    app.include_router(download_router)
    app.include_router(notice_router)
    app.include_router(meeting_router)
    app.include_router(county_router)
    app.include_router(ledger_router)
    app.include_router(last_year_router)

    return app
