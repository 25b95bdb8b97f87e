"""Ten clerks working in the workbench while one more uploads, again and again, the worst .docx the upload limits
allow (XML parts just under their bound, the whole just under its unpacked bound, a paragraph made of thousands of
runs). Runs the real `duizhao serve` in a child process on 127.0.0.1 and prints the clerks' request times with and
without the heavy uploads, how long each heavy upload took, and the server's peak RSS.

    .venv/bin/python eval/bench_web_load.py [--clerks 10] [--seconds 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import docx
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import HEADERS, ROOT, peak_rss_mb, serving  # noqa: E402

sys.path.insert(0, str(ROOT))
from pipeline.run.review import UploadLimits  # noqa: E402

THINK = 1.0  # seconds between one clerk's actions
EXAMPLE = ROOT / "examples" / "agency-2024-dangji.yaml"


def worst_docx(limits: UploadLimits) -> bytes:
    """document.xml just under the XML bound, every paragraph a few hundred one-character runs (the slowest shape
    for the reader), and a media part filling the unpacked bound."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    run = "<w:r><w:t>学</w:t></w:r>"
    paragraph = "<w:p>" + run * 300 + "</w:p>"
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats'
            '.org/wordprocessingml/2006/main"><w:body>')
    tail = "</w:body></w:document>"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        others = {i.filename: source.read(i) for i in source.infolist() if i.filename != "word/document.xml"}
    other_xml = sum(len(v) for k, v in others.items() if k.endswith((".xml", ".rels")))
    room = limits.xml_bytes - other_xml - len(head.encode()) - len(tail.encode()) - 1024
    count = min(room // len(paragraph.encode()), limits.paragraphs - 10, (limits.runs - 10) // 300)
    body = head + paragraph * count + tail
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in others.items():
            target.writestr(name, data)
        target.writestr("word/document.xml", body)
        used = sum(len(v) for v in others.values()) + len(body.encode())
        target.writestr("word/media/image1.png", b"\0" * (limits.unpacked_bytes - used - 1024))
    return out.getvalue()


def material() -> bytes:
    seed = sorted((ROOT / "corpus").glob("*.txt"))[0]
    return seed.read_bytes()


def clerk(base: str, stop: threading.Event, times: list[float], errors: list[str]) -> None:
    try:
        _clerk(base, stop, times, errors)
    except httpx.HTTPError as exc:
        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")


def _clerk(base: str, stop: threading.Event, times: list[float], errors: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/")
        client.post("/api/profile", files={"file": ("资料.yaml", EXAMPLE.read_bytes())}, headers=HEADERS).raise_for_status()
        client.post("/api/material", files={"file": ("材料.txt", material())}, headers=HEADERS).raise_for_status()
        form = {"spec": "2024-dangji-zuzhi", "unit_name": "县市场监督管理局机关第一党支部",
                "aspects": {"政治纪律": [{"problem": "学习条例联系岗位实际不够", "facts": ["4次集中学习中只有1次结合执法案例"]}]}}
        steps = [lambda: client.get("/form"), lambda: client.post("/api/form", json=form, headers=HEADERS),
                 lambda: client.get("/review"),
                 # Every edit is new text: checked afresh, never served from memory.
                 lambda: client.post("/api/paragraph", json={"index": 2, "text": f"经常性学习不够，深度不够（第{n}稿）。"},
                                     headers=HEADERS)]
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            reply = steps[n % len(steps)]()
            times.append(time.perf_counter() - started)
            if times[-1] > 1:
                errors.append(f"slow ({times[-1]:.1f} s): {reply.request.method} {reply.request.url.path}")
            if reply.status_code >= 400:
                errors.append(f"{reply.status_code} {reply.text[:80]}")
            n += 1
            time.sleep(THINK)  # a clerk clicks, reads, types


def heavy_uploader(base: str, data: bytes, stop: threading.Event, took: list[float], answers: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=600) as client:
        client.get("/")
        while not stop.is_set():
            started = time.perf_counter()
            reply = client.post("/api/material", files={"file": ("材料.docx", data)}, headers=HEADERS)
            took.append(time.perf_counter() - started)
            answers.append(f"{reply.status_code} {reply.json().get('error', '')[:60]}")


def phase(base: str, clerks: int, seconds: float, heavy: bytes | None) -> dict:
    stop = threading.Event()
    times: list[float] = []
    errors: list[str] = []
    took: list[float] = []
    answers: list[str] = []
    threads = [threading.Thread(target=clerk, args=(base, stop, times, errors)) for _ in range(clerks)]
    if heavy is not None:
        threads.append(threading.Thread(target=heavy_uploader, args=(base, heavy, stop, took, answers)))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    times.sort()
    if not times:
        sys.exit(f"no request was answered: {errors[:3]}")
    return {"requests": len(times), "median": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))],
            "max": times[-1], "over_1s": sum(t > 1 for t in times),
            "errors": [e for e in errors if not e.startswith("slow")], "slow": [e for e in errors if e.startswith("slow")], "heavy": took, "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clerks", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    heavy = worst_docx(UploadLimits())
    with tempfile.TemporaryDirectory() as tmp:
        with serving(Path(tmp), "hash") as (base, server):
            with httpx.Client(base_url=base, timeout=600) as warm:  # the copy-check index is built once, first
                warm.get("/")
                warm.post("/api/material", files={"file": ("材料.txt", material())}, headers=HEADERS)
                warm.get("/review")
            calm = phase(base, args.clerks, args.seconds, None)
            loaded = phase(base, args.clerks, args.seconds, heavy)
            peak = peak_rss_mb(server.pid)
    print(f"worst upload the limits allow: {len(heavy) // 1024} KB on the wire, unpacks to "
          f"{UploadLimits().unpacked_bytes // 1024 // 1024} MB ({UploadLimits().xml_bytes // 1024 // 1024} MB of XML)")
    for name, found in (("clerks alone", calm), ("with the heavy uploads", loaded)):
        print(f"{name}: {args.clerks} clerks, {found['requests']} requests in {args.seconds:.0f} s; median "
              f"{found['median'] * 1000:.0f} ms, p95 {found['p95'] * 1000:.0f} ms, max {found['max'] * 1000:.0f} ms, "
              f"over 1 s: {found['over_1s']}, errors: {len(found['errors'])}")
    if loaded["heavy"]:
        print(f"heavy uploads: {len(loaded['heavy'])}, each {min(loaded['heavy']):.1f}–{max(loaded['heavy']):.1f} s; "
              f"answer: {loaded['answers'][0]}")
    print(f"server peak RSS {peak:.0f} MB")
    for error in (calm["slow"] + loaded["slow"] + calm["errors"] + loaded["errors"])[:8]:
        print("error:", error)
    sys.exit(0 if loaded["over_1s"] == 0 and not loaded["errors"] else 1)


if __name__ == "__main__":
    main()
