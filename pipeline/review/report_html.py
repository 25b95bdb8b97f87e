"""The HTML review report: the material with findings in place, copied runs coloured by source.

One self-contained file (inline CSS, no scripts, no external assets) that opens offline in any browser.
"""

from __future__ import annotations

import html
from pathlib import Path

from pipeline.review.structure import CheckReport, Finding, code_name
from pipeline.material.document import Block, layout
from pipeline.text.overlap import RUN_LENGTH
from pipeline.review.content import ContentResult
from pipeline.material.document import Document
from pipeline.core.atomic import write_file

PALETTE = ["#ffc9c9", "#c5dcff", "#c8eec0", "#ffe9a8", "#e3ccff", "#ffd8b0", "#bdecea", "#f7c6e3", "#dcdcdc", "#dde8b5"]
SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
MARK_KINDS = {"unsourced": "资料中没有依据（模型所写，须核实后保留或删除）", "stock": "套话", "concrete": "具体事例", "objective": "客观归因", "redundant": "重复表述"}

CSS = """
body{margin:0;background:#f4f4f1;color:#222;font-family:"Noto Serif CJK SC","Source Han Serif SC","Songti SC",SimSun,serif;}
main{max-width:880px;margin:24px auto;padding:0 16px 48px;}
h1.report{font-size:20px;font-family:sans-serif;margin:0 0 4px}
.meta{font:13px sans-serif;color:#555;margin-bottom:12px}
.verdict-ok{color:#1b7f3b;font-weight:bold}.verdict-bad{color:#b3261e;font-weight:bold}
.panel{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:12px 0;font:14px/1.6 sans-serif}
.panel h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;font:13px sans-serif}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
.legend span.sw{display:inline-block;width:14px;height:14px;vertical-align:-2px;margin-right:4px;border:1px solid #999}
.legend li{list-style:none;margin:2px 0}.legend ul{padding:0;margin:4px 0}
ol.findings{padding-left:20px;margin:0}ol.findings li{margin:3px 0}
.sev{display:inline-block;min-width:2.6em;text-align:center;border-radius:3px;color:#fff;font-size:12px;padding:0 4px;margin-right:4px}
.sev-error{background:#b3261e}.sev-warning{background:#c77700}.sev-info{background:#2f6fb0}
.code{font-size:12px;color:#555}
article{background:#fff;border:1px solid #ddd;padding:40px 56px;font-size:17px;line-height:1.9}
article p{margin:0 0 6px;text-indent:2em;border-left:4px solid transparent;padding-left:6px}
article p.title{text-indent:0;text-align:center;font-size:22px;font-weight:bold;margin-bottom:18px}
article p.heading{text-indent:0;font-family:sans-serif;font-weight:bold;margin-top:14px}
article p.signature{text-align:right;text-indent:0}
article p.flag-error{border-left-color:#b3261e;background:#fff5f4}article p.flag-warning{border-left-color:#e0a100}
article p.flag-info{border-left-color:#2f6fb0}
.notes{margin:0 0 10px 2em;padding:4px 8px;font:13px/1.5 sans-serif;background:#fafaf5;border:1px dashed #ccc}
.notes div{margin:1px 0}
.m-unsourced{background:#ffc6f2;outline:1px dashed #b0208f}
.m-stock{text-decoration:underline wavy #d0342c;text-underline-offset:4px}
.m-concrete{box-shadow:inset 0 -3px #2e9e4f}
.m-objective{color:#c0392b;font-weight:bold}
.m-redundant{border-bottom:2px dotted #7b3fa0}
@media print{body{background:#fff}.panel,article{border:none}}
"""


def block_of(blocks: list[Block], path: list[int]) -> int | None:
    """The paragraph a finding's path points to (the report and the web review place findings with it)."""
    if not path:
        return None
    section, item, point = (list(path) + [None, None])[:3]
    candidates = [n for n, b in enumerate(blocks) if b.section == section and (item is None or b.item == item)]
    if not candidates:
        return None
    if point is not None:
        exact = [n for n in candidates if any(p == point for p, _, _ in blocks[n].points)]
        return (exact or candidates)[0]
    # A section finding sits under its heading; an item finding after the item's text.
    return candidates[0] if item is None else candidates[-1]


def mark_ranges(block: Block, anchor: tuple, phrase: str) -> list[tuple[int, int]]:
    section, item, point = anchor
    if block.section != section or block.item != item or not phrase:
        return []
    spans = [(s, e) for p, s, e in block.points if p == point] if point is not None else [(0, len(block.text))]
    found = []
    for start, end in spans:
        position = block.text.find(phrase, start, end)
        while position >= 0:
            found.append((position, position + len(phrase)))
            position = block.text.find(phrase, position + len(phrase), end)
    return found


def _paragraph(block: Block, owners: list[str | None], colours: dict[str, int], marks: list,
               unsourced: list[str] = ()) -> str:
    kinds: list[set[str]] = [set() for _ in block.text]
    # A sentence the model wrote without support stands out as in the .docx (every place it stands).
    for sentence in (s for s in unsourced if s):
        start = block.text.find(sentence)
        while start >= 0:
            for position in range(start, start + len(sentence)):
                kinds[position].add("unsourced")
            start = block.text.find(sentence, start + len(sentence))
    for mark in marks:
        for start, end in mark_ranges(block, mark.anchor, mark.phrase):
            for position in range(start, end):
                kinds[position].add(mark.kind)
    pieces, position = [], 0
    while position < len(block.text):
        key = (owners[position] if position < len(owners) else None, frozenset(kinds[position]))
        end = position + 1
        while end < len(block.text) and (owners[end] if end < len(owners) else None, frozenset(kinds[end])) == key:
            end += 1
        text = html.escape(block.text[position:end])
        source, marked = key
        classes = [f"m-{k}" for k in sorted(marked)]
        attrs = ""
        if source is not None:
            classes.append(f"src{colours[source]}")
            attrs = f' title="与 {html.escape(source)} 重复"'
        pieces.append(f'<span class="{" ".join(classes)}"{attrs}>{text}</span>' if classes else text)
        position = end
    return "".join(pieces)


