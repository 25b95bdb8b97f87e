"""Terminal tables (rich, Chinese headers) for the eval commands. No library logic here."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from pipeline.cli.console import console
from pipeline.core.resources import lexicon


def _fmt(value, kind: str = "") -> str:
    if value is None:
        return lexicon("eval")["labels"]["no_value"]
    if kind == "percent":
        return f"{value:.1%}"
    if kind == "percent0":
        return f"{value:.0%}"
    if kind == "1":
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def print_comparison(comparison) -> None:
    from pipeline.evaluate.compare import display  # lazy: keeps `duizhao --help` fast

    words = lexicon("eval")
    table = Table(show_header=True, header_style="bold", title=words["labels"]["title"])
    table.add_column(words["labels"]["metric"], no_wrap=True)
    for draft in comparison.drafts:
        table.add_column(escape(draft.name), overflow="fold")
    for key, spec in words["metrics"].items():
        if key == "judge_win_rate":
            if comparison.judge is None:
                continue
            values = [f"{_fmt(s.win_rate, 'percent')}（{s.chars}字）" for s in comparison.judge.scores]
        else:
            values = [display(d, key) for d in comparison.drafts]
        best = set(comparison.best.get(key, []))
        table.add_row(spec["label"], *[f"[bold green]{escape(v)}[/]" if n in best else escape(v) for n, v in enumerate(values)])
    out = console()
    out.print(table)
    missing = [(row.label, [d.name for d, c in zip(comparison.drafts, row.cells) if not c.present])
               for row in comparison.rows if row.required and not all(c.present for c in row.cells)]
    for label, names in missing:
        out.print(f"[red]{escape(words['labels']['missing'])}[/]：{escape(label)} — {escape('、'.join(names))}")
    if comparison.judge is not None:
        judge = comparison.judge
        out.print(f"{words['labels']['judge_consistency']}：{_fmt(judge.consistency, 'percent')}；"
                  f"{words['labels']['judge_first_share']}：{_fmt(judge.first_share, 'percent')}；"
                  f"{words['labels']['judge_unparsed']}：{judge.unparsed}")


def print_score_report(report) -> None:
    words = lexicon("eval")["score_labels"]
    out = console()
    table = Table(show_header=True, header_style="bold")
    width = max([len(s.label) for s in report.systems] + [4])
    for n, column in enumerate(words["systems"]):
        # The label is what people read first: never squeeze it; headers of numbers may fold.
        table.add_column(column, overflow="fold", no_wrap=n == 0, min_width=min(width, 24) if n == 0 else None)
    for s in report.systems:
        table.add_row(escape(s.label), str(s.drafts), str(s.ratings), _fmt(s.major, "1"), _fmt(s.general, "1"),
                      _fmt(s.minor, "1"), _fmt(s.weighted, "1"), _fmt(s.approvable, "percent0"), _fmt(s.minutes, "1"),
                      _fmt(s.win_rate_problems, "percent0"), _fmt(s.win_rate_approval, "percent0"))
    out.print(table)
    agreement = Table(show_header=True, header_style="bold")
    for column in words["agreement"]:
        agreement.add_column(column, overflow="fold")
    for pair in report.agreement.kappa:
        a, b = pair.raters
        agreement.add_row(words["percent"].format(a=a, b=b), _fmt(pair.agreement, "percent"), "")
        agreement.add_row(words["kappa"].format(a=a, b=b, n=pair.n), _fmt(pair.kappa),
                          "" if pair.kappa is not None else words["undefined"])
    for key, value in report.agreement.alpha.items():
        agreement.add_row(words[f"alpha_{key}"], _fmt(value), "" if value is not None else words["undefined"])
    out.print(agreement)
    for note in report.notes:
        out.print(f"[yellow]{escape(note)}[/]")


def print_quality(run) -> None:
    words = lexicon("eval")
    table = Table(show_header=True, header_style="bold")
    for n, column in enumerate(words["quality_columns"]):
        table.add_column(column, overflow="fold", no_wrap=n > 0)
    errors = []
    for r in run.rows:
        if r.error:
            table.add_row(escape(r.profile.rsplit(".", 1)[0]), escape(r.system), "[red]失败[/]", "", "", "", "", "", _fmt(r.seconds))
            errors.append(f"{r.profile} · {r.system}：{r.error}")
            continue
        verdict = words["labels"]["pass" if r.structure_ok else "fail"]
        facts = f"{r.facts_covered}/{r.facts_total}" if r.facts_total else words["labels"]["no_value"]
        table.add_row(escape(r.profile.rsplit(".", 1)[0]), escape(r.system), verdict, _fmt(r.copy_rate, "percent"),
                      _fmt(r.specificity), facts, _fmt(r.length_score, "1"), _fmt(r.chars), _fmt(r.seconds, "1"))
    out = console()
    out.print(table)
    for line in errors:
        out.print(f"[red]{escape(line)}[/]")
    for note in run.notes:
        out.print(f"[yellow]{escape(note)}[/]")
