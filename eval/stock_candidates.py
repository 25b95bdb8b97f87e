"""Candidate stock phrases: word sequences that several 范文 share (the seeds' common formulas).

Prints n-grams of jieba words (2–6 words, 4–14 characters) found in at least --min-files files, maximal ones
first, with the files that use them. Curate the output into lexicon/stock_phrases.yaml by hand.

    .venv/bin/python eval/stock_candidates.py [--min-files 2] [FILES…]
"""

from __future__ import annotations

import argparse
import logging
import re
from collections import defaultdict
from pathlib import Path

import jieba

from pipeline.core.resources import data_dir

CLAUSE = re.compile(r"[，。、；：！？“”‘’（）《》\s,.;:!?()]+")
HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def shared_phrases(texts: dict[str, str], min_files: int = 2) -> list[tuple[str, list[str]]]:
    jieba.setLogLevel(logging.WARNING)
    where: dict[str, set[str]] = defaultdict(set)
    for name, text in texts.items():
        for clause in CLAUSE.split(text):
            words = [w for w in jieba.lcut(clause) if HAN.match(w)]
            for size in range(2, 7):
                for start in range(len(words) - size + 1):
                    phrase = "".join(words[start : start + size])
                    if 4 <= len(phrase) <= 14:
                        where[phrase].add(name)
    shared = {p: sorted(files) for p, files in where.items() if len(files) >= min_files}
    # Drop a phrase contained in a longer shared phrase used by the same files.
    maximal = [p for p in shared if not any(p != q and p in q and shared[q] == shared[p] for q in shared)]
    return sorted(((p, shared[p]) for p in maximal), key=lambda pair: (-len(pair[1]), -len(pair[0]), pair[0]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--min-files", type=int, default=2)
    args = parser.parse_args()
    files = args.files or sorted(data_dir("corpus").glob("*.txt"))
    texts = {f.name[:3]: f.read_text(encoding="utf-8") for f in files}
    phrases = shared_phrases(texts, args.min_files)
    for phrase, names in phrases:
        print(f"{len(names)}\t{phrase}\t{','.join(names)}")
    print(f"# {len(phrases)} shared phrases in {len(texts)} files")


if __name__ == "__main__":
    main()
