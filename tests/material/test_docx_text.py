"""A .docx returned with 修订 (tracked changes) on reads as Word shows it with the changes accepted: inserted text
in, deleted and moved-away text out, text boxes out as before."""

from __future__ import annotations

import docx
from docx.oxml import parse_xml

from pipeline.material.load import load_document, read_text

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _tracked(paragraph, tag: str, text: str, change_id: int) -> None:
    text_tag = "w:delText" if tag in ("w:del", "w:moveFrom") else "w:t"
    paragraph._p.append(parse_xml(f'<{tag} {W} w:id="{change_id}" w:author="县委督导组" w:date="2026-12-20T10:00:00Z">'
                                  f'<w:r><{text_tag} xml:space="preserve">{text}</{text_tag}></w:r></{tag}>'))


def test_tracked_insertions_count_and_deletions_do_not(tmp_path):
    document = docx.Document()
    document.add_paragraph("城关镇党委领导班子2025年度民主生活会对照检查材料")
    document.add_paragraph("一、存在的问题")
    heading = document.add_paragraph("（一）")
    _tracked(heading, "w:ins", "在政治忠诚方面", 1)
    _tracked(heading, "w:del", "在学习方面", 2)
    body = document.add_paragraph("对上级部署")
    _tracked(body, "w:ins", "传达不及时，", 3)
    body.add_run("有2项工作滞后。")
    _tracked(body, "w:moveFrom", "挪走的句子。", 4)
    _tracked(body, "w:moveTo", "挪来的句子。", 5)
    document.add_paragraph("二、原因分析")
    path = tmp_path / "修订稿.docx"
    document.save(str(path))

    text = read_text(path)
    assert "（一）在政治忠诚方面" in text and "在学习方面" not in text
    assert "对上级部署传达不及时，有2项工作滞后。挪来的句子。" in text and "挪走的句子" not in text
    parsed = load_document(path).document
    problems = parsed.section("problems")
    assert [item.heading for item in problems.items] == ["在政治忠诚方面"]


def test_our_own_export_reads_as_before(tmp_path):
    """Comments, highlights and hyperlinks in duizhao's own .docx change nothing of its text."""
    from pipeline.export.docx import write_docx
    from pipeline.material.document import Document, Point, Section, render

    material = Document(title="某单位对照检查材料", sections=[Section(
        role="problems", marker="一、", heading="存在的问题",
        intro=[Point(text="学习不够深入。资料之外的一句。【待补：具体事例】")])], unsourced=["资料之外的一句。"])
    word = write_docx(material, tmp_path / "草稿.docx")
    assert render(load_document(word).document) == render(material.model_copy(update={"unsourced": []}))
