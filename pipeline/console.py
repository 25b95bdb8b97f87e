"""Rendering results for people (rich) or machines (JSON). No library logic here."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def print_check_report(report, as_json: bool = False) -> None:
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    out = console()
    table = Table(show_header=True, header_style="bold", expand=False)
    for column in ("级别", "代码", "位置", "说明"):
        table.add_column(column, overflow="fold")
    for finding in report.findings:
        table.add_row(f"[{_STYLE[finding.severity]}]{_LABEL[finding.severity]}[/]", finding.code, finding.location, finding.message)
    if report.findings:
        out.print(table)
    for name, value in (report.metrics or {}).items():
        if isinstance(value, (int, float, str)):
            out.print(f"{name}: {value}")
    verdict = "[bold green]通过[/]" if report.ok else "[bold red]未通过[/]"
    out.print(f"{verdict}：错误 {report.count('error')} 条，警告 {report.count('warning')} 条，提示 {report.count('info')} 条"
              + (f"（会议规范 {report.spec}）" if report.spec else ""))


def print_specs(specs) -> None:
    table = Table(show_header=True, header_style="bold")
    for column in ("ID", "会议", "对象", "状态", "方面"):
        table.add_column(column, overflow="fold")
    for spec in specs:
        table.add_row(spec.id, spec.name, spec.body, spec.status, "；".join(spec.aspect_names()))
    console().print(table)
