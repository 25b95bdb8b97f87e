"""Do two units' no-model drafts read alike? Offline drafts of every example profile, compared in 13-字 runs.

For each pair of drafts: the share of one draft's characters lying in runs of ≥ 13 characters shared with the
other (both directions, the higher one printed). For each draft: the same rate against the packaged 范文.
The meeting's mandated wording (its name, the title pattern, the aspect names and aliases, the section
headings the pipeline writes) is exempt: two units of the same meeting must share it. So are the 【待补：…】
slots: they are prompts to the user, not text of the material, and must be gone before it is handed in; and the
composer's connective formulae (review/mandated.py `composer_formulae`, which the product's own cross-draft check
exempts too): 现将……报告如下 and the like assert nothing about a unit and stand in every material of the genre.
Targets: highest pairwise rate ≤ 10 %, every draft vs the 范文 ≤ 5 %.

Meeting files (examples/meetings/*.yaml) are drafted whole, and their members' personal materials compared
pairwise the same way (body text, mandated wording exempt, as the meeting's own check does).

    PYTHONPATH=$PWD .venv/bin/python eval/bench_batch_copy.py [examples/*.yaml] [--meetings examples/meetings/*.yaml]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

from pipeline.core.resources import data_dir, lexicon
from pipeline.corpus.ingest import ingest
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.store import Store
from pipeline.draft.drafter import OfflineDrafter
from pipeline.material.document import render
from pipeline.material.load import load_document
from pipeline.material.meeting import is_meeting_file
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.models.embed import HashingEmbeddings
from pipeline.review.copyrate import load_corpus
from pipeline.review.mandated import composer_formulae
from pipeline.review.meeting_rules import pairwise_copy
from pipeline.run.meeting import draft_meeting, mandated_wording
from pipeline.run.runner import DraftOptions, draft_all
from pipeline.text.overlap import OverlapIndex

ROOT = Path(__file__).resolve().parent.parent
PAIR_TARGET, CORPUS_TARGET = 0.10, 0.05


def mandated(spec) -> list[str]:
    """Wording every unit of this meeting shares: it is cut out before comparing."""
    words = lexicon("composer")
    pieces = [spec.name, spec.meeting, *re.split(r"\{[^}]*\}", spec.title or "")]
    for aspect in spec.aspects:
        pieces += [aspect.name, *aspect.aliases]
    pieces += [heading.format(meeting_kind=spec.meeting) for heading in words["headings"].values()]
    return sorted({p for p in pieces if len(p) >= 2}, key=len, reverse=True)


def exempt(text: str, spec) -> str:
    # A separator that is content to the overlap engine, so no run bridges the cut.
    text = re.sub(r"【[^【】]*】", "|", text)
    for piece in [*mandated(spec), *composer_formulae()]:
        text = text.replace(piece, "|")
    return text


def hashing_retriever(workdir: Path) -> Retriever:
    store = Store.open(store_dir=workdir / "store")
    embedder = HashingEmbeddings()
    ingest([data_dir("corpus")], store, embedder)
    return Retriever(store, embedder)


def draft_texts(paths: list[Path]) -> dict[str, str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-batch-copy-"))
    retriever = hashing_retriever(workdir)
    options = DraftOptions(outdir=workdir / "out", docx=False)
    results = asyncio.run(draft_all(paths, options, OfflineDrafter, lambda: retriever))
    texts = {}
    for path, result in zip(paths, results):
        if result.error:
            sys.exit(f"{path.name}: {result.error}")
        spec = resolve_spec(load_profile(path), path.parent)
        document = load_document(next(Path(o) for o in result.outputs if o.endswith(".json"))).document
        texts[path.stem] = exempt(render(document), spec)
    return texts


def bench_meeting(path: Path, corpus: OverlapIndex) -> tuple[float, float]:
    """Draft one meeting offline; print its members' pairwise and vs-范文 rates; return the two highest."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-meeting-copy-"))
    started = time.monotonic()
    result = asyncio.run(draft_meeting(path, DraftOptions(outdir=workdir / "out", docx=False), OfflineDrafter,
                                       lambda: hashing_retriever(workdir),
                                       corpus_loader=lambda: load_corpus(None, use_store=False)))
    seconds = time.monotonic() - started
    folder = Path(result.folder)
    documents = {d.name.split("-", 1)[1]: load_document(folder / f"{d.name}.json").document
                 for d in result.documents if d.kind == "personal"}
    spec = resolve_spec(load_profile_stub(path), path.parent)
    bodies = {name: render(doc.model_copy(update={"title": "", "notice": "", "signature": []}))
              for name, doc in documents.items()}
    pairs = pairwise_copy(bodies, mandated_wording(spec, list(documents.values())))
    vs_corpus = {name: corpus.check(exempt(text, spec)).rate for name, text in bodies.items()}
    errors = sum(d.errors for d in result.documents)
    print(f"\n{path.name}: {len(documents)} members, {len(result.documents)} documents, {errors} check errors, "
          f"{seconds:.1f} s offline")
    width = max(map(len, bodies))
    print(f"{'member':<{width}}  chars  vs 范文  highest vs another member")
    for name in bodies:
        mine = [(p.b if p.a == name else p.a, p.rate) for p in pairs if name in (p.a, p.b)]
        other, rate = max(mine, key=lambda kv: kv[1])
        print(f"{name:<{width}}  {len(bodies[name]):5d}  {vs_corpus[name]:6.1%}  {rate:6.1%}  ({other})")
    return pairs[0].rate, max(vs_corpus.values())


