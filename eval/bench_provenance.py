"""Provenance benchmark: are the claims a model adds about the unit marked (or dropped), and the unit's own facts not?

Labelled sets (eval/provenance/sets/*.yaml): answers written by hand the way a capable model writes this genre for
three profiles the pipeline has not seen (eval/provenance/profiles/), and the captured answers of small models, each
sentence labelled unit / formula / model by reading it against the profile. Two paths per set:
- e2e: the profile drafted through the real HTTP path (stub server replaying the answers by the item a request is
  about, runner, guards, record), then the .json `items[].sentences` matched to the labels; `--strict` drafts again
  with model sentences dropped (a dropped model claim counts as caught, a dropped fact as a false mark);
- direct: the pure classifier called on each answer with the item's unit facts.
Reported: recall of model claims (marked `model` or dropped), share of fact-only sentences marked `model`, formulas
marked `model`. Targets: recall >= 90 %, false marks <= 10 %; `--check` exits 1 when one is missed.

    .venv/bin/python eval/bench_provenance.py                  # the pipeline's classifier, both paths
    .venv/bin/python eval/bench_provenance.py --classifier unit --direct-only   # a baseline: everything unit
    .venv/bin/python eval/bench_provenance.py --examples 5 --check
    .venv/bin/python eval/bench_provenance.py --serve township-2025-niandu   # the replay alone, for duizhao draft
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

_spec = importlib.util.spec_from_file_location("provenance_labels", ROOT / "eval" / "provenance" / "labels.py")
labels = importlib.util.module_from_spec(_spec)
sys.modules["provenance_labels"] = labels
_spec.loader.exec_module(labels)

from pipeline.draft.clean import sentences as split_sentences  # noqa: E402
from pipeline.draft.plan import make_outline  # noqa: E402
from pipeline.material.profile import load_profile, resolve_spec  # noqa: E402

RECALL_TARGET, FALSE_TARGET = 0.90, 0.10


@dataclass
class Context:
    """What a classifier may know about one item: the unit's facts given for it, and what it may name without
    stating a fact (unit, meeting, heading)."""

    facts: list
    context: list[str] = field(default_factory=list)


Classifier = Callable[[str, Context], "list[tuple[str, str]]"]


def split(text: str) -> list[str]:
    return [s.strip() for para in text.split("\n") for s in split_sentences(para) if s.strip()]


def constant(source: str) -> Classifier:
    """A baseline giving every sentence the same source."""
    return lambda text, ctx: [(s, source) for s in split(text)]


def pipeline_classifier() -> Classifier:
    """The pipeline's own classifier: pipeline/draft/provenance.py `classify(text, facts, context)`."""
    try:
        from pipeline.draft.provenance import classify as judge
    except ImportError as exc:
        raise SystemExit("pipeline/draft/provenance.py 尚不存在：用 --classifier unit 或 model 跑基线") from exc

    def classify(text: str, ctx: Context) -> list[tuple[str, str]]:
        return [(s.text, s.source) for s in judge(text, ctx.facts, ctx.context)]

    return classify


CLASSIFIERS = {"unit": lambda: constant("unit"), "model": lambda: constant("model"), "pipeline": pipeline_classifier}


def contexts(labelled) -> dict[str, Context]:
    """Per item: the facts and context the pipeline itself judges a drafted item against."""
    from pipeline.draft.item_facts import item_context, item_facts

    if labelled.meeting is not None:
        from pipeline.material.meeting import load_meeting, member_profile

        meeting, spec = load_meeting(labelled.meeting)
        member = next(m for m in meeting.members if m.name == labelled.member)
        profile = member_profile(meeting, member, spec)
        outline = make_outline(profile, spec, voice="personal")
    elif labelled.profile is None:
        return {item: Context(strings[1:], strings[:1]) for item, strings in labelled.contexts.items()}
    else:
        profile = load_profile(labelled.profile)
        outline = make_outline(profile, resolve_spec(profile))
    return {i.key: Context(item_facts(i, outline, profile), item_context(i, outline, profile))
            for i in outline.items()}


