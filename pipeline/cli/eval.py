"""`duizhao eval`: compare drafts side by side, judge them pairwise, make and score blind review packs,
and run the batch quality table. Thin commands over pipeline.evaluate.compare / judge / blind / scoring / quality."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

# Defined before importing cli: cli imports this module's eval_app at its end (see cli.py).
eval_app = typer.Typer(help="评测：稿件并排比较、成对评判、盲评包与评分汇总、批量质量评测。", no_args_is_help=True)

from pipeline.cli.errors import handles_errors  # noqa: E402

_DRAFTS_HELP = "同一单位的几份稿件（.docx / .md / .txt / 草稿 .json）；可写成 名称=路径 指定显示名称"


@eval_app.command("compare")
@handles_errors
def eval_compare(
    drafts: List[str] = typer.Argument(..., help=_DRAFTS_HELP),
    profile: Optional[Path] = typer.Option(None, "--profile", help="单位资料 YAML：检查事实写入、字数，并确定会议规范"),
    spec: Optional[str] = typer.Option(None, "--spec", help="会议规范 ID 或 YAML 文件路径（默认取单位资料的，或按结构推断）"),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="查重用的范文目录（默认：内置范文 + 已入库范文）"),
    target_chars: Optional[int] = typer.Option(None, "--target-chars", help="目标字数（计算长度得分）"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="输出 HTML 对照报告（离线可看）"),
    force: bool = typer.Option(False, "--force", help="替换已有的、由 duizhao 生成的对照报告"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    judge: bool = typer.Option(False, "--judge", help="再请大模型成对评判（每对正反两种顺序各评一次）"),
    judge_model: Optional[str] = typer.Option(None, "--judge-model", help="评判用的模型名（默认取 DUIZHAO_MODEL）"),
):
    """并排比较同一单位的几份稿件：逐部分、逐方面对齐，列出各项审查指标并标出最优。"""
    from pipeline.core.owned import check_replaceable  # lazy: keeps `duizhao --help` fast
    from pipeline.evaluate.compare import MeasureOptions, compare_files  # lazy: keeps `duizhao --help` fast

    if output is not None:
        check_replaceable(output, force, "对照报告")
    judge_obj = None
    if judge:
        from pipeline.evaluate.judge import judge_from_env  # lazy: keeps `duizhao --help` fast

        judge_obj = judge_from_env(judge_model)
    comparison = compare_files(drafts, MeasureOptions(spec=spec, profile=profile, corpus=corpus, target_chars=target_chars),
                               judge=judge_obj)
    if output is not None:
        from pipeline.evaluate.compare_html import write_compare_html  # lazy: keeps `duizhao --help` fast

        write_compare_html(output, comparison)
    if as_json:
        from pipeline.cli.console import print_json  # lazy: keeps `duizhao --help` fast

        print_json(comparison.model_dump(mode="json"))
        return
    from pipeline.cli.eval_console import print_comparison  # lazy: keeps `duizhao --help` fast

    print_comparison(comparison)
    if output is not None:
        typer.echo(f"对照报告：{output}")


@eval_app.command("pack")
@handles_errors
def eval_pack(
    drafts: List[str] = typer.Argument(..., help=_DRAFTS_HELP),
    output: Path = typer.Option(..., "-o", "--output", help="盲评文件夹（交给评审人）"),
    key: Optional[Path] = typer.Option(None, "--key", help="密钥文件（默认：盲评文件夹旁的 <文件夹名>-key.json，不得放在文件夹内）"),
    keep_format: bool = typer.Option(False, "--keep-format", help="保留原文件格式（默认统一导出为 Word，以免格式泄露来源）"),
    seed: Optional[int] = typer.Option(None, "--seed", help="打乱顺序的随机种子（默认每次不同）"),
    force: bool = typer.Option(False, "--force", help="覆盖已有的盲评文件夹和密钥文件"),
):
    """生成盲评包：稿件改用中性名称（稿件A、稿件B…）并打乱顺序，附评分表；密钥另存。"""
    from pipeline.evaluate.blind import make_pack  # lazy: keeps `duizhao --help` fast

    pack_key, key_path = make_pack(drafts, output, key, keep_format=keep_format, seed=seed, force=force)
    typer.echo(f"盲评包：{output}（{len(pack_key.entries)} 份稿件，评分表 {pack_key.sheet}）")
    typer.echo(f"密钥：{key_path}（请勿交给评审人）")


@eval_app.command("score")
@handles_errors
def eval_score(
    pack: Path = typer.Argument(..., help="盲评文件夹"),
    sheets: List[Path] = typer.Argument(..., help="评审人填好的评分表（.csv，可多个，或一个目录）"),
    key: Optional[Path] = typer.Option(None, "--key", help="密钥文件（默认：盲评文件夹旁的 <文件夹名>-key.json）"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
):
    """汇总盲评：揭示来源，按系统统计问题数、可送审比例、胜率，并给出评审一致性（kappa / alpha）。"""
    from pipeline.evaluate.scoring import score_pack  # lazy: keeps `duizhao --help` fast

    report = score_pack(pack, sheets, key)
    if as_json:
        from pipeline.cli.console import print_json  # lazy: keeps `duizhao --help` fast

        print_json(report.model_dump(mode="json"))
        return
    from pipeline.cli.eval_console import print_score_report  # lazy: keeps `duizhao --help` fast

    print_score_report(report)


@eval_app.command("run")
@handles_errors
def eval_run(
    profiles: List[Path] = typer.Argument(..., help="单位资料 YAML（可多个，或一个目录）"),
    systems: str = typer.Option("offline,model", "--systems", help="起草方式，逗号分隔：offline,model（未配置模型接口时跳过 model）"),
    outdir: Path = typer.Option(Path("eval-out"), "-o", "--outdir", help="输出目录（草稿与 quality.csv / quality.json）"),
    model: Optional[str] = typer.Option(None, "--model", help="模型名（默认取 DUIZHAO_MODEL）"),
    cache: bool = typer.Option(False, "--cache", help="复用已起草段落的缓存（用时不再是真实起草时间）"),
    store: Optional[Path] = typer.Option(None, "--store", help="向量库目录（默认取 DUIZHAO_STORE_DIR，或当前目录已有的 ./vectorstore，否则在用户数据目录下）"),
    chroma_url: Optional[str] = typer.Option(None, "--chroma-url", help="Chroma 服务器地址，如 http://127.0.0.1:8000"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
):
    """批量质量评测：每份单位资料用每种方式起草，统计结构、查重率、见人见事、事实写入、长度得分、字数与用时。"""
    from pipeline.run.models import Settings  # lazy: keeps `duizhao --help` fast
    from pipeline.evaluate.quality import parse_systems, quality_files, write_quality  # lazy: keeps `duizhao --help` fast

    from pipeline.cli.console import draft_progress  # lazy: keeps `duizhao --help` fast

    chosen = parse_systems(systems)
    settings = Settings(model=model, store_dir=store, chroma_url=chroma_url)
    with draft_progress() as progress:
        run = quality_files(profiles, chosen, outdir, settings, use_cache=cache, progress=progress)
    written = write_quality(run, outdir)
    if as_json:
        from pipeline.cli.console import print_json  # lazy: keeps `duizhao --help` fast

        print_json(run.model_dump(mode="json"))
        return
    from pipeline.cli.eval_console import print_quality  # lazy: keeps `duizhao --help` fast

    print_quality(run)
    typer.echo("结果：" + "、".join(str(p) for p in written))
