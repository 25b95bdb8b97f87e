"""Rendering results for people (rich) or machines (JSON). No library logic here."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.run.names import code_name, metric_names, role_name

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
    for column in ("级别", "类别", "位置", "说明"):
        table.add_column(column, overflow="fold")
    for finding in report.findings:
        table.add_row(f"[{_STYLE[finding.severity]}]{_LABEL[finding.severity]}[/]", code_name(finding.code),
                      escape(finding.location), escape(finding.message))
    if report.findings:
        out.print(table)
    metrics = report.metrics or {}
    for key, name in metric_names().items():
        value = metrics.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown = f"{value:.1%}" if key == "copy_rate" else str(value)
            out.print(f"{name}：{shown}")
    if isinstance(metrics.get("kind"), str):
        out.print(f"材料类别：{metrics['kind']}")
    verdict = "[bold green]通过[/]" if report.ok else "[bold red]未通过[/]"
    out.print(f"{verdict}：错误 {report.count('error')} 条，警告 {report.count('warning')} 条，提示 {report.count('info')} 条"
              + (f"（会议规范 {report.spec}）" if report.spec else ""))


_STATUS = {"confirmed": "已确认", "unconfirmed": "未确认", "local-practice": "地方做法"}


def print_specs(specs, user_ids=(), problems=()) -> None:
    """One row per spec: id, year, meeting, body, status and source; the user's own specs marked 自建."""
    table = Table(show_header=True, header_style="bold")
    # IDs are typed back on the command line: never fold them, even in a narrow terminal.
    table.add_column("ID", no_wrap=True, min_width=max((len(spec.id) for spec in specs), default=2))
    table.add_column("年度", no_wrap=True)
    for column in ("会议", "对象", "状态", "来源"):
        table.add_column(column, overflow="fold")
    for spec in specs:
        body = "支部" if "支部" in spec.body else "班子"
        source = spec.source if len(spec.source) <= 40 else spec.source[:39] + "…"
        if spec.id in user_ids:
            source = "【自建】" + source
        table.add_row(spec.id, str(spec.year or "—"), spec.name, body, _STATUS.get(spec.status, spec.status), source)
    console().print(table)
    for line in problems:
        console(stderr=True).print(f"警告：{line}", markup=False, highlight=False)


def skeleton_lines(spec) -> list[str]:
    """The spec's skeleton as readable lines: parts in order with headings, sub-parts and aspects."""
    from pipeline.material.specs import part_heading  # lazy: keeps `duizhao --help` fast
    from pipeline.run.names import int_to_cn, level1_marker  # lazy: keeps `duizhao --help` fast

    names = {"preamble": "（开头导语）", "closing": "（结尾）"}
    lines = [f"{spec.name}（{spec.id}）的结构："]
    number = 0
    for part in spec.skeleton:
        if not part.required and not spec.parts:
            continue  # a roles-only spec: the optional parts are the genre's, listed once below
        heading = part_heading(part, spec.meeting, spec.year)
        if heading:
            number += 1
            heading = level1_marker(number) + heading
        optional = "（可选）" if not part.required else ""
        lines.append(f"  {heading or names.get(part.role, part.role)}{optional}")
        if part.role == "problems":
            lines += [f"    （{int_to_cn(n)}）{name}" for n, name in enumerate(spec.aspect_names(), 1)]
        lines += [f"    （{int_to_cn(n)}）{sub.heading}" for n, sub in enumerate(part.subparts, 1)]
    if not spec.parts:
        from pipeline.core.resources import lexicon  # lazy: keeps `duizhao --help` fast

        names = lexicon("findings")["role-names"]
        extras = "、".join(names.get(p.role, p.role) for p in spec.skeleton if not p.required)
        lines.append(f"  单位资料有相应内容时另加：{extras}")
    return lines