def direct(labelled, classify: Classifier):
    ctx = contexts(labelled)
    outputs = {a.item: classify(a.text, ctx.get(a.item, Context([]))) for a in labelled.answers}
    return labels.tally(labelled.answers, outputs)


# ---- end to end: the real HTTP path ----

def _retriever(workdir: Path):
    from pipeline.core.resources import data_dir
    from pipeline.corpus.ingest import ingest
    from pipeline.corpus.retrieve import Retriever
    from pipeline.corpus.store import Store
    from pipeline.models.embed import HashingEmbeddings

    store = Store.open(store_dir=workdir / "store")
    embedder = HashingEmbeddings()
    ingest([data_dir("corpus")], store, embedder)
    return Retriever(store, embedder)


def record_sentences(record: dict) -> dict[str, list[tuple[str, str]]]:
    """Each item's (text, source) sentences; a record without provenance marks nothing (everything "unit")."""
    out = {}
    for item in record["items"]:
        if "sentences" in item:
            out[item["key"]] = [(s["text"], s["source"]) for s in item["sentences"]]
        else:
            out[item["key"]] = [(s, "unit") for p in item.get("paragraphs", []) for s in split(p)]
    return out


def draft_record(labelled, workdir: Path, retriever, strict: bool = False) -> tuple[dict, list]:
    from stub_server import StubServer

    from pipeline.draft.drafter import ModelDrafter
    from pipeline.models.chat import ChatSettings, build_chat_model
    from pipeline.run.runner import DraftOptions, draft_all

    profile = load_profile(labelled.profile)
    respond = labels.responder(labelled, profile.unit.name)
    outdir = workdir / ("strict" if strict else "marked") / labelled.name
    extra = {"strict": True} if strict and "strict" in DraftOptions.model_fields else {}
    if strict and not extra:
        return {}, []
    options = DraftOptions(outdir=outdir, use_cache=False, docx=False, **extra)
    with StubServer(responder=respond) as stub:
        settings = ChatSettings(base_url=stub.url, api_key="bench", model="replay")
        chat = build_chat_model(settings)
        [result] = asyncio.run(draft_all([labelled.profile], options,
                                         lambda: ModelDrafter(chat, "replay", policy=settings.retry_policy()),
                                         lambda: retriever))
    if result.error:
        raise SystemExit(f"{labelled.name}: {result.error}")
    record = json.loads((outdir / f"{profile.unit.name}.json").read_text(encoding="utf-8"))
    return record, respond.asked


def end_to_end(labelled, workdir: Path, retriever, strict: bool):
    record, asked = draft_record(labelled, workdir, retriever)
    marked = labels.tally(labelled.answers, record_sentences(record))
    if not strict:
        return marked, None, asked
    strict_record, _ = draft_record(labelled, workdir, retriever, strict=True)
    if not strict_record:
        return marked, None, asked
    dropped = labels.tally(labelled.answers, record_sentences(strict_record))
    return marked, dropped, asked


# ---- report ----

def pct(value) -> str:
    return "—" if value is None else f"{value * 100:5.1f}%"


def row(name: str, path: str, t) -> str:
    m = t.metrics()
    return (f"| {name} | {path} | {m['model']} | {m['unit']} | {m['formula']} | {m['present']}/{m['labelled']} | "
            f"{pct(m['recall'])} ({m['caught']}/{m['model']}) | {pct(m['false_marks'])} ({m['unit_marked']}/"
            f"{m['unit'] - m['unit_absent']}) | {m['formula_model']}/{m['formula']} |")


