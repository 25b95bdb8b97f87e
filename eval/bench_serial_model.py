"""Drafting against a serial CPU server: one request generating at a time, the rest queued, streamed output.

The stub behaves like llama.cpp on a 2-core machine: it serves one chat request at a time (the others wait
with no byte sent), spends `--prompt-s` seconds on each prompt and then streams the answer at `--rate`
tokens per second (one token per character). A 20-item draft runs through the runner at the DEFAULT settings
(DraftOptions concurrency, ChatSettings timeout and retries). The serial lower bound is the sum of the times
the server spent on each request; the target is wall time ≤ 1.1 × that bound, with no timeout and no retry.

    .venv/bin/python eval/bench_serial_model.py [--rate 15] [--prompt-s 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import yaml  # noqa: E402
from stub_server import StubServer  # noqa: E402

from pipeline.core.resources import data_dir  # noqa: E402
from pipeline.corpus.ingest import ingest  # noqa: E402
from pipeline.corpus.retrieve import Retriever  # noqa: E402
from pipeline.corpus.store import Store  # noqa: E402
from pipeline.draft.drafter import ModelDrafter  # noqa: E402
from pipeline.draft.plan import make_outline  # noqa: E402
from pipeline.material.profile import load_profile, resolve_spec  # noqa: E402
from pipeline.models.chat import ChatSettings, build_chat_model  # noqa: E402
from pipeline.models.embed import HashingEmbeddings  # noqa: E402
from pipeline.run.runner import DraftOptions, draft_all  # noqa: E402

# The agency example as a generic 组织生活会 with a seventh aspect: 20 items to draft.
SEVENTH = {"作风建设": [{"problem": "调查研究不够深入", "facts": ["全年到村调研只有3次"]}]}
FILLER = ["支部班子在这一方面还存在差距，", "抓落实的标准还不够高，", "对照党章党规找差距还不够深入，",
          "有的工作满足于完成规定动作，", "示范带动作用发挥得还不够充分。"]


def answer(request: dict) -> str:
    """About the asked length, carrying the facts, no scaffold: an answer no guard re-asks."""
    user = request["messages"][-1]["content"]
    facts = [f.strip() for f in re.findall(r"事实：(.+)", user)]
    wanted = int(m.group(1)) if (m := re.search(r"约(\d+)字", user)) else 200
    text = ("比如，" + "；".join(facts) + "。") if facts else ""
    n = 0
    while len(text) < wanted:
        text = FILLER[n % len(FILLER)] + text if n < len(FILLER) else text + FILLER[n % len(FILLER)]
        n += 1
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=15.0, help="tokens (characters) per second while generating")
    parser.add_argument("--prompt-s", type=float, default=0.5, help="seconds of prompt processing per request")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-serial-"))
    profile_path = workdir / "bench.yaml"
    data = yaml.safe_load((ROOT / "examples" / "agency-2024-dangji.yaml").read_text(encoding="utf-8"))
    data["meeting"] = {"spec": "generic-zuzhi"}
    data["aspects"] = {**data["aspects"], **SEVENTH}
    profile_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    profile = load_profile(profile_path)
    items = make_outline(profile, resolve_spec(profile)).items()
    store = Store.open(store_dir=workdir / "store")
    embedder = HashingEmbeddings()
    ingest([data_dir("corpus")], store, embedder)
    retriever = Retriever(store, embedder)

    settings = ChatSettings(base_url="http://127.0.0.1:1/v1", api_key="bench", model="stub")  # defaults otherwise
    with StubServer(responder=answer, serial=True, token_latency=1 / args.rate, prompt_latency=args.prompt_s) as stub:
        chat = build_chat_model(settings.model_copy(update={"base_url": stub.url}))
        options = DraftOptions(outdir=workdir / "out", use_cache=False, docx=False)  # default concurrency
        started = time.perf_counter()
        [result] = asyncio.run(draft_all([profile_path], options,
                                         lambda: ModelDrafter(chat, "stub", policy=settings.retry_policy()),
                                         lambda: retriever))
        wall = time.perf_counter() - started
        busy = sum(stub.generation_seconds)
        requests = len(stub.chat_requests)
        # The same request sent twice is a network retry (a re-ask carries the first answer, so it differs).
        retries = requests - len({json.dumps(r.messages, ensure_ascii=False) for r in stub.chat_requests})

    record = json.loads((workdir / "out" / f"{profile.unit.name}.json").read_text(encoding="utf-8"))
    attempts = sum(item["attempts"] for item in record["items"])
    tokens = sum(item["completion_tokens"] for item in record["items"])
    print(f"items: {len(items)}, requests: {requests} (network retries: {retries}, attempts recorded: {attempts}), "
          f"generated tokens: {tokens}")
    print(f"server: serial, {args.rate:g} tokens/s, {args.prompt_s:g} s per prompt; client: DraftOptions concurrency "
          f"{options.concurrency}, idle timeout {settings.timeout:g} s, max retries {settings.max_retries}")
    print(f"serial lower bound (server busy): {busy:8.1f} s")
    print(f"wall time:                        {wall:8.1f} s   (error: {result.error or 'none'})")
    print(f"wall / lower bound:               {wall / busy:8.3f} x   (target <= 1.10)")


if __name__ == "__main__":
    main()
