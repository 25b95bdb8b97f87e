"""The `duizhao` command: a thin layer that parses arguments, calls one library function and shows the result.

Heavy libraries (chromadb, langchain, python-docx) are imported inside the commands that need them so that
`duizhao --help` and `duizhao check` start fast.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(
    help="duizhao：对照检查材料的起草、检查与排版工具（民主生活会 / 组织生活会）。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
specs_app = typer.Typer(help="会议规范：列出或查看每次会议规定的部分和方面。", invoke_without_command=True)
profile_app = typer.Typer(help="单位资料（YAML）：生成模板。", no_args_is_help=True)
app.add_typer(specs_app, name="specs")
app.add_typer(profile_app, name="profile")

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def fail(message: str, code: str = "bad-input", exit_code: int = EXIT_BAD_INPUT) -> None:
    typer.echo(f"错误 [{code}]：{message}", err=True)
    raise typer.Exit(exit_code)


def handles_errors(command):
    """Turn library errors into one clear line and exit 2; never a traceback for expected failures."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .errors import PipelineError

        try:
            return command(*args, **kwargs)
        except PipelineError as exc:
            fail(str(exc), exc.code, exc.exit_code)
        except KeyboardInterrupt:
            typer.echo("已中断；已完成的部分已保存，重新运行同一命令即可续做。", err=True)
            raise typer.Exit(130)

    return wrapper


@app.command()
@handles_errors
def check(
    file: Path = typer.Argument(..., help="要检查的材料（.txt / .md / .docx / 草稿 .json）"),
    spec: Optional[str] = typer.Option(None, "--spec", help="会议规范 ID 或 YAML 文件路径；不给则按通用结构检查"),
    profile: Optional[Path] = typer.Option(None, "--profile", help="单位资料 YAML：检查事实是否写进材料、字数是否达标"),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="查重用的范文目录（默认：内置范文 + 已入库范文）"),
    target_chars: Optional[int] = typer.Option(None, "--target-chars", help="目标字数（计算长度得分）"),
    structure_only: bool = typer.Option(False, "--structure-only", help="只做结构检查，不做内容审查"),
    html: Optional[Path] = typer.Option(None, "--html", help="输出带标注的 HTML 审查报告"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
):
    """检查材料：结构（部分、顺序、编号、方面）与内容（查重、见人见事、整改对应等）。退出码 0 通过，1 有错误，2 输入有误。"""
    from .console import print_check_report
    from .review import CheckOptions, check_file

    options = CheckOptions(spec=spec, profile=profile, corpus=corpus, target_chars=target_chars,
                           content=not structure_only, html=html)
    report = check_file(file, options)
    print_check_report(report, as_json=as_json)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@specs_app.callback()
@handles_errors
def specs_list(ctx: typer.Context):
    """列出内置会议规范。"""
    if ctx.invoked_subcommand is not None:
        return
    from .console import print_specs
    from .specs import builtin_specs

    print_specs(list(builtin_specs().values()))


@specs_app.command("show")
@handles_errors
def specs_show(spec: str = typer.Argument(..., help="会议规范 ID 或 YAML 文件路径")):
    """显示一个会议规范的全部内容（YAML）。"""
    import yaml

    from .specs import load_spec

    typer.echo(yaml.safe_dump(load_spec(spec).model_dump(exclude_defaults=True), allow_unicode=True, sort_keys=False))


def main() -> None:  # pragma: no cover - console entry point alias
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
