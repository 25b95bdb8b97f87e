"""Work that could hold up other clerks runs off the event loop, bounded:

- reading and checking an upload, proposing aspects for opinions: a small pool of worker threads, and each
  session at most one such task at a time (its quota), so one clerk's large file queues only her own clicks;
- request bodies: refused while they stream in once past the limit (a chunked body has no length to check first).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from pipeline.core.errors import InputError


class Workers:
    def __init__(self, workers: int = 2, per_session: int = 1):
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="duizhao-work")
        self.per_session = per_session
        self.busy: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def run(self, session: str, fn, *args, **kwargs):
        with self.lock:
            if self.busy[session] >= self.per_session:
                raise InputError("上一个操作还在处理中，请稍候再试", code="busy")
            self.busy[session] += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))
        finally:
            with self.lock:
                self.busy[session] -= 1
                if not self.busy[session]:
                    del self.busy[session]

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a request body larger than its limit is answered 413, counted as it arrives, so neither
    a false Content-Length nor chunked transfer makes the server hold more than the limit."""

    def __init__(self, app, json_limit: int, upload_limit: int):
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.upload_limit if multipart else self.json_limit
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            return await _refuse(send)
        received = 0
        exceeded = False
        started = False

        async def limited():
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message):
            nonlocal started
            if exceeded:  # whatever the app makes of the broken read, the answer is 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, guarded_send)
        except _TooLarge:
            pass
        if exceeded and not started:
            await _refuse(send)


async def _refuse(send) -> None:
    body = "上传内容过大".encode("utf-8")
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
