"""Drafting concurrency benchmark against the local OpenAI-compatible stub with a fixed per-token delay.

Measures, for one example profile:
  - each item drafted alone, one after another (sum = sequential wall time, max = slowest single item call);
  - the full draft through the runner with enough concurrency for every item at once.
Target: full draft ≤ 1.1 × the slowest single item call.

    .venv/bin/python eval/bench_draft.py [--profile examples/agency-2024-dangji.yaml] [--token-ms 10]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from stub_server import StubServer  # noqa: E402

from pipeline.draft.drafter import ModelDrafter  # noqa: E402
from pipeline.models.embed import HashingEmbeddings  # noqa: E402
from pipeline.models.chat import ChatSettings, RetryPolicy, build_chat_model  # noqa: E402
from pipeline.draft.plan import make_outline  # noqa: E402
from pipeline.material.profile import load_profile, resolve_spec  # noqa: E402
from pipeline.core.resources import data_dir  # noqa: E402
from pipeline.corpus.retrieve import Retriever  # noqa: E402
from pipeline.run.runner import DraftOptions, draft_all  # noqa: E402
from pipeline.corpus.ingest import ingest  # noqa: E402
from pipeline.corpus.store import Store  # noqa: E402


def answer(request: dict) -> str:
    """A clean answer of about the asked length that carries the facts, so no guard retry skews timing."""
    user = request["messages"][-1]["content"]
    facts = re.findall(r"事实：(.+)", user)
    wanted = int(m.group(1)) if (m := re.search(r"约(\d+)字", user)) else 200
    body = ("比如，" + "；".join(facts) + "。") if facts else ""
    filler = "班子在这一方面还存在差距，抓落实的标准还不够高。"
    text = body
    while len(text) < min(wanted, 400):
        text += filler
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=str(ROOT / "examples" / "agency-2024-dangji.yaml"))
    parser.add_argument("--token-ms", type=float, default=10.0, help="stub delay per generated character, ms (10 ms ≈ 100 字/s, a fast hosted model)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-draft-"))
    store = Store.open(store_dir=workdir / "store")
    embedder = HashingEmbeddings()
    ingest([data_dir("corpus")], store, embedder)
    retriever = Retriever(store, embedder)
    profile = load_profile(args.profile)
    spec = resolve_spec(profile)
    outline = make_outline(profile, spec)
    items = outline.items()

    with StubServer(responder=answer, token_latency=args.token_ms / 1000) as stub:
        settings = ChatSettings(base_url=stub.url, api_key="bench", model="stub", timeout=60)
        chat = build_chat_model(settings)
        policy = RetryPolicy(max_retries=0)

        def factory():
            return ModelDrafter(chat, "stub", policy=policy)

        # Each item alone, one after another.
        drafter = factory()
        single: list[float] = []
        for item in items:
            hits = retriever.retrieve(item.query, role=item.role, aspect=item.aspect, k=3) if item.query else []
            started = time.perf_counter()
            asyncio.run(drafter.draft(item, outline, profile, hits))
            single.append(time.perf_counter() - started)
        requests_alone = len(stub.chat_requests)

        # The whole document through the runner, every item in flight at once.
        options = DraftOptions(outdir=workdir / "out", concurrency=len(items), use_cache=False, docx=False)
        started = time.perf_counter()
        [result] = asyncio.run(draft_all([Path(args.profile)], options, factory, lambda: retriever))
        full = time.perf_counter() - started
        peak = stub.max_active

    slowest, sequential = max(single), sum(single)
    print(f"profile: {Path(args.profile).name}, items: {len(items)}, stub delay: {args.token_ms} ms per token")
    print(f"requests when drafted alone: {requests_alone}; peak concurrent requests in the full run: {peak}")
    print(f"slowest single item call:   {slowest:7.2f} s")
    print(f"items one after another:    {sequential:7.2f} s")
    print(f"full draft (runner):        {full:7.2f} s   (check ok: {result.ok})")
    print(f"full / slowest item:        {full / slowest:7.2f} x   (target <= 1.10)")
    print(f"sequential / full:          {sequential / full:7.2f} x speed-up")


if __name__ == "__main__":
    main()
