"""Draft jobs: run in worker threads, report progress as events that a server-sent-event stream replays."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from pipeline.web.store import new_id
from pipeline.core.errors import PipelineError
from pipeline.web.wording import clerk_words


@dataclass
class Job:
    id: str
    session: str
    items: list[dict]
    status: str = "queued"  # queued | running | done | failed
    message: str = ""
    events: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None  # Jobs' clock when it finished; a finished job is forgotten KEEP_FINISHED later
    lock: threading.Lock = field(default_factory=threading.Lock)

    def emit(self, kind: str, **data) -> None:
        with self.lock:
            self.events.append({"id": len(self.events), "kind": kind, **data})

    def since(self, index: int) -> list[dict]:
        with self.lock:
            return self.events[index:]

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


KEEP_FINISHED = 3600.0  # seconds: a page reloaded within this finds its finished job; later it is forgotten


class Jobs:
    """At most `workers` drafts run at once; more wait in line (a county office with many branches).

    A server runs for months, so finished jobs (and their event lists) are dropped `keep` seconds after they end."""

    def __init__(self, workers: int = 4, keep: float = KEEP_FINISHED, clock: Callable[[], float] = time.monotonic):
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="duizhao-draft")
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.keep, self.clock = keep, clock

    def busy_sessions(self) -> set[str]:
        """Sessions with a queued or running job: their folders are being written."""
        with self.lock:
            return {j.session for j in self.jobs.values() if not j.finished}

    def prune(self, now: float | None = None) -> list[str]:
        """Forget the jobs that finished more than `keep` seconds ago; queued and running ones stay."""
        now = self.clock() if now is None else now
        with self.lock:
            old = [j.id for j in self.jobs.values() if j.finished and j.ended is not None and now - j.ended > self.keep]
            for job_id in old:
                del self.jobs[job_id]
        return old

    def running_for(self, session: str) -> Job | None:
        with self.lock:
            return next((j for j in self.jobs.values() if j.session == session and not j.finished), None)

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def submit(self, session: str, items: list[dict], work: Callable[[Job], str]) -> Job:
        """`work(job)` drafts and returns a summary line; an exception becomes the job's one failure message."""
        self.prune()
        job = Job(id=new_id(), session=session, items=items, started=self.clock())
        with self.lock:
            self.jobs[job.id] = job
        job.emit("queued", total=len(items))

        def run() -> None:
            job.status = "running"
            job.emit("running")
            try:
                job.message = work(job)
                job.ended = self.clock()
                job.status = "done"
                job.emit("done", message=job.message)
            except Exception as exc:  # noqa: BLE001 - every failure must reach the page as one line

                job.message = (clerk_words(str(exc)) if isinstance(exc, PipelineError)
                               else f"起草失败（内部错误：{type(exc).__name__}）")
                job.ended = self.clock()
                job.status = "failed"
                job.emit("failed", message=job.message)

        self.pool.submit(run)
        return job

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
