"""`duizhao ledger`: check the kept 整改清单, list what is overdue and done, write the progress report; and the
summary of last year's problems shown before a draft that reads them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

from pipeline.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, fail, handles_errors


def _today(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--today 应为日期，如 2026-04-15：{text}")


@handles_errors
def ledger(
    file: Path = typer.Argument(..., help="整改清单（.xlsx 表格或 .docx 中的表格，在 Excel / Word / WPS / LibreOffice 中填写后的）"),
    today: Optional[str] = typer.Option(None, "--today", help="按哪一天判断逾期（默认今天），如 2026-04-15"),
    report: Optional[Path] = typer.Option(None, "--report", help="写出整改进展情况报告（.docx，公文格式）"),
    force: bool = typer.Option(False, "--force", help="替换已有的、由 duizhao 生成的进展报告"),
    layout: str = typer.Option("gbt9704", "--layout", help="报告版式：gbt9704（公文格式）或 plain"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON（各行、逾期、已完成、错误与警告）"),
):
    """检查整改清单（台账）：逐行校验状态和时限，列出逾期未完成和已完成的问题，可生成进展报告。
    退出码 0 无逾期，1 有逾期，2 清单有错误（逐行列出，报告不生成）。"""
    from pipeline.run.ledger import check_ledger_file  # lazy: keeps `duizhao --help` fast

    review = check_ledger_file(file, _today(today), report, force, layout)
    if as_json:
        typer.echo(review.model_dump_json(indent=1))
        raise typer.Exit(EXIT_BAD_INPUT if review.errors else EXIT_FINDINGS if review.overdue else EXIT_OK)
    for issue in review.issues:
        typer.echo(f"{'错误' if issue.severity == 'error' else '警告'}：{issue.message}", err=True)
    if review.errors:
        typer.echo(f"整改清单有 {len(review.errors)} 处错误，请改正后再运行（未生成报告）：{file}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    counts = "，".join(f"{name} {count} 项" for name, count in review.counts.items())
    typer.echo(f"{review.title}：共 {len(review.entries)} 项（{counts}）；截至 {review.today.isoformat()} 逾期 "
               f"{len(review.overdue)} 项")
    if review.by_source:
        typer.echo("按来源：" + "，".join(f"{name} {count} 项" for name, count in review.by_source.items()))
    for entry in review.overdue:
        typer.echo(f"  逾期 {entry.at} {entry.problem}（{entry.owner or '未填责任人'}，时限 {entry.deadline}，"
                   f"{entry.status}）")
    for entry in review.done:
        typer.echo(f"  已完成 {entry.at} {entry.problem}" + (f"：{entry.result}" if entry.result else ""))
    if review.report:
        typer.echo(f"已生成进展报告：{review.report}")
    raise typer.Exit(EXIT_FINDINGS if review.overdue else EXIT_OK)


def show_last_year(read) -> None:
    """What was read of last year, one line per problem, for the clerk to confirm before drafting."""
    sources = "、".join(p for p in (read.material, read.ledger) if p)
    typer.echo(f"上年度问题 {len(read.entries)} 个（读自 {sources}；材料 {read.from_material} 个，整改清单 "
               f"{read.from_ledger} 行）：", err=True)
    for number, entry in enumerate(read.entries, 1):
        details = [f"措施：{entry.measure}" if entry.measure else "措施：未读到",
                   *([f"责任人：{entry.owner}"] if entry.owner else []), *([f"时限：{entry.deadline}"] if entry.deadline else []),
                   *([f"状态：{entry.status}"] if entry.status else []),
                   f"结果：{entry.fixed}" if entry.fixed else "结果：【待补】"]
        typer.echo(f"  {number}. {entry.problem}（{'；'.join(details)}）", err=True)
    for issue in read.ledger_issues:
        typer.echo(f"  警告：{issue}", err=True)
    typer.echo("  读错或漏读的，请在单位资料的“last_year:”中改写（写在那里的优先；duizhao profile last-year 可打印出这一段）。", err=True)


def confirm_last_year(profiles: list[Path], material: Path | None, ledger_file: Path | None, yes: bool,
                      meeting: bool = False) -> None:
    """Before a single profile's (or a meeting's) draft: read last year (when asked to, or its profile names the
    files), show it, and at a terminal ask to go on."""
    from pipeline.material.profile import load_profile, resolve_spec, validate_against_spec  # lazy: keeps `duizhao --help` fast
    from pipeline.run.last_year import gather_last_year, meeting_last_year  # lazy: keeps `duizhao --help` fast

    if meeting:
        if material or ledger_file:
            for name, entries in meeting_last_year(profiles[0], material, ledger_file):
                typer.echo(f"{name}：上年度问题 {len(entries)} 个" + "".join(
                    f"\n  {n}. {e.problem}（{e.status or '未读到状态'}；结果：{e.fixed or '【待补】'}）"
                    for n, e in enumerate(entries, 1)), err=True)
            _go_on(yes)
        return
    single = len(profiles) == 1 and profiles[0].is_file()
    if not single:
        if material or ledger_file:
            fail("--last-year / --ledger 只能配一份单位资料（多份资料请在各自资料中写 last_year_file / ledger_file）")
        return
    profile = load_profile(profiles[0])
    if not (material or ledger_file or profile.last_year_file or profile.ledger_file):
        return
    # A wrong profile is reported before anything of last year is shown.
    validate_against_spec(profile, resolve_spec(profile, profiles[0].parent), profiles[0])
    show_last_year(gather_last_year(profile, profiles[0].parent, material, ledger_file))
    _go_on(yes)


def _go_on(yes: bool) -> None:
    import sys  # lazy: only here

    if not yes and sys.stdin.isatty() and not typer.confirm("按以上上年度问题起草？", default=True, err=True):
        raise typer.Exit(EXIT_OK)


@handles_errors
def profile_last_year(
    file: Path = typer.Argument(..., help="上年度的对照检查材料（.docx / .md / .txt / 草稿 .json）"),
    ledger_file: Optional[Path] = typer.Option(None, "--ledger", help="上年度填写过的整改清单（.xlsx 或 .docx）：带上状态和完成情况"),
):
    """读出上年度材料中的问题和措施，打印成单位资料中的“last_year:”一段，核对后粘贴进单位资料。"""
    from pipeline.run.last_year import last_year_yaml  # lazy: keeps `duizhao --help` fast

    typer.echo(last_year_yaml(file, ledger_file), nl=False)