def load_profile_stub(path: Path):
    from pipeline.material.meeting import group_stub, load_meeting

    return group_stub(load_meeting(path)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", type=Path)
    parser.add_argument("--meetings", nargs="*", type=Path, default=None)
    args = parser.parse_args()
    paths = [p for p in args.profiles if not is_meeting_file(p)] or sorted((ROOT / "examples").glob("*.yaml"))
    meetings = [p for p in args.profiles if is_meeting_file(p)] + list(args.meetings or [])
    meetings = meetings or sorted((ROOT / "examples" / "meetings").glob("*.yaml"))
    texts = draft_texts(paths)
    names = list(texts)

    pairs = {}
    for a, b in combinations(names, 2):
        one, other = OverlapIndex(), OverlapIndex()
        one.add(b, texts[b])
        other.add(a, texts[a])
        pairs[(a, b)] = max(one.check(texts[a]).rate, other.check(texts[b]).rate)

    corpus = OverlapIndex()
    for path in sorted(data_dir("corpus").glob("*.txt")):
        corpus.add(path.name, path.read_text(encoding="utf-8"))
    vs_corpus = {name: corpus.check(text).rate for name, text in texts.items()}

    width = max(map(len, names))
    print(f"{len(names)} offline drafts; 13-字 copy rate, mandated wording, 【待补】 slots and connective formulae exempt")
    print(f"{'draft':<{width}}  chars  vs 范文  highest vs another draft")
    for name in names:
        mine = {(b if a == name else a): rate for (a, b), rate in pairs.items() if name in (a, b)}
        other, rate = max(mine.items(), key=lambda kv: kv[1])
        print(f"{name:<{width}}  {len(texts[name]):5d}  {vs_corpus[name]:6.1%}  {rate:6.1%}  ({other})")
    (a, b), top = max(pairs.items(), key=lambda kv: kv[1])
    worst = max(vs_corpus.values())
    print(f"highest pairwise: {top:.1%} ({a} / {b})   target <= {PAIR_TARGET:.0%}   {'OK' if top <= PAIR_TARGET else 'FAIL'}")
    print(f"highest vs 范文:   {worst:.1%}   target <= {CORPUS_TARGET:.0%}   {'OK' if worst <= CORPUS_TARGET else 'FAIL'}")
    for meeting in meetings:
        top, worst = bench_meeting(meeting, corpus)
        print(f"highest pairwise between members: {top:.1%}   target <= {PAIR_TARGET:.0%}   "
              f"{'OK' if top <= PAIR_TARGET else 'FAIL'}")
        print(f"highest member vs 范文:            {worst:.1%}   target <= {CORPUS_TARGET:.0%}   "
              f"{'OK' if worst <= CORPUS_TARGET else 'FAIL'}")


if __name__ == "__main__":
    main()