class _DraftProgress:
    """A live view with one bar per unit and section, fed by the runner's progress events."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # lazy: keeps `duizhao --help` fast

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=console(stderr=True), transient=False)
        self.tasks: dict[tuple[str, str], int] = {}
        self.totals: dict[tuple[str, str], int] = {}

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, event: str, unit: str, key: str, role: str) -> None:
        if event == "planned" or not key:
            return
        section = key.rsplit("-", 1)[0]
        task = self.tasks.get((unit, section))
        if task is None:
            task = self.tasks[(unit, section)] = self.progress.add_task(f"{unit} · {role_name(section)}", total=None)
        if event in ("start", "cached"):
            self.totals[(unit, section)] = self.totals.get((unit, section), 0) + 1
            self.progress.update(task, total=self.totals[(unit, section)])
        if event in ("done", "cached"):
            self.progress.advance(task)


def draft_progress() -> _DraftProgress:
    return _DraftProgress()


def _system_label(r) -> str:
    return "无模型拼合" if r.system == "offline" else r.system.removeprefix("model:")


def print_draft_results(results) -> None:
    """A table in a wide terminal; one unit per line (outputs on their own lines) at 80 columns or in a pipe,
    where a nine-column table would fold each cell into a column of two or three characters."""
    out = console()
    if not out.is_terminal or out.width <= 80:
        _print_draft_lines(out, results)
        _print_done_before(out, results)
        _print_notes(results)
        _print_cross_copy(out, results)
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("单位", "会议规范", "起草方式", "部分", "字数", "检查", "用时(秒)", "词元", "输出/错误"):
        table.add_column(column, overflow="fold")
    for r in results:
        if r.error:
            table.add_row(escape(r.unit or r.profile), r.spec, "", "", "", "[bold red]失败[/]", "", "",
                          f"[red]{escape(r.error)}[/]")
            continue
        verdict = "[green]通过[/]" if r.ok else "[red]未通过[/]"
        verdict += f"（错{r.errors}/警{r.warnings}）" + ("（此前已完成）" if r.done_before else "")
        outputs = "\n".join(escape(p) for p in r.outputs)
        if r.pending:  # items left as 【待补】 because the model could not write them
            outputs += f"\n[red]{escape(_pending_line(r))}[/]"
        table.add_row(escape(r.unit), r.spec, escape(_system_label(r)), str(r.sections), str(r.chars), verdict,
                      f"{r.seconds:.1f}", str(r.tokens), outputs)
    out.print(table)
    _print_done_before(out, results)
    _print_notes(results)
    _print_cross_copy(out, results)


def _print_done_before(out: Console, results) -> None:
    """A rerun of an interrupted batch: how many units the earlier run had finished (kept as they were)."""
    done = sum(1 for r in results if r.done_before)
    if done:
        out.print(f"{done} 个单位此前已起草完成（文件未改动，本次未重写；要重新起草请加 --force），"
                  f"本次起草 {len(results) - done} 个。")


def _print_notes(results) -> None:
    """Advice that is no finding of a draft (a spec older than the meeting), one line each on stderr."""
    for r in results:
        for note in r.notes:
            console(stderr=True).print(f"提示（{r.unit or r.profile}）：{note}", markup=False, highlight=False)


def _print_cross_copy(out: Console, results) -> None:
    """Drafts of the batch (or earlier ones in the folder) that look alike, one line per section."""
    for r in results:
        for finding in (r.cross_copy.findings if getattr(r, "cross_copy", None) else []):
            out.print(f"[{_STYLE[finding.severity]}]{_LABEL[finding.severity]}[/] "
                      + escape(f"{r.unit} · {finding.location}：{finding.message}"))


def _print_draft_lines(out: Console, results) -> None:
    for r in results:
        if r.error:
            out.print(f"[bold red]失败[/]：{escape(r.unit or r.profile)}" + (f"（{r.spec}）" if r.spec else "")
                      + f"：{escape(r.error)}")
            continue
        verdict = ("[green]通过[/]" if r.ok else "[red]未通过[/]") + ("（此前已完成）" if r.done_before else "")
        tokens = f" · 词元 {r.tokens}" if r.tokens else ""
        out.print(f"{verdict}：{escape(r.unit)}（{r.spec}，{escape(_system_label(r))}）{r.sections} 部分 · {r.chars} 字 · "
                  f"错 {r.errors} / 警 {r.warnings} · {r.seconds:.1f} 秒{tokens}")
        if r.pending:
            out.print(f"  [red]{escape(_pending_line(r))}[/]")
        for path in r.outputs:
            # A path on a line of its own, never folded, so it can be copied whole.
            out.print("  " + escape(path), overflow="ignore", crop=False, no_wrap=True)


def _pending_line(r) -> str:
    return f"模型未能写出 {len(r.pending)} 段（已留【待补】，须人工补写）：{'；'.join(r.pending)}"


def ingest_notice():
    """Progress of the first-use ingest of the packaged corpus, as two plain lines on stderr."""
    state = {"started": False}

    def notify(done: int, total: int) -> None:
        if not state["started"] and total:
            state["started"] = True
            console(stderr=True).print(f"首次使用：正在把内置范文切段并向量化入库（{total} 段，约需 1–2 分钟）…")
        if total and done >= total:
            console(stderr=True).print("范文入库完成。")

    return notify


def print_spec(spec) -> None:
    """The skeleton as YAML comments, then the spec as YAML: the output stays a valid spec file."""
    import yaml  # lazy: keeps `duizhao --help` fast

    print("\n".join("# " + line for line in skeleton_lines(spec)))
    print(yaml.safe_dump(spec.model_dump(exclude_defaults=True), allow_unicode=True, sort_keys=False), end="")


def print_meeting_result(result) -> None:
    """One table of every document of the meeting, then the highest pairwise copy rate between members."""
    from pipeline.core.resources import lexicon  # lazy: keeps `duizhao --help` fast

    words = lexicon("meeting")["index"]
    table = Table(show_header=True, header_style="bold")
    for column in ("文件", "类别", "字数", "检查"):
        table.add_column(column, overflow="fold")
    for doc in result.documents:
        verdict = "[green]通过[/]" if doc.ok else "[red]未通过[/]"
        table.add_row("\n".join(doc.files), words["kinds"][doc.kind], str(doc.chars or ""),
                      f"{verdict}（错{doc.errors}/警{doc.warnings}）")
    out = console()
    out.print(table)
    if result.max_pair:
        limit = lexicon("meeting")["checks"]["pair_copy_limit"]
        out.print(words["copy"].format(rate=result.max_pair_copy, a=result.max_pair[0], b=result.max_pair[1], limit=limit))
    system = "无模型拼合" if result.system == "offline" else result.system.removeprefix("model:")
    if result.kept:
        out.print(f"以下文件起草后已被修改，保留未动：{'、'.join(result.kept)}")
    if result.done_before:
        out.print(f"会议材料此前已起草完成（同一会议文件、同一起草方式，本次未重写；要重新起草请加 --force）：{result.folder}")
        return
    if result.restored:
        out.print(f"此前已起草完成，本次只补写缺少的 {len(result.restored)} 份文件：{'、'.join(result.restored)}")
    out.print(f"已写入 {result.folder}（{len(result.documents)} 份文件，起草方式：{system}，用时 {result.seconds:.1f} 秒）")
