"""No request can hold the server: bodies are counted as they stream in, uploads are bounded by what they unpack
to, and each session has one heavy task at a time."""

from __future__ import annotations

import asyncio
import io
import socket
import threading
import time
import zipfile

import docx
import pytest
from fastapi.testclient import TestClient

from pipeline.core.errors import InputError
from pipeline.web.app import WebConfig, create_app
from pipeline.web.work import Workers
from tests.web.live import live_server

H = {"X-Duizhao": "1"}


@pytest.fixture(autouse=True)
def _cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("DUIZHAO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "web-cache"))


def config(tmp_path, retriever, **overrides) -> WebConfig:
    return WebConfig(data_dir=tmp_path / "data", retriever_factory=lambda: retriever, model_available=lambda: False,
                     **overrides)


@pytest.fixture
def client(tmp_path, retriever):
    return TestClient(create_app(config(tmp_path, retriever)), base_url="http://127.0.0.1")


def small_docx(text: str = "关于开展对照检查的材料") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def with_part(data: bytes, name: str, size: int, fill: bytes = b"0") -> bytes:
    """The .docx with one more part of `size` bytes: it compresses to almost nothing."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(name, fill * size)
    return out.getvalue()


@pytest.mark.parametrize("part, size", [("word/media/image1.bin", 40 * 1024 * 1024),  # unpacks to 40 MB
                                        ("customXml/item1.xml", 9 * 1024 * 1024)])  # 9 MB for the XML parser
def test_a_docx_that_unpacks_large_is_refused_before_it_is_parsed(client, part, size):
    bomb = with_part(small_docx(), part, size)
    assert len(bomb) < 200 * 1024  # small on the wire
    started = time.monotonic()
    reply = client.post("/api/material", files={"file": ("材料.docx", bomb)}, headers=H)
    assert time.monotonic() - started < 1.0
    assert reply.status_code == 400 and "解压后过大" in reply.json()["error"], reply.text
    assert client.get("/review", follow_redirects=False).status_code == 303  # nothing was taken in


def test_a_material_of_thousands_of_paragraphs_is_refused(client):
    text = "\n".join(f"第{n}段：经常性学习不够。" for n in range(6000)).encode("utf-8")
    reply = client.post("/api/material", files={"file": ("材料.txt", text)}, headers=H)
    assert reply.status_code == 400 and "过长" in reply.json()["error"]
    notice = client.post("/api/notice", files={"file": ("通知.txt", text)}, headers=H)
    assert notice.status_code == 400 and "过长" in notice.json()["error"]


def test_an_honest_docx_is_still_read(client):
    seed = "\n".join(["关于2024年度组织生活会对照检查材料", "一、存在的问题", "（一）政治纪律方面",
                      "学习条例联系岗位实际不够，4次集中学习中只有1次结合执法案例开展讨论。"])
    document = docx.Document()
    for line in seed.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    reply = client.post("/api/material", files={"file": ("材料.docx", with_part(buffer.getvalue(), "word/media/p.png", 3 * 1024 * 1024))},
                        headers=H)
    assert reply.status_code == 200, reply.text


def _send_chunked(port: int, path: str, total: int) -> tuple[bytes, int]:
    """POST a chunked JSON body of up to `total` bytes; stop once the server answers. (answer, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Duizhao: 1\r\nContent-Type: application/json\r\n"
                 f"Transfer-Encoding: chunked\r\n\r\n".encode())
    chunk = b'{"unit_name": "' + b"x" * (64 * 1024)
    sent = 0
    sock.setblocking(False)
    answer = b""
    try:
        while sent < total:
            try:
                answer += sock.recv(4096)
                if answer:
                    break
            except BlockingIOError:
                pass
            try:
                sock.setblocking(True)
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sock.setblocking(False)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        sock.setblocking(True)
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer:
            more = sock.recv(4096)
            if not more:
                break
            answer += more
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        sock.close()
    return answer, sent


def test_a_chunked_json_body_is_refused_while_it_streams(tmp_path, retriever):
    with live_server(config(tmp_path, retriever, max_json_bytes=1024 * 1024)) as (_, port):
        answer, sent = _send_chunked(port, "/api/form", 300 * 1024 * 1024)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 16 * 1024 * 1024  # the server answered long before the 300 MB were sent


def test_each_session_has_one_heavy_task_at_a_time():
    workers = Workers(workers=2, per_session=1)
    release = threading.Event()

    async def scenario():
        first = asyncio.ensure_future(workers.run("a", release.wait, 5))
        await asyncio.sleep(0.05)
        with pytest.raises(InputError, match="还在处理"):
            await workers.run("a", lambda: None)
        other = await workers.run("b", lambda: "b done")  # another clerk is not held up
        release.set()
        return await first, other

    try:
        assert asyncio.run(scenario()) == (True, "b done")
    finally:
        workers.shutdown()
