"""The sentence record's marks in the formats users keep: the .md notation and the .docx highlight are written
and read back to the same unconfirmed sentences."""

from __future__ import annotations

from pipeline.export.docx import write_docx
from pipeline.material.document import Document, Point, Section, render
from pipeline.material.load import load_document
from pipeline.material.sentences import mark_text, split_sentences, unmark_text

CLAIM = "资料之外的一句，有_下划线。"
DOCUMENT = Document(title="某单位对照检查材料", sections=[Section(
    role="problems", marker="一、", heading="存在的问题",
    intro=[Point(text=f"按**要求学习不够。{CLAIM}现将情况报告如下：【待补：具体事例。见附件】")])], unsourced=[CLAIM])


def test_sentences_split_whole_and_keep_slots_intact():
    text = DOCUMENT.sections[0].intro[0].text
    parts = split_sentences(text)
    assert "".join(parts) == text
    assert parts == ["按**要求学习不够。", CLAIM, "现将情况报告如下：", "【待补：具体事例。见附件】"]


def test_notation_round_trip():
    marked = mark_text("甲。乙。甲。", ["甲。"])
    assert marked == "〖无依据：甲。〗乙。〖无依据：甲。〗"
    assert unmark_text(marked) == ("甲。乙。甲。", ["甲。", "甲。"])
    assert mark_text(marked, ["甲。"]) == marked  # marking twice changes nothing


def test_md_and_docx_give_the_marked_sentences_back(tmp_path):
    md = tmp_path / "草稿.md"
    md.write_text(render(DOCUMENT, markdown=True), encoding="utf-8")
    assert "〖无依据：资料之外的一句，有\\_下划线。〗" in md.read_text(encoding="utf-8")
    read = load_document(md).document
    assert read.unsourced == [CLAIM] and "〖" not in render(read)
    word = write_docx(DOCUMENT, tmp_path / "草稿.docx")
    assert load_document(word).document.unsourced == [CLAIM]
    assert load_document(write_docx(read.model_copy(update={"unsourced": []}), tmp_path / "核实后.docx")).document.unsourced == []


def test_a_quote_of_a_model_sentence_is_marked_and_nothing_else():
    from pipeline.material.sentences import mark_quote

    model = ["有的支部“三会一课”质量不高，政绩观存在偏差。", "这些支部书记大多是业务骨干和学科带头人。"]
    # A run across two sentences: each stretch marked; a short quoted clause too; the unit's words never.
    assert mark_quote("最长重复：“这些支部书记大多是业务骨干和学科带头人。有的支部“三会一课”）", model) == \
        "最长重复：“〖无依据：这些支部书记大多是业务骨干和学科带头人。〗〖无依据：有的支部“三会一课”〗）"
    assert mark_quote("没有的问题：“政绩观存在偏差”", model) == "没有的问题：“〖无依据：政绩观存在偏差〗”"
    assert mark_quote("全年发文87件，比去年同期多19件", model) == "全年发文87件，比去年同期多19件"
    assert mark_quote("“支部”", model) == "“支部”"  # shorter than a clause: a word any text shares
    assert mark_quote("政绩观存在偏差", []) == "政绩观存在偏差"


def test_a_docx_sentence_keeps_counting_while_either_its_colour_or_its_comment_stands(tmp_path):
    """A clerk in Word may clear the pink and leave the comment, or delete the comment and leave the pink."""
    import docx

    word = write_docx(DOCUMENT, tmp_path / "草稿.docx")
    uncoloured = docx.Document(str(word))
    for paragraph in uncoloured.paragraphs:
        for run in paragraph.runs:
            run.font.highlight_color = None
    uncoloured.save(str(tmp_path / "去掉底纹.docx"))
    assert load_document(tmp_path / "去掉底纹.docx").document.unsourced == [CLAIM]

    uncommented = docx.Document(str(word))
    for comment in uncommented.comments:
        comment._comment_elm.getparent().remove(comment._comment_elm)
    uncommented.save(str(tmp_path / "删去批注.docx"))
    assert load_document(tmp_path / "删去批注.docx").document.unsourced == [CLAIM]

    for paragraph in uncoloured.paragraphs:  # both cleared: confirmed
        for node in paragraph._p.xpath(".//w:commentRangeStart | .//w:commentRangeEnd"):
            node.getparent().remove(node)
    uncoloured.save(str(tmp_path / "核实后.docx"))
    assert load_document(tmp_path / "核实后.docx").document.unsourced == []
