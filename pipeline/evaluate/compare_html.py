"""The comparison as one self-contained HTML file (inline CSS, no scripts, no external assets)."""

from __future__ import annotations

import html
from pathlib import Path

from pipeline.evaluate.compare import Comparison, display
from pipeline.core.errors import OutputError
from pipeline.core.resources import lexicon

CSS = """
body{margin:0;background:#f4f4f1;color:#222;font:14px/1.6 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif}
main{max-width:1600px;margin:20px auto;padding:0 16px 40px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}h3{font-size:14px;margin:16px 0 6px;color:#333}
.meta{color:#555;font-size:13px}.note{color:#666;font-size:12px}
table{border-collapse:collapse;background:#fff;margin:6px 0}td,th{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f0ea}td.best{color:#1b7f3b;font-weight:bold;background:#eefaf0}td.bad{color:#b3261e}td.absent{color:#777}
.grid{display:grid;gap:8px;overflow-x:auto}
.cell{background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px 10px;min-width:240px;
font-family:"Noto Serif CJK SC","Source Han Serif SC",SimSun,serif;font-size:15px;line-height:1.8}
.cell p{margin:0 0 4px;text-indent:2em}.cell .stat{font:12px sans-serif;color:#666;margin-bottom:4px;text-indent:0}
.cell.absent{color:#777;font-family:sans-serif}
.cell.missing{background:#fdecea;border-color:#e8a29b;color:#b3261e;font-family:sans-serif}
.head{font-weight:bold;background:#f0f0ea;border:1px solid #ddd;border-radius:4px;padding:4px 10px}
@media print{body{background:#fff}}
"""


def _e(text) -> str:
    return html.escape(str(text))


def _metrics_table(comparison: Comparison) -> str:
    words = lexicon("eval")
    head = "".join(f"<th>{_e(d.name)}</th>" for d in comparison.drafts)
    rows = []
    for key, spec in words["metrics"].items():
        if key == "judge_win_rate":
            if comparison.judge is None:
                continue
            values = [f"{s.win_rate:.1%}（{s.chars} 字）" if s.win_rate is not None else words["labels"]["no_value"]
                      for s in comparison.judge.scores]
        else:
            values = [display(d, key) for d in comparison.drafts]
        best = set(comparison.best.get(key, []))
        cells = "".join(f'<td class="best">{_e(v)}</td>' if n in best else f"<td>{_e(v)}</td>" for n, v in enumerate(values))
        rows.append(f"<tr><th>{_e(spec['label'])}</th>{cells}</tr>")
    return f"<table><tr><th>{_e(words['labels']['metric'])}</th>{head}</tr>{''.join(rows)}</table>"


