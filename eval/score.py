"""Blind review results: un-blind the raters' score sheets, aggregate per system, report inter-rater agreement.

    .venv/bin/python eval/score.py pack/ sheets/*.csv [--key KEY] [--json]

The same as `duizhao eval score ...`; options: `.venv/bin/python eval/score.py --help`.
"""

from __future__ import annotations

import typer

from pipeline.cli.eval import eval_score

if __name__ == "__main__":
    typer.run(eval_score)
