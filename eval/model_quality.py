"""The model path measured on the example profiles, against any OpenAI-compatible endpoint or the local stub.

For each profile: draft with the model (runner, default settings), then `check` the .json with the profile and
report structure (errors of the structure check), facts (share of the profile's facts in the text), copy (查重
rate against the 范文), S_l (length score), items the model could not write (【待补】), items flagged by cleaning,
unknown 《…》 titles, other additions found, wall time and tokens.

    # a real endpoint (OPENAI_BASE_URL / OPENAI_API_KEY / DUIZHAO_MODEL as for `duizhao draft`):
    .venv/bin/python eval/model_quality.py examples/*.yaml
    # the local stub answering with the 29 captured real answers of small models (by role):
    .venv/bin/python eval/model_quality.py examples/*.yaml --stub captures
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pipeline.draft.drafter import ModelDrafter  # noqa: E402
from pipeline.models.chat import ChatSettings, build_chat_model, configured  # noqa: E402
from pipeline.review.check import CheckOptions, check_file  # noqa: E402
from pipeline.run.runner import DraftOptions, draft_all  # noqa: E402

CAPTURES = [json.loads(line) for line in (ROOT / "tests/fixtures/llm_captures.jsonl").read_text(encoding="utf-8").splitlines()]
ADDITIONS = ("last-year-invented", "owner-replaced", "owner-invented", "number-invented", "praise", "points-extra",
             "cause-has-measure", "measure-restates-fault")


def captured_responder():
    """Each request answered with a captured real answer of the same role (round robin), as a weak model would."""
    turn = Counter()

    def respond(request: dict) -> str:
        task = next((line for line in request["messages"][1]["content"].splitlines() if line.startswith("本段：")), "")
        role = ("causes" if "原因" in task else "measures" if "整改措施" in task else
                "problems" if "存在的问题" in task else "other")
        pool = [c for c in CAPTURES if c["role"] == role] or CAPTURES
        turn[role] += 1
        return pool[turn[role] % len(pool)]["response_text"]

    return respond


def retriever_for(workdir: Path):
    from pipeline.core.resources import data_dir
    from pipeline.corpus.ingest import ingest
    from pipeline.corpus.retrieve import Retriever
    from pipeline.corpus.store import Store
    from pipeline.models.embed import make_embedder

    store = Store.open(store_dir=workdir / "store")
    embedder = make_embedder()
    ingest([data_dir("corpus")], store, embedder)
    return Retriever(store, embedder)


def measure(profile: Path, outdir: Path, chat, settings: ChatSettings, retriever) -> dict:
    started = time.perf_counter()
    [result] = asyncio.run(draft_all([profile], DraftOptions(outdir=outdir, docx=False),
                                     lambda: ModelDrafter(chat, settings.model, policy=settings.retry_policy()),
                                     lambda: retriever))
    wall = time.perf_counter() - started
    if result.error:
        return {"profile": profile.name, "error": result.error}
    record_path = Path(next(p for p in result.outputs if p.endswith(".json")))
    record = json.loads(record_path.read_text(encoding="utf-8"))
    report = check_file(record_path, CheckOptions(profile=profile))
    codes = Counter(f.code for f in report.findings)
    facts = record["profile"]
    all_facts = [f for ps in (facts.get("aspects") or {}).values() for p in ps for f in p.get("facts", [])]
    flagged = Counter(flag for item in record["items"] for flag in item["flags"] if not flag.startswith("pending"))
    return {
        "profile": profile.name,
        "items": len(record["items"]),
        "structure_errors": sum(1 for f in record["check"]["findings"]
                                if f["severity"] == "error" and f["code"] not in ("model-gave-up", *ADDITIONS)),
        "facts": round(1 - codes.get("fact-missing", 0) / len(all_facts), 3) if all_facts else None,
        "copy_rate": report.metrics.get("copy_rate"),
        "S_l": report.metrics.get("length_score"),
        "pending": len(result.pending),
        "flagged_items": sum(1 for item in record["items"] if item["flags"]),
        "flags": dict(flagged.most_common(6)),
        "unknown_titles": codes.get("title-unknown", 0),
        "additions": {code: codes[code] for code in ADDITIONS if codes.get(code)},
        "check_ok": report.ok,
        "wall_s": round(wall, 1),
        "tokens": result.tokens,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--stub", choices=["captures"], help="answer from the local stub instead of an endpoint")
    parser.add_argument("-o", "--outdir", type=Path, help="keep the drafts here (default: a temp folder)")
    args = parser.parse_args()
    workdir = args.outdir or Path(tempfile.mkdtemp(prefix="model-quality-"))
    retriever = retriever_for(workdir)
    rows = []
    if args.stub or not configured():
        from stub_server import StubServer

        with StubServer(responder=captured_responder()) as stub:
            settings = ChatSettings(base_url=stub.url, api_key="stub", model="captured-small-models")
            chat = build_chat_model(settings)
            rows = [measure(p, workdir / p.stem, chat, settings, retriever) for p in args.profiles]
    else:
        settings = ChatSettings.from_env()
        chat = build_chat_model(settings)
        rows = [measure(p, workdir / p.stem, chat, settings, retriever) for p in args.profiles]
    print(f"model: {settings.model}  endpoint: {'stub (captured answers)' if args.stub or not configured() else settings.base_url}")
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    (workdir / "model_quality.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written: {workdir / 'model_quality.json'}")


if __name__ == "__main__":
    main()