def _sections_table(comparison: Comparison) -> str:
    labels: dict[str, str] = {}
    for draft in comparison.drafts:
        for section in draft.sections:
            labels.setdefault(section.role, section.label)
    head = "".join(f"<th>{_e(d.name)}</th>" for d in comparison.drafts)
    rows = []
    for role, label in labels.items():
        found = [next((s for s in d.sections if s.role == role), None) for d in comparison.drafts]
        scores = [s.length_score for s in found if s is not None and s.length_score is not None]
        top = max(scores) if len(set(scores)) > 1 else None
        cells = []
        for section in found:
            if section is None:
                absent = "missing" if role in comparison.required_roles else "absent"
                cells.append(f'<td class="{"bad" if absent == "missing" else "absent"}">'
                             f'{_e(lexicon("eval")["labels"][absent])}</td>')
                continue
            shown = f"{section.chars}" + (f"（{section.length_score:.0f}）" if section.length_score is not None else "")
            cells.append(f'<td class="best">{_e(shown)}</td>' if top is not None and section.length_score == top
                         else f"<td>{_e(shown)}</td>")
        rows.append(f"<tr><th>{_e(label)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def _aligned(comparison: Comparison) -> str:
    labels = lexicon("eval")["labels"]
    columns = f"grid-template-columns:repeat({len(comparison.drafts)},minmax(240px,1fr))"
    heads = "".join(f'<div class="head">{_e(d.name)}</div>' for d in comparison.drafts)
    parts = [f'<div class="grid" style="{columns}">{heads}</div>']
    for row in comparison.rows:
        missing = row.role == "problems" and ":" in row.key and not row.key.endswith(":intro")
        cells = []
        for cell in row.cells:
            if not cell.present and not row.required:
                cells.append(f'<div class="cell absent">{_e(labels["absent"])}</div>')
                continue
            if not cell.present:
                cells.append(f'<div class="cell missing">{_e(labels["missing_aspect" if missing else "missing"])}</div>')
                continue
            stat = f"{cell.chars} 字" + (f" · 见人见事 {cell.specificity:.2f}" if cell.specificity is not None else "")
            body = "".join(f"<p>{_e(line)}</p>" for line in cell.text.split("\n"))
            cells.append(f'<div class="cell"><p class="stat">{_e(stat)}</p>{body}</div>')
        parts.append(f'<h3 id="{_e(row.key)}">{_e(row.label)}</h3><div class="grid" style="{columns}">{"".join(cells)}</div>')
    return "".join(parts)


def _judge(comparison: Comparison) -> str:
    result = comparison.judge
    if result is None:
        return ""
    labels = lexicon("eval")["labels"]
    names = [d.name for d in comparison.drafts]
    head = "".join(f"<th>{_e(c)}</th>" for c in labels["judge_columns"])
    rows = "".join(f"<tr><td>{_e(s.name)}</td><td>{s.wins}</td><td>{s.ties}</td><td>{s.losses}</td><td>{s.n}</td>"
                   f"<td>{'' if s.win_rate is None else f'{s.win_rate:.1%}'}</td><td>{s.chars}</td></tr>" for s in result.scores)
    pair_head = "".join(f"<th>{_e(c)}</th>" for c in labels["judge_pairs"])

    def said(value, first: int, second: int) -> str:
        return {"A": names[first], "B": names[second], "tie": labels["tie"]}.get(value or "", labels["judge_unparsed"])

    pairs = "".join(
        f"<tr><td>{_e(names[p.first])}</td><td>{_e(names[p.second])}</td><td>{_e(said(p.forward, p.first, p.second))}</td>"
        f"<td>{_e(said(p.backward, p.second, p.first))}</td>"
        f"<td>{_e(names[p.winner] if p.winner is not None else labels['tie'])}</td></tr>" for p in result.pairs)
    stats = [(labels["judge_consistency"], result.consistency), (labels["judge_first_share"], result.first_share)]
    notes = "；".join(f"{k}：{'—' if v is None else f'{v:.0%}'}" for k, v in stats)
    notes += f"；{labels['judge_unparsed']}：{result.unparsed}"
    return (f"<h2>{_e(labels['judge'])}（{_e(result.model)}）</h2><table><tr>{head}</tr>{rows}</table>"
            f"<p class=\"note\">{_e(notes)}</p><table><tr>{pair_head}</tr>{pairs}</table>")


def render_compare_html(comparison: Comparison) -> str:
    labels = lexicon("eval")["labels"]
    title = f"{labels['title']}：" + "、".join(d.name for d in comparison.drafts)
    meta = [f"会议规范：{comparison.spec}（{comparison.spec_name}）" if comparison.spec else "会议规范：未识别"]
    if comparison.profile:
        meta.append(f"单位资料：{comparison.profile}")
    meta += [f"{d.name}：{d.path}" for d in comparison.drafts]
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="generator" content="duizhao"><title>{_e(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}</style></head><body><main>'
            f"<h1>{_e(title)}</h1><div class=\"meta\">{'<br>'.join(_e(m) for m in meta)}</div>"
            f"<h2>{_e(labels['metric'])}</h2>{_metrics_table(comparison)}<p class=\"note\">{_e(labels['best_note'])}</p>"
            f"{_judge(comparison)}<h2>{_e(labels['section_lengths'])}</h2>{_sections_table(comparison)}"
            f"<h2>{_e(labels['aligned'])}</h2>{_aligned(comparison)}</main></body></html>\n")


def write_compare_html(path: str | Path, comparison: Comparison) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_compare_html(comparison), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"无法写入对照报告 {path}：{exc.strerror or exc}") from exc
    return path
