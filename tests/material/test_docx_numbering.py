"""Automatic list numbering read back from .docx: the "一、" / "（一）" / "1." Word, WPS and LibreOffice draw from
numbering.xml are part of the text the parser sees, as they are of the page the clerk sees."""

from __future__ import annotations

import subprocess
import tempfile
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml

from pipeline.export.preview import soffice_binary
from pipeline.material.docx_numbering import format_number
from pipeline.material.load import read_text
from tests.material.numbered_docx import LIBREOFFICE_DOCX, TITLE, W, libreoffice_source, typed_text, word_docx, wps_docx


@pytest.mark.parametrize(("number", "fmt", "shown"), [
    (11, "chineseCounting", "十一"), (20, "japaneseCounting", "二十"), (105, "chineseCountingThousand", "一百零五"),
    (3, "taiwaneseCountingThousand", "三"), (10, "ideographDigital", "一〇"), (2, "ideographTraditional", "乙"),
    (3, "decimalEnclosedCircle", "③"), (3, "decimalEnclosedCircleChinese", "③"), (28, "lowerLetter", "bb"),
    (2, "upperLetter", "B"), (4, "upperRoman", "IV"), (12, "decimalFullWidth", "１２"), (7, "decimal", "7"),
    (7, "someFormatNotKnown", "7"),
])
def test_each_number_format_as_the_word_processor_shows_it(number, fmt, shown):
    assert format_number(number, fmt) == shown


def test_a_word_file_numbered_by_its_heading_styles_reads_as_if_typed(tmp_path):
    path = word_docx(tmp_path / "word.docx")
    # The file really holds no typed numbers: python-docx alone sees bare headings.
    assert "存在的问题" in [p.text for p in docx.Document(str(path)).paragraphs]
    assert read_text(path) == typed_text().rstrip("\n")


def test_a_wps_laid_out_file_reads_with_its_full_width_points(tmp_path):
    text = read_text(wps_docx(tmp_path / "wps.docx"))
    assert text == typed_text().rstrip("\n").replace("\n1.", "\n1．").replace("\n2.", "\n2．")


def test_the_libreoffice_file_reads_as_if_typed():
    with zipfile.ZipFile(LIBREOFFICE_DOCX) as archive:
        assert "LibreOffice" in archive.read("docProps/app.xml").decode()
        body = archive.read("word/document.xml").decode()
        numbering = archive.read("word/numbering.xml").decode()
    assert "<w:numPr>" in body and "一、" not in body and "taiwaneseCountingThousand" in numbering
    assert read_text(LIBREOFFICE_DOCX) == typed_text().rstrip("\n")


@pytest.mark.slow
@pytest.mark.skipif(not soffice_binary(), reason="LibreOffice (soffice) missing: run .ci/install-system.sh")
def test_the_libreoffice_fixture_is_what_libreoffice_makes_of_its_source(tmp_path):
    source = libreoffice_source(tmp_path / "材料.fodt")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice_binary(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "docx:MS Word 2007 XML", "--outdir", str(tmp_path), str(source)],
                       check=True, capture_output=True, timeout=180)
    assert read_text(tmp_path / "材料.docx") == read_text(LIBREOFFICE_DOCX)


def _numbered(tmp_path, levels: str, nums: str, paragraphs: list[tuple[str, str]], style_num: str = ""):
    """A small .docx: `levels` one abstractNum's w:lvl elements, `nums` its w:num elements, paragraphs (numPr
    XML or "", text; "style" or "style:<numPr XML>" for a Heading 1 paragraph); `style_num` puts a numPr on
    Heading 1."""
    document = docx.Document()
    numbering = document.part.part_related_by(RT.NUMBERING).element
    for child in list(numbering):
        numbering.remove(child)
    numbering.append(parse_xml(f'<w:abstractNum xmlns:w="{W}" xmlns:mc="{MC}" w:abstractNumId="7">{levels}</w:abstractNum>'))
    for num in parse_xml(f'<w:x xmlns:w="{W}">{nums}</w:x>'):
        numbering.append(num)
    if style_num:
        document.styles["Heading 1"].element.get_or_add_pPr().insert(0, parse_xml(
            f'<w:numPr xmlns:w="{W}">{style_num}</w:numPr>'))
    document.add_paragraph(TITLE)
    for num_pr, text in paragraphs:
        paragraph = document.add_paragraph(text, style="Heading 1" if num_pr.startswith("style") else None)
        num_pr = num_pr.removeprefix("style").removeprefix(":")
        if num_pr:
            paragraph._p.get_or_add_pPr().insert(0, parse_xml(f'<w:numPr xmlns:w="{W}">{num_pr}</w:numPr>'))
    path = tmp_path / "n.docx"
    document.save(path)
    return read_text(path).split("\n")[1:]


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _lvl(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{extra}'
            f'<w:lvlText w:val="{text}"/></w:lvl>')


