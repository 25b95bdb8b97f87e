"""`duizhao specs` (list, show, new --from a notice) and the YAML templates (`profile init`, `meeting init`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from pipeline.cli.errors import handles_errors

specs_app = typer.Typer(help="会议规范：列出（年度、对象、状态、来源）、查看结构，或从会议通知生成（specs new --from）。", invoke_without_command=True)
profile_app = typer.Typer(help="单位资料（YAML）：生成模板，或把上年度材料读成“last_year:”一段。", no_args_is_help=True)
meeting_app = typer.Typer(help="会议文件（YAML）：班子和每位成员的材料、相互批评意见、整改清单一次起草。", no_args_is_help=True)


@specs_app.callback()
@handles_errors
def specs_list(ctx: typer.Context):
    """列出会议规范（内置的和用 specs new 自建的）：年度、对象、状态、来源。"""
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.cli.console import print_specs  # lazy: keeps `duizhao --help` fast
    from pipeline.run.inputs import builtin_specs, user_specs  # lazy: keeps `duizhao --help` fast

    own, problems = user_specs()
    print_specs([*builtin_specs().values(), *own.values()], user_ids=set(own), problems=problems)


@specs_app.command("show")
@handles_errors
def specs_show(spec: str = typer.Argument(..., help="会议规范 ID 或 YAML 文件路径")):
    """显示一个会议规范：先是结构（各部分、小标题、方面，以 # 注释给出），再是全部内容（YAML）。"""
    from pipeline.cli.console import print_spec  # lazy: keeps `duizhao --help` fast

    from pipeline.run.inputs import load_spec  # lazy: keeps `duizhao --help` fast

    print_spec(load_spec(spec))


@specs_app.command("new")
@handles_errors
def specs_new(
    source: Path = typer.Option(..., "--from", help="会议通知（.docx / .txt / .md），或按通知写成的范文、往年材料"),
    spec_id: Optional[str] = typer.Option(None, "--id", help="新规范的 ID（小写字母、数字、连字符），如 2026-niandu-minzhu"),
    force: bool = typer.Option(False, "--force", help="覆盖同名的、由本命令生成的规范"),
    offline: bool = typer.Option(False, "--offline", help="不调用大模型（未配置模型接口时自动如此）"),
):
    """从会议通知生成会议规范：找出主题、方面清单（按原文顺序）和要求的部分，存为“未确认”规范并打印，请与通知原文核对。"""
    from pipeline.cli.console import print_spec  # lazy: keeps `duizhao --help` fast
    from pipeline.run.inputs import new_spec  # lazy: keeps `duizhao --help` fast
    from pipeline.run.models import notice_proposer  # lazy: keeps `duizhao --help` fast

    propose = notice_proposer(offline)
    spec, path = new_spec(source, spec_id, force=force, propose=propose)
    print_spec(spec)
    typer.echo(f"已保存：{path}（状态为“未确认”，即文件中的 status: unconfirmed；请逐项与通知原文核对方面和结构，需要时直接修改该文件）\n"
               f"下一步：duizhao profile init --spec {spec.id} > 单位资料.yaml", err=True)


@profile_app.command("init")
@handles_errors
def profile_init(spec: str = typer.Option(..., "--spec", help="会议规范 ID 或 YAML 文件路径")):
    """打印一份带注释的单位资料模板，已按会议规范填好各个方面。"""
    from pipeline.run.inputs import profile_template  # lazy: keeps `duizhao --help` fast
    from pipeline.run.inputs import load_spec, spec_reference  # lazy: keeps `duizhao --help` fast

    typer.echo(profile_template(load_spec(spec), spec_reference(spec)), nl=False)


@meeting_app.command("init")
@handles_errors
def meeting_init(spec: str = typer.Option(..., "--spec", help="会议规范 ID 或 YAML 文件路径")):
    """打印一份带注释的会议文件模板：班子的问题、两位成员示例（个人问题、上年度整改、相互批评意见）。"""
    from pipeline.run.inputs import meeting_template  # lazy: keeps `duizhao --help` fast
    from pipeline.run.inputs import load_spec, spec_reference  # lazy: keeps `duizhao --help` fast

    typer.echo(meeting_template(load_spec(spec), spec_reference(spec)), nl=False)


@meeting_app.command("docs")
@handles_errors
def meeting_docs(
    meeting: Path = typer.Argument(..., help="会议文件（YAML）"),
    outdir: Path = typer.Option(Path("out"), "-o", "--outdir", help="输出目录（其下按会议建文件夹）"),
    force: bool = typer.Option(False, "--force", help="覆盖由 duizhao 写入的同名文书"),
    layout: str = typer.Option("gbt9704", "--layout", help="会议方案、整改方案、情况报告的版式：gbt9704 或 plain"),
):
    """只起草会议文书（会前即可用）：会议方案、征求意见表、谈心谈话提纲、主持词、整改方案、情况报告，不用大模型。"""
    from pipeline.cli.console import print_meeting_result  # lazy: keeps `duizhao --help` fast
    from pipeline.run.meeting import draft_meeting_documents  # lazy: keeps `duizhao --help` fast
    from pipeline.run.runner import DraftOptions  # lazy: keeps `duizhao --help` fast

    result = draft_meeting_documents(meeting, DraftOptions(outdir=outdir, force=force, layout=layout))
    print_meeting_result(result)
    if not result.ok:
        raise typer.Exit(1)