HEADER = ("| 标注集 | 路径 | 模型添加句 | 事实句 | 套话句 | 在稿句/已标注 | 添加句标出率 | 事实句误标率（误标/在稿） | 套话被标为无依据 |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def strict_line(name: str, marked, dropped) -> str:
    """Under --strict: model claims gone from the draft, and fact-only sentences kept in the marked draft but gone."""
    m = dropped.metrics()
    lost = max(dropped.n("unit", "absent") - marked.n("unit", "absent"), 0)
    return f"{name} --strict：添加句去掉或标出 {pct(m['recall'])}，事实句被去掉 {lost}/{m['unit']}"


def examples(t, k: int) -> list[str]:
    out = []
    for cell, title in ((("model", "unit"), "漏标（模型添加句被当作本单位事实）"),
                        (("model", "formula"), "漏标（模型添加句被当作套话）"),
                        (("unit", "model"), "误标（本单位事实被标为模型添加）"),
                        (("formula", "model"), "误标（套话被标为模型添加）")):
        sample = t.examples.get(cell, [])[:k]
        if sample:
            out.append(f"{title}：{t.cells[cell]} 句")
            out += [f"  - {s}" for s in sample]
    return out


def serve(name: str) -> int:
    """The replay on its own: point OPENAI_BASE_URL at it and draft the set's profile with `duizhao draft`."""
    import time

    from stub_server import StubServer

    [labelled] = labels.load_sets([name]) or [None]
    if labelled is None or labelled.profile is None:
        raise SystemExit(f"没有可回放的标注集：{name}")
    unit = load_profile(labelled.profile).unit.name
    with StubServer(responder=labels.responder(labelled, unit)) as stub:
        print(f"OPENAI_BASE_URL={stub.url} OPENAI_API_KEY=replay DUIZHAO_MODEL=replay  "
              f"duizhao draft {labelled.profile.relative_to(ROOT)}  （Ctrl-C 结束）", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier", choices=sorted(CLASSIFIERS), default="pipeline",
                        help="pipeline: pipeline/draft/provenance.py; unit / model: baselines")
    parser.add_argument("--sets", nargs="*", help="only these sets (names of eval/provenance/sets/*.yaml)")
    parser.add_argument("--direct-only", action="store_true", help="skip the end-to-end drafts")
    parser.add_argument("--strict", action="store_true", help="also draft with --strict (model sentences dropped)")
    parser.add_argument("--examples", type=int, default=3, help="missed and wrongly marked sentences shown per kind")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve", metavar="SET", help="only serve SET's answers by item (for duizhao draft by hand)")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve)

    classify = CLASSIFIERS[args.classifier]()
    sets = labels.load_sets(args.sets)
    rows, totals = [], {"direct": labels.Tally(), "e2e": labels.Tally()}
    notes = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-provenance-"))
    retriever = None
    for labelled in sets:
        t = direct(labelled, classify)
        totals["direct"] = totals["direct"].merge(t)
        rows.append(row(labelled.name, "直接", t))
        if args.direct_only or labelled.profile is None:
            continue
        retriever = retriever or _retriever(workdir)
        marked, dropped, asked = end_to_end(labelled, workdir, retriever, args.strict)
        totals["e2e"] = totals["e2e"].merge(marked)
        rows.append(row(labelled.name, "起草", marked))
        unanswered = sum(1 for a in asked if a is None)
        notes.append(f"{labelled.name}：{len(asked)} 次请求，回放 {len(asked) - unanswered} 次")
        if dropped is not None:
            notes.append(strict_line(labelled.name, marked, dropped))
    for path, title in (("direct", "直接"), ("e2e", "起草")):
        if totals[path].cells:
            rows.append(row("**合计**", title, totals[path]))
    print(f"分类器：{args.classifier}；目标：添加句标出率 ≥ {RECALL_TARGET:.0%}，事实句误标率 ≤ {FALSE_TARGET:.0%}")
    print(HEADER)
    print("\n".join(rows))
    for line in notes:
        print(line)
    for path, title in (("direct", "直接调用分类器"), ("e2e", "起草")):
        shown = examples(totals[path], args.examples)
        if shown:
            print(f"\n{title}：")
            print("\n".join(shown))
    missed = [p for p, t in totals.items() if t.cells and
              ((t.metrics()["recall"] or 0) < RECALL_TARGET or (t.metrics()["false_marks"] or 0) > FALSE_TARGET)]
    if missed:
        print(f"\n未达目标：{'、'.join('直接' if p == 'direct' else '起草' for p in missed)}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
