"""`duizhao confirm`: list the sentences of a draft that the unit's material does not support, and keep
(confirm as the unit's) or delete them by number."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from pipeline.cli.errors import EXIT_FINDINGS, EXIT_OK, handles_errors


@handles_errors
def confirm(
    file: Path = typer.Argument(..., help="起草时写出的草稿记录 .json（同名的 .md / .docx 会一并改写）"),
    keep: Optional[List[str]] = typer.Option(None, "--keep", help="保留（本单位确认属实）的句子编号，如 1,3,5-7"),
    delete: Optional[List[str]] = typer.Option(None, "--delete", help="删除的句子编号，如 2,4"),
    keep_all: bool = typer.Option(False, "--keep-all", help="全部保留（本单位确认每一句都属实）"),
):
    """核实“资料中没有依据”的句子：不带选项时列出（带编号）；--keep 保留、--delete 删除。退出码 0 已无待核实句子，1 仍有。"""
    from pipeline.run.confirm import confirm_sentences, list_unsourced, parse_numbers  # lazy: keeps `duizhao --help` fast

    listed = list_unsourced(file)
    if keep or delete or keep_all:
        kept = parse_numbers(keep or [], len(listed))
        deleted = parse_numbers(delete or [], len(listed))
        result = confirm_sentences(file, kept, deleted, keep_all=keep_all)
        typer.echo(f"已保留 {len(result.kept)} 句、删除 {len(result.deleted)} 句；已改写："
                   + "、".join(Path(p).name for p in result.written))
        for skipped in result.skipped:
            typer.echo(f"未改写 {skipped}：它不是 duizhao 写出的，或写出后被修改过（请按 .json 自行改）", err=True)
        listed = result.remaining
    if not listed:
        typer.echo("没有待核实的句子：每一句都有资料依据或已由本单位确认。")
        raise typer.Exit(EXIT_OK)
    typer.echo(f"资料中没有依据的句子（共 {len(listed)} 句，请逐句核实后保留或删除）：")
    for entry in listed:
        typer.echo(f"  {entry.number}. [{entry.item}] {entry.text}")
    typer.echo(f"保留：duizhao confirm {file} --keep 1,2 ；删除：--delete 3 ；全部保留：--keep-all")
    raise typer.Exit(EXIT_FINDINGS)