def _pr(num: int, ilvl: int | None = 0) -> str:
    return (f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else "") + f'<w:numId w:val="{num}"/>'


def test_lists_sharing_a_definition_continue_unless_restarted(tmp_path):
    nums = ('<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="7"/>'
            '</w:num><w:num w:numId="3"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0">'
            '<w:startOverride w:val="1"/></w:lvlOverride></w:num>')
    lines = _numbered(tmp_path, _lvl(0, "chineseCounting", "（%1）", start=2), nums,
                      [(_pr(1), "甲"), (_pr(2), "乙"), ("", "正文"), (_pr(3), "丙"), (_pr(3), "丁")])
    assert lines == ["（二）甲", "（三）乙", "正文", "（一）丙", "（二）丁"]


def test_a_higher_level_restarts_the_lower_and_a_legal_list_shows_decimals(tmp_path):
    levels = (_lvl(0, "chineseCounting", "第%1章") + _lvl(1, "decimal", "%1.%2", extra="<w:isLgl/>")
              + _lvl(2, "lowerLetter", "%3)", extra='<w:lvlRestart w:val="0"/>'))
    lines = _numbered(tmp_path, levels, '<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>',
                      [(_pr(1, 0), "总则"), (_pr(1, 1), "甲"), (_pr(1, 2), "子"), (_pr(1, 0), "分则"),
                       (_pr(1, 1), "乙"), (_pr(1, 2), "丑")])
    assert lines == ["第一章 总则", "1.1 甲", "a)子", "第二章 分则", "2.1 乙", "b)丑"]


def test_style_numbering_bullets_empty_items_and_numbering_switched_off(tmp_path):
    levels = _lvl(0, "chineseCounting", "%1、") + _lvl(1, "chineseCounting", "（%2）") + _lvl(2, "bullet", "\uf0b7")
    lines = _numbered(tmp_path, levels, '<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>',
                      [("style", "存在的问题"), (_pr(1, 2), "要点"), (_pr(1, 0), ""), ("style", "整改措施"),
                       ("style:" + '<w:ilvl w:val="1"/>', "样式的列表，本段的级别"), (_pr(0), "不编号的标题"),
                       (_pr(1, None), "直接编号，级别取默认")], style_num=_pr(1))
    # An empty numbered paragraph shows 二、 in Word, so the next heading is 三、.
    assert lines == ["一、存在的问题", "要点", "三、整改措施", "（一）样式的列表，本段的级别", "不编号的标题",
                     "四、直接编号，级别取默认"]


def test_a_numbering_part_that_names_missing_lists_reads_as_plain_text(tmp_path):
    lines = _numbered(tmp_path, _lvl(0, "decimal", "%1."), '<w:num w:numId="1"><w:abstractNumId w:val="99"/></w:num>',
                      [(_pr(1), "无定义的列表"), (_pr(5), "无此编号")])
    assert lines == ["无定义的列表", "无此编号"]


def test_a_word_2010_custom_format_is_read_through_its_fallback(tmp_path):
    custom = (f'<w:lvl w:ilvl="0"><w:start w:val="1"/><mc:AlternateContent><mc:Choice Requires="w14">'
              '<w:numFmt w:val="custom" w:format="01, 02, 03, ..."/></mc:Choice><mc:Fallback>'
              '<w:numFmt w:val="decimalZero"/></mc:Fallback></mc:AlternateContent><w:lvlText w:val="%1、"/></w:lvl>')
    lines = _numbered(tmp_path, custom, '<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>',
                      [(_pr(1), "第一项"), (_pr(1), "第二项")])
    assert lines == ["01、第一项", "02、第二项"]


def test_a_paragraph_naming_no_style_takes_the_default_styles_numbering(tmp_path):
    document = docx.Document()
    numbering = document.part.part_related_by(RT.NUMBERING).element
    numbering.append(parse_xml(f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="7">'
                               f'{_lvl(0, "decimalEnclosedCircle", "%1")}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="70"><w:abstractNumId w:val="7"/></w:num>'))
    document.styles["Normal"].element.get_or_add_pPr().insert(0, parse_xml(
        f'<w:numPr xmlns:w="{W}">{_pr(70)}</w:numPr>'))
    for text in ("甲", "乙"):
        document.add_paragraph(text)
    document.save(tmp_path / "d.docx")
    assert read_text(tmp_path / "d.docx").split("\n") == ["①甲", "②乙"]
