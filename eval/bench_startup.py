"""Start-up time of the `duizhao` command, against a bare Python start measured in the same run, and the time
from a fresh install to a first draft.

    .venv/bin/python eval/bench_startup.py [--runs 9] [--imports 12] [--fresh-runs 3]

Fresh install → first draft: a new, empty user data folder (XDG_DATA_HOME) and a new working folder outside the
source tree, then `duizhao draft examples/agency-2024-dangji.yaml` with no model configured. The store is created
in the data folder and filled with the packaged 范文 from their shipped vectors (nothing is embedded). Goal ≤ 10 s.
The same draft again (store in place) is printed beside it.

Prints the median wall time of each command over N runs (after one warm-up run each), its ratio to
`python -c pass`, and the slowest imports of `duizhao --help` (python -X importtime), which is where to
look when the help is slow: the CLI should import heavy libraries only inside the commands that use them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELP_TARGET = 0.5  # seconds
FIRST_DRAFT_TARGET = 10.0  # seconds, fresh install → first draft


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


def timed_run(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child). CPU time is steadier than wall time on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def median_time(argv: list[str], runs: int) -> tuple[float, float]:
    timed_run(argv)  # warm the file cache and the .pyc files
    samples = [timed_run(argv) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def slowest_imports(argv: list[str], count: int) -> list[tuple[float, str]]:
    """(cumulative seconds, module) of the top-level imports, slowest first."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True, text=True, cwd=ROOT)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        rows.append((int(cumulative) / 1e6, name))
    # Nested imports are listed too: a slow leaf (e.g. one pulled in by the CLI module) is what to make lazy.
    return sorted(rows, reverse=True)[:count]


def fresh_first_draft() -> tuple[float, float, float, float]:
    """Wall and CPU seconds of the first draft in a fresh data folder and working folder, then of a second draft
    there: (first wall, first cpu, again wall, again cpu)."""
    home = Path(tempfile.mkdtemp(prefix="duizhao-fresh-"))
    work = home / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DUIZHAO_", "OPENAI_"))}
    env["XDG_DATA_HOME"] = str(home / "data")
    argv = [str(BIN / "duizhao"), "draft", str(ROOT / "examples" / "agency-2024-dangji.yaml"), "-o", "out"]
    seconds = []
    try:
        for force in ([], ["--force"]):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(argv + force, cwd=work, env=env, capture_output=True, text=True)
            seconds.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
            if done.returncode not in (0, 1):
                raise SystemExit(f"first draft failed ({done.returncode}): {done.stderr[-500:]}")
        if not (home / "data" / "duizhao" / "vectorstore").is_dir():
            raise SystemExit("the store was not created in the user's data folder")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return seconds[0], seconds[1], seconds[2], seconds[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--imports", type=int, default=12, help="how many of the slowest imports to list")
    parser.add_argument("--fresh-runs", type=int, default=3, help="fresh install → first draft: runs (median)")
    args = parser.parse_args()

    times = {name: median_time(argv, args.runs) for name, argv in commands().items()}
    base, base_cpu = times["python -c pass"]
    print(f"median over {args.runs} runs (python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f})")
    print(f"{'command':<34}{'wall s':>8}{'× bare':>8}{'cpu s':>8}{'× bare':>8}")
    for name, (seconds, cpu) in times.items():
        print(f"{name:<34}{seconds:>8.3f}{seconds / base:>8.1f}{cpu:>8.3f}{cpu / max(base_cpu, 1e-3):>8.1f}")
    help_time = times["duizhao --help"][0]
    verdict = "OK" if help_time < HELP_TARGET else "OVER"
    print(f"\n--help target < {HELP_TARGET:.1f} s: {help_time:.3f} s {verdict}")
    print(f"--help above bare python: {help_time - base:.3f} s")

    if args.fresh_runs:
        fresh = [fresh_first_draft() for _ in range(args.fresh_runs)]
        first, first_cpu, again, again_cpu = (statistics.median(f[i] for f in fresh) for i in range(4))
        verdict = "OK" if first <= FIRST_DRAFT_TARGET else "OVER"
        print(f"\nfresh install → first draft (median of {args.fresh_runs}): {first:.1f} s wall, {first_cpu:.1f} s cpu "
              f"(target ≤ {FIRST_DRAFT_TARGET:.0f} s: {verdict}); the same draft again: {again:.1f} s wall, "
              f"{again_cpu:.1f} s cpu; ratio {first / again:.2f}")

    print("\nslowest imports of `duizhao --help` (cumulative seconds, one run):")
    for seconds, module in slowest_imports([str(BIN / "duizhao"), "--help"], args.imports):
        print(f"{seconds:>8.3f}  {module}")


if __name__ == "__main__":
    main()
