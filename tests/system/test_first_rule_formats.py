"""The first rule per format, fast: a material whose unconfirmed model sentences stand in its text (one of them
twice in a paragraph) read back from every renderer the audit of test_first_rule.py walks — Word, Markdown, the
HTML review report and the review page's pieces — each claim marked wherever it stands."""

from __future__ import annotations

import io

from marks_audit import ANSWER, CLAIMS, leaks_docx, leaks_md, leaks_page

from pipeline.export.docx import build_docx
from pipeline.material.document import Document, Item, Point, Section, render
from pipeline.material.sentences import split_sentences
from pipeline.review.report_html import render_report_html
from pipeline.review.structure import CheckReport

TWICE = CLAIMS[4] + "。"  # 碍于情面不愿较真碰硬。 — a model repeats itself within a paragraph


def material() -> Document:
    text = ANSWER + TWICE + "班子将认真整改。" + TWICE
    sentences = split_sentences(ANSWER) + [TWICE]
    item = Item(marker="（一）", heading="关于政治方面", points=[Point(text=text)])
    return Document(title="某局领导班子对照检查材料", sections=[Section(role="problems", marker="一、", heading="存在的问题", items=[item])],
                    unsourced=[s for s in sentences if s in text])


def test_word_highlights_every_place_a_sentence_stands():
    buffer = io.BytesIO()
    build_docx(material()).save(buffer)
    assert not leaks_docx(buffer.getvalue(), "docx")


def test_markdown_marks_every_place():
    assert not leaks_md(render(material(), markdown=True), "md")


def test_html_review_report_marks_the_sentences():
    document = material()
    page = render_report_html(document, CheckReport(findings=[], ok=False, metrics={}), source="x.md")
    assert 'class="m-unsourced"' in page
    assert not leaks_page(page, "report.html")


def test_a_finding_that_quotes_a_model_sentence_carries_its_mark():
    from marks_audit import leaks_report

    from pipeline.review.structure import Finding
    from pipeline.review.unsourced import check_unsourced, mark_findings

    document = material()
    quoting = [Finding(code="person-absent", severity="error", message=f"问题只写工作，没有落到本人身上：{ANSWER[:30]}"),
               Finding(code="pair-copy", severity="error", message=f"最长重复：“{ANSWER[25:60]}”）")]
    marked = mark_findings([*quoting, *check_unsourced(document)], document.unsourced)
    messages = "\n".join(f.message for f in marked)
    assert leaks_report("\n".join(f.message for f in quoting), "before")  # the audit sees the bare quotes
    assert not leaks_report(messages, "findings") and messages.count("〖无依据：") >= 2
