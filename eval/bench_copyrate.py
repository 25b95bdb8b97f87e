"""Copy-rate speed: index build, cache load and one check of a long material against many passages.

Passages are synthesised from the seed sentences with a few characters changed in each, so that the
index holds as many distinct 13-grams as a real corpus of that size would. Prints seconds.

    .venv/bin/python eval/bench_copyrate.py [--passages 10000] [--chars 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import pickle
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.review.copyrate import CopyCorpus, copy_rate
from pipeline.text.overlap import OverlapIndex
from pipeline.core.resources import data_dir

HAN = [chr(c) for c in range(0x4E00, 0x9FA5)]


def seed_sentences() -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(data_dir("corpus").glob("*.txt")))
    return [s for s in re.split(r"(?<=[。；！？])", text) if len(s) >= 12]


def mutate(sentence: str, rng: random.Random, every: int = 9) -> str:
    chars = list(sentence)
    for position in range(rng.randrange(every), len(chars), every):
        chars[position] = rng.choice(HAN)
    return "".join(chars)


def passage(sentences: list[str], rng: random.Random, chars: int) -> str:
    out = ""
    while len(out) < chars:
        out += mutate(rng.choice(sentences), rng)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=10000)
    parser.add_argument("--passage-chars", type=int, default=300)
    parser.add_argument("--chars", type=int, default=10000, help="length of the checked material")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    sentences = seed_sentences()
    passages = [passage(sentences, rng, args.passage_chars) for _ in range(args.passages)]

    started = time.perf_counter()
    index = OverlapIndex()
    for number, text in enumerate(passages):
        index.add(f"p{number:05d}", text)
    grams = len(index)
    build = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.pkl"
        started = time.perf_counter()
        path.write_bytes(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
        save = time.perf_counter() - started
        started = time.perf_counter()
        index = pickle.loads(path.read_bytes())
        load = time.perf_counter() - started
        size = path.stat().st_size

    # The material: fresh text with every fifth paragraph copied from a passage.
    material = ""
    while len(material) < args.chars:
        material += rng.choice(passages)[:200] if rng.random() < 0.2 else passage(sentences, rng, 200)
        material += "\n\n"
    material = material[: args.chars]
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = index.check(material)
        times.append(time.perf_counter() - started)
    # The whole copy-rate step of `duizhao check`: the check plus per-section rates over six sections.
    corpus = CopyCorpus(index=index, key="bench")
    step = len(material) // 6
    spans = [(i * step, (i + 1) * step) for i in range(6)]
    full = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = copy_rate(material, spans, corpus)
        full.append(time.perf_counter() - started)
    print(f"passages: {args.passages} × ~{args.passage_chars} chars, distinct 13-grams: {grams}")
    print(f"build: {build:.2f} s   pickle: {save:.3f} s ({size / 1e6:.1f} MB)   unpickle: {load:.3f} s")
    print(f"check {len(material)} chars: median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms over {args.repeat} runs; copy rate {report.rate:.1%}, runs {len(report.runs)}")
    print(f"copy_rate() with 6 section rates: median {statistics.median(full) * 1000:.1f} ms; "
          f"section rates {', '.join(f'{s.rate:.0%}' for s in result.sections)}")


if __name__ == "__main__":
    main()
