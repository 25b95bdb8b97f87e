"""Batch quality run: draft every profile with each system and print one table (also quality.csv / quality.json).

    .venv/bin/python eval/quality.py examples/*.yaml [--systems offline,model] [-o DIR]

The same as `duizhao eval run ...`; options: `.venv/bin/python eval/quality.py --help`.
"""

from __future__ import annotations

import typer

from pipeline.cli.eval import eval_run

if __name__ == "__main__":
    typer.run(eval_run)
