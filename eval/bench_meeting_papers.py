"""The meeting's other documents (会议方案 … 情况报告) for each meeting file: how many documents, characters,
【待补】 slots still to fill and labelled counts; errors of each kind's check; time to compose and to write .docx.

    .venv/bin/python eval/bench_meeting_papers.py [MEETING.yaml ...]   (default: examples/meetings and the test fixtures)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.material.document import render  # noqa: E402
from pipeline.material.meeting import group_profile, load_meeting  # noqa: E402
from pipeline.material.meeting_docs import meeting_ledger_rows  # noqa: E402
from pipeline.material.meeting_papers import common, meeting_papers  # noqa: E402
from pipeline.run.meeting_papers import write_papers  # noqa: E402


def main(paths: list[Path]) -> None:
    print(f"{'会议文件':<32}{'文书':>4}{'字数':>7}{'待补':>6}{'统计数':>6}{'错误':>5}{'组成ms':>8}{'写出ms':>8}")
    for path in paths:
        meeting, spec = load_meeting(path)
        group = group_profile(meeting, spec, path)
        rows = meeting_ledger_rows(meeting, group, spec)
        started = time.perf_counter()
        papers = meeting_papers(meeting, spec, group, rows)
        composed = (time.perf_counter() - started) * 1000
        texts = [render(p.document) + "\n".join(p.rows) for p in papers]
        with tempfile.TemporaryDirectory() as folder:
            files: dict[Path, bytes] = {}
            started = time.perf_counter()
            written = write_papers(meeting, spec, group, rows, Path(folder), "gbt9704", files)
            wrote = (time.perf_counter() - started) * 1000
        errors = sum(f.severity == "error" for _, _, findings, _ in written for f in findings)
        print(f"{path.stem:<32}{len(papers):>4}{sum(len(t) for t in texts):>7}{sum(t.count('【待补') for t in texts):>6}"
              f"{sum(t.count(common()['derived']) for t in texts):>6}{errors:>5}{composed:>8.1f}{wrote:>8.1f}")


if __name__ == "__main__":
    given = [Path(a) for a in sys.argv[1:]]
    main(given or sorted((ROOT / "examples" / "meetings").glob("*.yaml"))
         + sorted((ROOT / "tests" / "fixtures" / "meetings").glob("*.yaml")))
