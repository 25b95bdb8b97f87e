"""`duizhao review` at county scale: N materials (default 300) made from honest offline drafts of every example,
the fresh hospital profile and the township meeting (班子, members, criticism sheets), each under its own unit's
name, a few planted copies among them; then the whole folder reviewed as `duizhao review DIR -o 审查结果.xlsx` does.

    PYTHONPATH=$PWD .venv/bin/python eval/bench_review.py [N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench_check import offline_drafts  # eval/, beside this file: the same honest drafts the check benchmark plants into

from pipeline.run.county import review_folder

PLACES = ["东岭", "西河", "南山", "北坪", "石桥", "柳湾", "梅岭", "桃源", "青松", "白沙", "红星", "金田", "龙泉", "凤山", "云台"]


def honest(workdir: Path) -> list[Path]:
    units, meeting = offline_drafts(workdir)
    return [md for _, md in units] + sorted(p for p in meeting.glob("*.md") if p.name != "index.md")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    workdir = Path(tempfile.mkdtemp(prefix="bench-review-"))
    sources = honest(workdir)
    folder = workdir / "全县材料"
    folder.mkdir()
    # Each honest draft again as another place's material: the unit's name changed throughout, as a 乡镇 of the
    # county hands in a draft made from the same template; every 25th is a straight copy of the one before.
    for n in range(count):
        source = sources[n % len(sources)]
        place = PLACES[(n // len(sources)) % len(PLACES)] + str(n // (len(sources) * len(PLACES)) or "")
        text = source.read_text(encoding="utf-8")
        if n % 25 == 24:
            shutil.copy(folder / f"{n - 1:03d}.md", folder / f"{n:03d}.md")
            continue
        (folder / f"{n:03d}.md").write_text(text.replace("青石", place).replace("临河", place).replace("南平", place),
                                            encoding="utf-8")
    started, cpu = time.perf_counter(), time.process_time()
    result = review_folder(folder, output=workdir / "审查结果.xlsx")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    flagged = sum(1 for r in result.rows if r.errors)
    over = [p for p in result.pairs if p["rate"] > 0.10]
    print(f"{len(result.rows)} materials ({len(sources)} honest drafts, renamed per place) reviewed in {seconds:.0f} s "
          f"({seconds / len(result.rows):.2f} s each; CPU {cpu:.0f} s), workbook {workdir / '审查结果.xlsx'}")
    # A draft renamed for another place is 雷同 with its twins by construction: this measures time, and that
    # every twin and planted copy is caught.
    print(f"{flagged} with errors; {len(result.pairs)} pairs over 2 %, {len(over)} over the 10 % limit "
          f"(planted copies: {count // 25})")


if __name__ == "__main__":
    main()
