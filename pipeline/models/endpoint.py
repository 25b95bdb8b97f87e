"""What one chat endpoint is doing during a run, learnt from the requests themselves.

A local CPU server (llama.cpp, Ollama) answers one request at a time and queues the rest; a cloud API
answers many at once. Answers are streamed, so "the server is working" is visible chunk by chunk:
a request times out only when the *server* has sent nothing to any of our requests for `idle_timeout`
seconds, never because it waited its turn behind others. When requests keep waiting in the server's queue
(another of ours finished before this one saw its first chunk), the in-flight limit drops to what the
server really serves at once. A request abandoned on silence keeps its slot for a grace period, so a
retry never queues behind an answer the server may still be generating. The first failure of each kind
is logged once, and a fatal one (endpoint down, bad key, no quota) stops every waiting request at once.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

from pipeline.core.errors import ModelError

log = logging.getLogger(__name__)

QUEUED_EVENTS = 2  # repeated queueing, not one slow prompt, lowers the limit
QUEUED_WAIT = 0.5  # seconds beyond twice the fastest first chunk: below this a request was not queued
ABANDON_GRACE_MAX = 30.0  # seconds an abandoned request keeps its slot (at most)
_TICK = 0.05


class IdleTimeout(Exception):
    """The server sent nothing to any of our requests for the idle timeout."""


class Interrupted(Exception):
    """The stream ended without a finish reason: the answer was cut (a dropped connection, a proxy timing out,
    llama-cpp-python's server stopping the answer it is generating whenever a new request arrives)."""


class Endpoint:
    def __init__(self, idle_timeout: float):
        self.idle_timeout = idle_timeout
        self.last_activity = time.monotonic()
        self.limit: int | None = None  # None: as many as the caller sends
        self.in_flight = 0
        self.producing = 0  # requests that have their first chunk and are not finished
        self.served_at_once: int | None = None  # the fewest others producing when a queued request got its turn
        self.finished = 0
        self.started = 0
        self.queued = 0
        self.fastest_first: float | None = None  # seconds to the first chunk of the quickest request so far
        self.succeeded = False
        self.fatal: ModelError | None = None
        self.ghost_until = 0.0
        self._reported: set[str] = set()
        self._changed = asyncio.Condition()

    # -- bookkeeping -------------------------------------------------------------------------------
    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def warn_once(self, key: str, message: str, *args: Any) -> None:
        """One warning line per distinct failure, however many requests and retries meet it."""
        if key in self._reported:
            log.debug(message, *args)
            return
        self._reported.add(key)
        log.warning(message, *args)

    def fail(self, error: ModelError) -> ModelError:
        if self.fatal is None:
            self.fatal = error
        return self.fatal

    def _busy(self) -> int:
        return self.in_flight + (1 if time.monotonic() < self.ghost_until else 0)

    async def acquire(self) -> None:
        async with self._changed:
            while True:
                if self.fatal is not None:
                    raise self.fatal
                if self.limit is None or self._busy() < self.limit:
                    self.in_flight += 1
                    return
                try:
                    await asyncio.wait_for(self._changed.wait(), max(_TICK, self.ghost_until - time.monotonic()))
                except asyncio.TimeoutError:
                    pass

    async def release(self, abandoned: bool) -> None:
        async with self._changed:
            self.in_flight -= 1
            if abandoned:
                self.ghost_until = time.monotonic() + min(self.idle_timeout, ABANDON_GRACE_MAX)
            self._changed.notify_all()

    def _learn_queueing(self, waited: float, others_finished: bool) -> None:
        """A request queued on the server saw its first chunk only after another of ours finished, and far
        later than the quickest first chunk seen."""
        fastest = self.fastest_first = waited if self.fastest_first is None else min(self.fastest_first, waited)
        if not others_finished or waited < 2 * fastest + QUEUED_WAIT:
            return
        self.queued += 1
        # On a server with N slots a queued request starts when one frees, the other N-1 still producing;
        # the fewest seen is the estimate (a finishing neighbour may not have been counted out yet).
        at_once = self.producing  # this request included
        self.served_at_once = at_once if self.served_at_once is None else min(self.served_at_once, at_once)
        real = max(1, self.served_at_once)
        if self.queued >= QUEUED_EVENTS and (self.limit is None or self.limit > real):
            self.limit = real
            log.info("模型服务一次只处理 %d 个请求，其余在排队：已把同时请求数降为 %d", real, real)

    # -- one streamed request ------------------------------------------------------------------------
    async def stream(self, chat_model: Any, messages: Sequence[Any], max_tokens: int) -> Any:
        """The answer as one merged message chunk; IdleTimeout when the server fell silent."""
        await self.acquire()
        started = time.monotonic()
        finished_before = self.finished
        self.started += 1
        mine = self.started
        overlapped = self.in_flight > 1
        ended = False  # a chunk carried a finish reason
        last_own = started
        merged = None
        producing = started_producing = False
        abandoned = True
        iterator = chat_model.astream(list(messages), max_tokens=max_tokens).__aiter__()
        try:
            while True:
                step = asyncio.ensure_future(iterator.__anext__())
                try:
                    while not (await asyncio.wait({step}, timeout=_TICK))[0]:
                        silent = time.monotonic() - max(last_own, self.last_activity)
                        if silent > self.idle_timeout:
                            step.cancel()
                            raise IdleTimeout()
                    chunk = step.result()
                except StopAsyncIteration:
                    abandoned = False
                    break
                last_own = time.monotonic()
                self.touch()
                merged = chunk if merged is None else merged + chunk
                ended = ended or _finished(chunk)
                overlapped = overlapped or self.in_flight > 1 or self.started > mine
                if not started_producing and (getattr(chunk, "content", "") or _finished(chunk)):
                    # the first token, not the role-only chunk some servers send before generating
                    started_producing = producing = True
                    self.producing += 1
                    self._learn_queueing(last_own - started, self.finished > finished_before)
                if producing and _finished(chunk):
                    producing = False  # the server is done with it (the usage chunk and [DONE] may follow)
                    self.producing -= 1
        finally:
            if producing:
                self.producing -= 1
            self.finished += 1
            await self.release(abandoned)
            if abandoned:
                try:
                    await iterator.aclose()
                except BaseException:  # noqa: BLE001 - closing a half-read stream must not hide the real error
                    pass
        # A choice arrived (langchain marks its chunks in response_metadata); a stream with none is the empty
        # result the caller reports.
        # A choice arrived (langchain marks its chunks in response_metadata); a stream with none is the empty
        # result the caller reports.
        began = merged is not None and bool(getattr(merged, "content", "") or getattr(merged, "response_metadata", None))
        if not ended and began and (overlapped or _speaks_http(chat_model)):
            # Begun, never finished: a server always ends a whole answer with a finish reason, so this one was cut
            # (a dropped connection, a proxy timeout, llama-cpp-python dropping it for the next request, which
            # even sends [DONE]). It is asked again, never taken as finished, whatever the concurrency.
            if overlapped and self.limit != 1:
                # other requests of ours were in flight: the server drops an answer for the next one
                self.limit = 1
                log.info("模型服务收到新请求时会中断正在生成的回答：已把同时请求数降为 1")
            raise Interrupted()
        self.succeeded = True
        return merged


def _speaks_http(chat_model: Any) -> bool:
    """An OpenAI-compatible client (its servers send finish reasons); in-process test models may send none."""
    if "langchain_openai" not in sys.modules:  # never imported: cannot be one (and stays unloaded)
        return False
    from langchain_openai.chat_models.base import BaseChatOpenAI

    return isinstance(chat_model, BaseChatOpenAI)


def _finished(chunk: Any) -> bool:
    return bool((getattr(chunk, "response_metadata", None) or {}).get("finish_reason"))


_ENDPOINTS: dict[int, tuple[Any, Any, Endpoint]] = {}


def endpoint_for(chat_model: Any, idle_timeout: float) -> Endpoint:
    """One Endpoint per chat model per event loop (asyncio primitives belong to one loop)."""
    loop = asyncio.get_running_loop()
    for key in [k for k, (_, old_loop, _) in _ENDPOINTS.items() if old_loop.is_closed()]:
        del _ENDPOINTS[key]
    known = _ENDPOINTS.get(id(chat_model))
    if known is None or known[0] is not chat_model or known[1] is not loop:
        known = (chat_model, loop, Endpoint(idle_timeout))
        _ENDPOINTS[id(chat_model)] = known
    endpoint = known[2]
    endpoint.idle_timeout = idle_timeout
    return endpoint
