"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks.

It speaks POST /v1/chat/completions (plain and streamed), POST /v1/embeddings and GET /v1/models.
Answers come from a queue (strings or `Reply` objects, one per chat request), then from a
`responder(request_json)` callable, then from `default`. Faults are `Reply` objects built by the
helpers below. Token counts are one token per character, so `max_tokens` cuts text realistically.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    """One scripted answer to a chat request."""

    text: str = ""
    # None: "stop", or "length" when the request's max_tokens cuts the text.
    finish_reason: str | None = None
    status: int = 200
    # A raw body replaces the generated completion (errors, malformed answers).
    body: bytes | dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering: longer than the client timeout means a hang.
    delay: float = 0.0
    choices: list | None = None  # override the choices list (e.g. [] for "empty choices")
    # Streamed first as `reasoning_content` deltas (DeepSeek-R1, QwQ through vLLM), never part of the answer.
    reasoning: str = ""
    # Streamed, then the connection closes with no finish reason and no [DONE] (a proxy timing out, a crashed
    # worker): the answer is cut and must never be taken as finished.
    cut: bool = False


def reply(text: str, finish_reason: str | None = None) -> Reply:
    return Reply(text=text, finish_reason=finish_reason)


def rate_limited(retry_after: float = 0.05) -> Reply:
    """429 with both Retry-After (seconds, may be fractional) and retry-after-ms, as OpenAI sends."""
    return Reply(
        status=429,
        body={"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
        headers={"Retry-After": _seconds(retry_after), "retry-after-ms": str(int(retry_after * 1000))},
    )


def insufficient_quota(status: int = 429, message: str = "You exceeded your current quota, please check your plan "
                       "and billing details.", code: str = "insufficient_quota") -> Reply:
    """429 as OpenAI sends when the account has no quota left (DeepSeek: 402 Insufficient Balance)."""
    return Reply(status=status, body={"error": {"message": message, "type": "insufficient_quota", "code": code}})


def forbidden() -> Reply:
    return Reply(status=403, body={"error": {"message": "You are not allowed to use this model", "type": "permission"}})


def server_error(status: int = 500) -> Reply:
    return Reply(status=status, body={"error": {"message": "Internal server error", "type": "server_error"}})


def hang(seconds: float, text: str = "迟到的回答。") -> Reply:
    return Reply(text=text, delay=seconds)


def truncated(text: str, keep: int) -> Reply:
    """The first `keep` characters of `text` with finish_reason "length"."""
    return Reply(text=text[:keep], finish_reason="length")


def cut(text: str) -> Reply:
    """`text` streamed, then the stream closes with no finish reason and no [DONE]."""
    return Reply(text=text, cut=True)


def content_filter() -> Reply:
    """The 400 that Azure OpenAI and several Chinese providers return when moderation blocks a prompt."""
    return Reply(
        status=400,
        body={
            "error": {
                "message": "The response was filtered due to the prompt triggering content management policy.",
                "type": "invalid_request_error",
                "param": "prompt",
                "code": "content_filter",
            }
        },
    )


def filtered_finish(text: str = "") -> Reply:
    """A 200 answer whose generation was stopped by moderation."""
    return Reply(text=text, finish_reason="content_filter")


def auth_error(echo_key: bool = True) -> Reply:
    """401; like some providers, it echoes the key it was given (the client must not repeat it)."""
    return Reply(status=401, body=None, headers={"X-Echo-Key": "1" if echo_key else "0"})


def invalid_json() -> Reply:
    """A 200 whose body is cut mid-JSON (a proxy dropping the connection, a crashed worker)."""
    return Reply(body=b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0, "message": {"con')


def empty_choices() -> Reply:
    return Reply(choices=[])


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: Any  # parsed JSON, or None
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages", []) if isinstance(self.body, dict) else []

    @property
    def user_text(self) -> str:
        """The last user message (the prompt a test usually asserts on)."""
        users = [m.get("content", "") for m in self.messages if m.get("role") == "user"]
        return users[-1] if users else ""


def fake_embedding(text: str, dim: int = 32) -> list[float]:
    """Deterministic unit vector from hashed character bigrams: texts sharing words point the same way."""
    vector = [0.0] * dim
    grams = [text[i : i + 2] for i in range(max(1, len(text) - 1))] if text else []
    for gram in grams:
        digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dim
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        vector[0], norm = 1.0, 1.0
    return [v / norm for v in vector]


class StubServer:
    """Start with `start()` (or use as a context manager); `url` is the OpenAI base URL (…/v1)."""

    def __init__(
        self,
        responses: list | None = None,
        *,
        responder: Callable[[dict], "str | Reply"] | None = None,
        default: str | None = "这是一段测试正文。",
        token_latency: float = 0.0,
        embedding_dim: int = 32,
        model: str = "stub-model",
        serial: bool = False,
        prompt_latency: float = 0.0,
        interrupting: bool = False,
    ):
        self._queue: deque = deque(responses or [])
        self.responder = responder
        self.default = default
        self.token_latency = token_latency
        # serial: like llama.cpp on a CPU, one chat request generates at a time and the others wait their turn
        # (with no byte sent); prompt_latency: seconds of prompt processing before the first token.
        self.serial = serial
        self.prompt_latency = prompt_latency
        # interrupting: like llama-cpp-python's server (interrupt_requests, on by default), a new chat request
        # stops the answer being streamed: no finish chunk, just the end of the stream.
        self.interrupting = interrupting
        self._latest = 0  # the newest chat request, numbered
        self.interrupted = 0
        self._generating = threading.Lock()
        self.generation_seconds: list[float] = []  # time each served chat request held the server
        self.embedding_dim = embedding_dim
        self.model = model
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._active = 0
        self.max_active = 0  # highest number of chat requests served at once

    # -- scripting -------------------------------------------------------------------------------
    def queue(self, *answers: "str | Reply") -> None:
        with self._lock:
            self._queue.extend(answers)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def _next_answer(self, request: dict) -> Reply:
        with self._lock:
            answer = self._queue.popleft() if self._queue else None
        if answer is None and self.responder is not None:
            answer = self.responder(request)
        if answer is None and self.default is not None:
            answer = self.default
        if answer is None:
            return Reply(status=500, body={"error": {"message": "stub: no answer queued", "type": "stub"}})
        return answer if isinstance(answer, Reply) else Reply(text=str(answer))

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("stub server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "StubServer":
        handler = type("Handler", (_Handler,), {"stub": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a simulated hang
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "StubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _enter(self) -> None:
        with self._lock:
            self._active += 1
            self.max_active = max(self.max_active, self._active)

    def _leave(self) -> None:
        with self._lock:
            self._active -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the listen backlog: the default 5 refuses a burst of parallel drafts


class _Handler(BaseHTTPRequestHandler):
    stub: StubServer
    server_version = "duizhao-stub/1"

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def _record(self, body: Any) -> None:
        with self.stub._lock:
            self.stub.requests.append(RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                                                     time.monotonic()))

    def _send(self, status: int, payload: bytes | dict, headers: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def do_GET(self) -> None:  # noqa: N802
        self._record(None)
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": self.stub.model, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            self._record(None)
            self._send(400, {"error": {"message": "request body is not JSON"}})
            return
        self._record(body)
        if self.path.endswith("/chat/completions"):
            with self.stub._lock:
                self.stub._latest += 1
                self.number = self.stub._latest
            self.stub._enter()
            turn = self.stub._generating if self.stub.serial else None
            if turn is not None:
                turn.acquire()
            started = time.monotonic()
            try:
                self._chat(body)
            finally:
                with self.stub._lock:
                    self.stub.generation_seconds.append(time.monotonic() - started)
                if turn is not None:
                    turn.release()
                self.stub._leave()
        elif self.path.endswith("/embeddings"):
            self._embeddings(body)
        else:
            self._send(404, {"error": {"message": f"unknown path {self.path}"}})

    # -- chat --------------------------------------------------------------------------------------
    def _chat(self, request: dict) -> None:
        stub = self.stub
        answer = stub._next_answer(request)
        stub._sleep(answer.delay)
        if stub._stopping.is_set():
            return
        if answer.status == 401:
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            shown = key if answer.headers.get("X-Echo-Key") == "1" else "***"
            error = {"message": f"Incorrect API key provided: {shown}", "type": "invalid_request_error",
                     "code": "invalid_api_key"}
            self._send(401, {"error": error})
            return
        if answer.status == 200 and isinstance(answer.body, bytes) and request.get("stream"):
            self._send_events([b"data: " + answer.body + b"\n\n"])  # a stream cut mid-event
            return
        if answer.status != 200 or answer.body is not None:
            self._send(answer.status, answer.body if answer.body is not None else b"", answer.headers)
            return
        text, finish = answer.text, answer.finish_reason
        limit = request.get("max_completion_tokens") or request.get("max_tokens")
        if limit is not None and len(text) > int(limit):
            text, finish = text[: int(limit)], "length"
        finish = finish or "stop"
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in request.get("messages", []))
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(text),
                 "total_tokens": prompt_tokens + len(text)}
        stub._sleep(stub.prompt_latency)
        if request.get("stream"):
            if answer.choices is not None:
                self._send_events([f"data: {json.dumps({'id': 'x', 'object': 'chat.completion.chunk', 'choices': answer.choices})}\n\n"
                                   .encode("utf-8"), b"data: [DONE]\n\n"])
                return
            self._stream(request, text, finish, usage, answer.reasoning, answer.cut)
            return
        stub._sleep(stub.token_latency * len(text))
        choices = answer.choices if answer.choices is not None else [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish, "logprobs": None}
        ]
        self._send(200, {
            "id": f"chatcmpl-stub{len(stub.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", stub.model),
            "choices": choices,
            "usage": usage,
        }, answer.headers)

    def _send_events(self, events: list[bytes]) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for data in events:
                self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _stream(self, request: dict, text: str, finish: str, usage: dict, reasoning: str = "",
                cut: bool = False) -> None:
        base = {"id": "chatcmpl-stream", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": request.get("model", self.stub.model)}

        def event(payload: dict | str) -> bytes:
            data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
            return f"data: {data}\n\n".encode("utf-8")

        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                                          "finish_reason": None}]}))
            for start in range(0, len(reasoning), 4):
                piece = reasoning[start : start + 4]
                self.stub._sleep(self.stub.token_latency * len(piece))
                self.wfile.write(event({**base, "choices": [{"index": 0, "delta": {"reasoning_content": piece},
                                                              "finish_reason": None}]}))
                self.wfile.flush()
            for start in range(0, len(text), 4):
                piece = text[start : start + 4]
                self.stub._sleep(self.stub.token_latency * len(piece))
                if self.stub.interrupting and self.stub._latest != self.number:
                    with self.stub._lock:
                        self.stub.interrupted += 1
                    self.wfile.write(event("[DONE]"))
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(event({**base, "choices": [{"index": 0, "delta": {"content": piece},
                                                              "finish_reason": None}]}))
                self.wfile.flush()
            if cut:
                self.close_connection = True
                return
            self.wfile.write(event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}))
            if (request.get("stream_options") or {}).get("include_usage"):
                self.wfile.write(event({**base, "choices": [], "usage": usage}))
            self.wfile.write(event("[DONE]"))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    # -- embeddings --------------------------------------------------------------------------------
    def _embeddings(self, request: dict) -> None:
        inputs = request.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        dim = int(request.get("dimensions") or self.stub.embedding_dim)
        data = []
        for index, item in enumerate(inputs):
            text = item if isinstance(item, str) else " ".join(map(str, item))  # token-id lists
            vector = fake_embedding(text, dim)
            if request.get("encoding_format") == "base64":
                encoded: Any = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode("ascii")
            else:
                encoded = vector
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(str(i)) for i in inputs)
        self._send(200, {"object": "list", "data": data, "model": request.get("model", self.stub.model),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})
