"""The model path measured on the example profiles, against any OpenAI-compatible endpoint or the local stub.

For each profile: draft with the model (runner, default settings), then `check` the .json with the profile and
report structure (errors of the structure check), facts (share of the profile's facts in the text), copying,
S_l (length score), items the model could not write (【待补】), items flagged by cleaning, unknown 《…》 titles,
other additions found, wall time and tokens.

Copying is the 13-字 rule of `duizhao check` (pipeline/evaluate/copying.py) against the packaged 范文 corpus the
drafts were retrieved from: copy_raw over the model's raw answers (before cleaning and guards), copy_draft over
the drafted material (the check's copy rate), copy_items = items whose raw answer shares a run / items. A captured
answer was written against the reference passages of its own captured prompt, not against this corpus: with
--stub captures, refs_raw / refs_draft / refs_items measure the same against those captured references (the
drafter's guard compares with the passages it retrieved, so it cannot see copying of these).

    # a real endpoint (OPENAI_BASE_URL / OPENAI_API_KEY / DUIZHAO_MODEL as for `duizhao draft`):
    .venv/bin/python eval/model_quality.py examples/*.yaml
    # the local stub answering with the 29 captured real answers of small models (by role):
    .venv/bin/python eval/model_quality.py examples/*.yaml --stub captures
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pipeline.draft.drafter import ModelDrafter  # noqa: E402
from pipeline.evaluate.copying import record_copying  # noqa: E402
from pipeline.material.profile import load_profile, resolve_spec  # noqa: E402
from pipeline.models.chat import ChatSettings, build_chat_model, configured  # noqa: E402
from pipeline.review.check import CheckOptions, check_file  # noqa: E402
from pipeline.review.copyrate import CopyCorpus, build_corpus, load_corpus  # noqa: E402
from pipeline.run.runner import DraftOptions, draft_all  # noqa: E402

CAPTURES = [json.loads(line) for line in (ROOT / "tests/fixtures/llm_captures.jsonl").read_text(encoding="utf-8").splitlines()]
ADDITIONS = ("last-year-invented", "owner-replaced", "owner-invented", "number-invented", "praise", "points-extra",
             "cause-has-measure", "measure-restates-fault")


def captured_responder():
    """Each request answered with a captured real answer of the same role, as a weak model would: chosen by the
    prompt (not by arrival order, which concurrent drafting shuffles), so a run's numbers are reproducible; a
    re-ask gets the next answer of the pool."""

    def respond(request: dict) -> str:
        task = next((line for line in request["messages"][1]["content"].splitlines() if line.startswith("本段：")), "")
        role = ("causes" if "原因" in task else "measures" if "整改措施" in task else
                "problems" if "存在的问题" in task else "other")
        pool = [c for c in CAPTURES if c["role"] == role] or CAPTURES
        turn = int(hashlib.sha1(request["messages"][1]["content"].encode("utf-8")).hexdigest(), 16)
        turn += (len(request["messages"]) - 2) // 2  # a re-ask adds the first answer and the instruction
        return pool[turn % len(pool)]["response_text"]

    return respond


def captured_references(captures: list[dict] = CAPTURES) -> CopyCorpus:
    """The reference passages the captured answers were written against, as a copy corpus."""
    texts = {f"{c['id']} 参考范文{n}": text for c in captures for n, text in enumerate(c["reference_passages"], 1)}
    return build_corpus([], texts, key="captured-references")


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


def measure(profile: Path, outdir: Path, chat, settings: ChatSettings, retriever,
            references: CopyCorpus | None = None) -> dict:
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
    spec = resolve_spec(load_profile(profile), profile.parent)
    # The packaged 范文 only (not a user's store): what the eval's retriever ingested and the model was shown.
    copying = record_copying(record_path, load_corpus(use_store=False), spec).row("copy")
    if references is not None:
        copying.update(record_copying(record_path, references, spec).row("refs"))
    return {
        "profile": profile.name,
        "items": len(record["items"]),
        "structure_errors": sum(1 for f in record["check"]["findings"]
                                if f["severity"] == "error" and f["code"] not in ("model-gave-up", *ADDITIONS)),
        "facts": round(1 - codes.get("fact-missing", 0) / len(all_facts), 3) if all_facts else None,
        **copying,
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


COLUMNS = ("profile", "check_ok", "facts", "S_l", "pending", "additions", "copy_raw", "copy_draft", "copy_items",
           "refs_raw", "refs_draft", "refs_items")


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table (the columns present in any row)."""
    columns = [c for c in COLUMNS if any(c in row for row in rows)]

    def cell(row: dict, column: str) -> str:
        value = row.get(column, "")
        if column == "additions":
            return str(sum(value.values())) if isinstance(value, dict) else ""
        return f"{value:.1%}" if column.endswith(("_raw", "_draft")) and isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row, c) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


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
            references = captured_references()
            rows = [measure(p, workdir / p.stem, chat, settings, retriever, references) for p in args.profiles]
    else:
        settings = ChatSettings.from_env()
        chat = build_chat_model(settings)
        rows = [measure(p, workdir / p.stem, chat, settings, retriever) for p in args.profiles]
    print(f"model: {settings.model}  endpoint: {'stub (captured answers)' if args.stub or not configured() else settings.base_url}")
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    print(table(rows))
    (workdir / "model_quality.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written: {workdir / 'model_quality.json'}")


if __name__ == "__main__":
    main()
