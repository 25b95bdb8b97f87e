"""Cross-draft 查重 as `duizhao draft` reports it: offline drafts of every example profile in one batch, each
compared with all the others (13-字 runs, the meeting's mandated wording and the skeleton headings exempt).

Prints, per draft, the share of its characters in runs shared with any other draft of the batch and the draft it
shares most with; then the time the comparison takes for the batch (what `draft` adds after drafting).

    PYTHONPATH=$PWD .venv/bin/python eval/bench_cross_draft.py [examples/*.yaml]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from pipeline.core.resources import data_dir
from pipeline.corpus.ingest import ingest
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.store import Store
from pipeline.draft.drafter import OfflineDrafter
from pipeline.models.embed import HashingEmbeddings
from pipeline.review.crossdraft import cross_check, earlier_drafts
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parent.parent
WARNING = 0.10  # lexicon/content.yaml copy_rate.warning


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", type=Path)
    args = parser.parse_args()
    paths = args.profiles or sorted((ROOT / "examples").glob("*.yaml"))
    workdir = Path(tempfile.mkdtemp(prefix="bench-cross-draft-"))
    store = Store.open(store_dir=workdir / "store")
    embedder = HashingEmbeddings()
    ingest([data_dir("corpus")], store, embedder)
    options = DraftOptions(outdir=workdir / "out", docx=False)
    results = asyncio.run(draft_all(paths, options, OfflineDrafter, lambda: Retriever(store, embedder)))
    failed = [r for r in results if r.error]
    if failed:
        sys.exit(f"{failed[0].profile}: {failed[0].error}")
    drafts = earlier_drafts(options.outdir, set())
    started = time.perf_counter()
    cross = cross_check(drafts)
    seconds = time.perf_counter() - started
    width = max(len(r.draft) for r in cross)
    print(f"{len(cross)} offline drafts in one batch; share of each draft in 13-字 runs shared with the others")
    for r in sorted(cross, key=lambda r: -r.rate):
        sections = max(r.sections, key=lambda s: s["rate"], default={"section": "", "rate": 0.0})
        print(f"{r.draft:<{width}}  {r.rate:6.1%}  ({r.other or '—'})  highest section {sections['rate']:.1%} "
              f"{sections['section']}")
    top = max(r.rate for r in cross)
    print(f"highest: {top:.1%}   warning line {WARNING:.0%}   {'OK' if top <= WARNING else 'OVER'}")
    print(f"cross check of {len(cross)} drafts: {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