def _metrics_panel(report: CheckReport) -> str:
    m = report.metrics
    rows = []
    if "copy_rate" in m:
        rows.append(("查重率（全文）", f"{m['copy_rate']:.1%}（对照 {m.get('copy_corpus_sources', 0)} 篇范文"
                     + (f"，已排除自身 {'、'.join(m['copy_excluded'])}" if m.get("copy_excluded") else "") + "）"))
    if m.get("chars") is not None:
        target = f" / 目标 {m['target_chars']} 字，长度得分 {m['length_score']}" if m.get("target_chars") else ""
        rows.append(("字数", f"{m['chars']} 字{target}"))
    if m.get("specificity_mean") is not None:
        rows.append(("见人见事得分（问题均分）", f"{m['specificity_mean']:.2f}；无具体事例的问题 {m['specificity']['without_case']} 条"))
    rows.append(("发现", f"错误 {report.count('error')} 条，警告 {report.count('warning')} 条，提示 {report.count('info')} 条"))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    sections = "".join(f"<tr><td>{html.escape(s['section'])}</td><td>{s['rate']:.1%}</td></tr>" for s in m.get("copy_sections", []))
    extra = f"<h2>分部分查重率</h2><table><tr><th>部分</th><th>重复率</th></tr>{sections}</table>" if sections else ""
    return f'<section class="panel"><h2>指标</h2><table>{body}</table>{extra}</section>'


def _legend(colours: dict[str, int], report: CheckReport) -> str:
    shares = report.metrics.get("copy_sources", {})
    items = "".join(f'<li><span class="sw src{n}"></span>{html.escape(source)}（{shares.get(source, 0):.1%}）</li>'
                    for source, n in colours.items())
    marks = "".join(f'<li><span class="m-{k}">示例文字</span> {v}</li>' for k, v in MARK_KINDS.items())
    copied = f"<p>与范文重复（连续 {RUN_LENGTH} 字以上）的文字按来源着色：</p><ul>{items}</ul>" if items else "<p>未发现与范文重复的片段。</p>"
    return f'<section class="panel legend"><h2>图例</h2>{copied}<ul>{marks}</ul></section>'


def render_report_html(document: Document, report: CheckReport, content: ContentResult | None = None,
                       source: str = "") -> str:
    blocks = content.blocks if content is not None else layout(document)
    copy = content.copy if content is not None else None
    owners_all = copy.report.owners if copy is not None else []
    order = sorted(copy.report.by_source, key=lambda s: -copy.report.by_source[s]) if copy is not None else []
    colours = {source_name: n % len(PALETTE) for n, source_name in enumerate(order)}
    marks = content.marks if content is not None else []
    placed: dict[int, list[Finding]] = {}
    listed = []
    for finding in report.findings:
        where = block_of(blocks, finding.path)
        if where is not None:
            placed.setdefault(where, []).append(finding)
        listed.append((finding, where))
    items = "".join(
        f'<li><span class="sev sev-{f.severity}">{SEVERITY[f.severity]}</span><span class="code" data-code="{f.code}">{html.escape(code_name(f.code))}</span> '
        + (f'<a href="#b{where}">{html.escape(f.location)}</a>' if where is not None else html.escape(f.location))
        + f"：{html.escape(f.message)}</li>" for f, where in listed)
    paragraphs = []
    for n, block in enumerate(blocks):
        owners = owners_all[block.start : block.start + len(block.text)] if owners_all else []
        classes = [block.kind]
        notes = placed.get(n, [])
        if notes:
            worst = next(s for s in ("error", "warning", "info") if any(f.severity == s for f in notes))
            classes.append(f"flag-{worst}")
        paragraphs.append(f'<p id="b{n}" class="{" ".join(classes)}">{_paragraph(block, owners, colours, marks, document.unsourced)}</p>')
        if notes:
            paragraphs.append('<div class="notes">' + "".join(
                f'<div><span class="sev sev-{f.severity}">{SEVERITY[f.severity]}</span>{html.escape(f.message)}</div>'
                for f in notes) + "</div>")
    swatches = "".join(f".src{n}{{background:{colour}}}" for n, colour in enumerate(PALETTE))
    verdict = '<span class="verdict-ok">通过</span>' if report.ok else '<span class="verdict-bad">未通过</span>'
    title = html.escape(f"审查报告：{source or document.title}")
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="generator" content="duizhao"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{CSS}{swatches}</style></head><body><main>'
            f'<h1 class="report">{title}</h1><div class="meta">{verdict}'
            + (f"；会议规范 {html.escape(report.spec)}" if report.spec else "") + "</div>"
            + _metrics_panel(report) + _legend(colours, report)
            + f'<section class="panel"><h2>发现（{len(listed)} 条）</h2><ol class="findings">{items}</ol></section>'
            + f'<article>{"".join(paragraphs)}</article></main></body></html>\n')


def write_report_html(path: str | Path, document: Document, report: CheckReport, content: ContentResult | None = None,
                      source: str = "") -> Path:
    path = Path(path)
    text = render_report_html(document, report, content, source)

    return write_file(path, text.encode("utf-8"), "HTML 报告")
