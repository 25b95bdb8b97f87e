"""Start-up time of the `duizhao` command, against a bare Python start measured in the same run.

    .venv/bin/python eval/bench_startup.py [--runs 9] [--imports 12]

Prints the median wall time of each command over N runs (after one warm-up run each), its ratio to
`python -c pass`, and the slowest imports of `duizhao --help` (python -X importtime), which is where to
look when the help is slow: the CLI should import heavy libraries only inside the commands that use them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELP_TARGET = 0.5  # seconds


def seed() -> Path:
    return sorted((ROOT / "corpus").glob("001_*.txt"))[0]


def commands() -> dict[str, list[str]]:
    duizhao = str(BIN / "duizhao")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "duizhao --help": [duizhao, "--help"],
        "duizhao specs": [duizhao, "specs"],
        "duizhao check --structure-only": [duizhao, "check", "--structure-only", "--spec", "2023-zhuti-minzhu", str(seed())],
    }


def wall_time(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def median_time(argv: list[str], runs: int) -> float:
    wall_time(argv)  # warm the file cache and the .pyc files
    return statistics.median(wall_time(argv) for _ in range(runs))


def slowest_imports(argv: list[str], count: int) -> list[tuple[float, str]]:
    """(cumulative seconds, module) of the top-level imports, slowest first."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True, text=True, cwd=ROOT)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        rows.append((int(cumulative) / 1e6, name))
    # Only the outermost imports (no leading spaces in the name column) add up to the total.
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--imports", type=int, default=12, help="how many of the slowest imports to list")
    args = parser.parse_args()

    times = {name: median_time(argv, args.runs) for name, argv in commands().items()}
    base = times["python -c pass"]
    print(f"median wall time over {args.runs} runs (python {sys.version.split()[0]})")
    print(f"{'command':<34}{'seconds':>9}{'× bare python':>15}")
    for name, seconds in times.items():
        print(f"{name:<34}{seconds:>9.3f}{seconds / base:>15.1f}")
    help_time = times["duizhao --help"]
    verdict = "OK" if help_time < HELP_TARGET else "OVER"
    print(f"\n--help target < {HELP_TARGET:.1f} s: {help_time:.3f} s {verdict}")
    print(f"--help above bare python: {help_time - base:.3f} s")

    print(f"\nslowest imports of `duizhao --help` (cumulative seconds, one run):")
    for seconds, module in slowest_imports([str(BIN / "duizhao"), "--help"], args.imports):
        print(f"{seconds:>8.3f}  {module}")


if __name__ == "__main__":
    main()
