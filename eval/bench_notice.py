"""Reading notices into specs: how many aspect lists come back exactly, and how long a reading takes.

    .venv/bin/python eval/bench_notice.py [--runs 20]
    .venv/bin/python eval/bench_notice.py --scale     # a long notice at 1x, 4x and 16x: reading must stay linear

Inputs with a known answer: the notice fixtures (2024年度, 2025年度), the list-form variants of the tests, and the
five seeds (their aspect lists as the domain notes give them; seed 003 in its own wording). Prints each input's result, the exact
count, and the median time of one reading against the time to scrub the same text (the floor of any reading).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "material"))

from pipeline.core.errors import InputError  # noqa: E402
from pipeline.material.notice import read_notice  # noqa: E402
from pipeline.material.scrub import scrub  # noqa: E402
from pipeline.material.specs import load_spec  # noqa: E402


def cases() -> dict[str, tuple[str, list[str] | None]]:
    from test_notice import VARIANTS  # the list forms the tests pin down

    notices = ROOT / "tests" / "fixtures" / "notices"
    seed = {p.name[:3]: p.read_text(encoding="utf-8") for p in (ROOT / "corpus").glob("*.txt")}
    found: dict[str, tuple[str, list[str] | None]] = {
        "notice 2025年度": ((notices / "notice-2025-minzhu.txt").read_text(encoding="utf-8"),
                          load_spec("2025-niandu-minzhu").aspect_names()),
        "notice 2024年度": ((notices / "notice-2024-minzhu.txt").read_text(encoding="utf-8"),
                          load_spec("2024-niandu-minzhu").aspect_names()),
        "notice without a list": ((notices / "notice-no-aspects.txt").read_text(encoding="utf-8"), None),
        "seed 000": (seed["000"], ["思想认识", "慢作为、不作为、乱作为", "守纪律讲规矩强担当"]),
        "seed 001": (seed["001"], load_spec("2023-zhuti-minzhu").aspect_names()),
        "seed 002": (seed["002"], load_spec("2023-zhuti-minzhu").aspect_names()),
        "seed 003": (seed["003"], ["对照履行党章规定的职责任务", "对照上级部署要求",
                                   "对照党史学习教育、队伍教育整顿及上年度组织生活等问题整改情况", "对照人民群众的新期待"]),
        "seed 004": (seed["004"], load_spec("suqing-liudu-zuzhi").aspect_names()),
        "seed 004 preamble": ("\n".join(seed["004"].split("\n")[:3]), load_spec("suqing-liudu-zuzhi").aspect_names()),
    }
    found.update({f"variant {name}": pair for name, pair in VARIANTS.items()})
    return found


def read(text: str) -> list[str] | None:
    try:
        return read_notice(text).aspects
    except InputError:
        return None


def scale() -> None:
    """The 2025 notice repeated (300, 1200, 4800 times: 0.9, 3.6, 14 MB): time per MB should not grow."""
    short = (ROOT / "tests" / "fixtures" / "notices" / "notice-2025-minzhu.txt").read_text(encoding="utf-8")
    previous = None
    for times in (300, 1200, 4800):
        text = short * times
        start = time.perf_counter()
        read(text)
        seconds = time.perf_counter() - start
        megabytes = len(text.encode("utf-8")) / 1e6
        growth = f"  ×{seconds / previous:.1f} for ×4 input" if previous else ""
        print(f"{megabytes:6.1f} MB  {seconds:6.2f} s  {seconds / megabytes:.3f} s/MB{growth}")
        previous = seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--scale", action="store_true", help="time a long notice at 1x, 4x, 16x")
    args = parser.parse_args()
    if args.scale:
        scale()
        return
    exact = judged = 0
    reading, floor = [], []
    for name, (text, expected) in cases().items():
        got = read(text)
        judged += 1
        ok = got == expected
        exact += ok
        print(f"{name:28s} {'exact' if ok else 'MISS '} {got}")
        for _ in range(args.runs):
            start = time.perf_counter()
            read(text)
            reading.append(time.perf_counter() - start)
            start = time.perf_counter()
            scrub(text)
            floor.append(time.perf_counter() - start)
    read_ms, floor_ms = statistics.median(reading) * 1000, statistics.median(floor) * 1000
    print(f"\nexact aspect lists (or a clear refusal where there is none): {exact}/{judged}")
    print(f"median reading {read_ms:.2f} ms, scrub alone {floor_ms:.2f} ms, ratio {read_ms / floor_ms:.1f}")


if __name__ == "__main__":
    main()
