"""Side-by-side comparison of drafts of one unit: metrics per draft, best values marked, drafts aligned by section and aspect.

    .venv/bin/python eval/compare.py A.json B.docx [C.md ...] [--profile P] [--spec ID] [-o report.html] [--json] [--judge]

The same as `duizhao eval compare ...`; options: `.venv/bin/python eval/compare.py --help`.
"""

from __future__ import annotations

import typer

from pipeline.cli.eval import eval_compare

if __name__ == "__main__":
    typer.run(eval_compare)
