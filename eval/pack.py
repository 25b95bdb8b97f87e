"""Blind review pack: drafts under shuffled neutral names, a score sheet, and the key kept outside the pack.

    .venv/bin/python eval/pack.py A.json B.docx ... -o pack/ [--key KEY] [--seed N]

The same as `duizhao eval pack ...`; options: `.venv/bin/python eval/pack.py --help`.
"""

from __future__ import annotations

import typer

from pipeline.cli.eval import eval_pack

if __name__ == "__main__":
    typer.run(eval_pack)
