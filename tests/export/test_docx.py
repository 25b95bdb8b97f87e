"""Word export: the OOXML that Word/WPS read, the round trip through pipeline.material.load, and a LibreOffice render."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from pipeline.material.document import Document, Item, Point, Section, render_lines
from pipeline.core.errors import InputError, OutputError
from pipeline.export.docx import blocks_of, build_docx, write_docx
from pipeline.material.load import load_document
from pipeline.export.preview import pdf_to_png, preview, soffice_binary, to_pdf
from pipeline.core.resources import data_dir
from pipeline.export.title_break import split_title

SEEDS = sorted(data_dir("corpus").glob("*.txt"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STYLE_NAMES = {"title": "公文标题", "h1": "一级标题", "h2": "二级标题", "h3": "三级标题", "body": "公文正文",
               "signature": "公文落款", "notice": "公文题注"}


def seed(name: str = "001") -> Document:
    path = next(p for p in SEEDS if p.name.startswith(name))
    return load_document(path).document


def with_extras(document: Document) -> Document:
    extra = document.model_copy(deep=True)
    extra.notice = "本稿依据会议要求起草，供班子讨论"
    extra.signature = ["中共某某镇委员会", "2024年1月15日"]
    return extra


def xml(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode("utf-8")


def style_el(document, name: str):
    return document.styles[name].element


def attr(element, path: str, name: str) -> str | None:
    found = element.find(path.replace("w:", W))
    return None if found is None else found.get(qn(f"w:{name}"))


# ---- the file as Word and WPS read it -------------------------------------------------------------------


def test_gbt9704_page_setup():
    out = build_docx(seed())
    section = out.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"


def test_gbt9704_styles_fonts_sizes_spacing():
    out = build_docx(seed())
    expected = {"title": ("方正小标宋简体", "44", "0"), "h1": ("黑体", "32", "200"), "h2": ("楷体_GB2312", "32", "200"),
                "h3": ("仿宋_GB2312", "32", "200"), "body": ("仿宋_GB2312", "32", "200"),
                "notice": ("楷体_GB2312", "28", "0")}
    for key, (font, half_points, first_chars) in expected.items():
        element = style_el(out, STYLE_NAMES[key])
        for slot in ("eastAsia", "ascii", "hAnsi"):
            assert attr(element, "w:rPr/w:rFonts", slot) == font, (key, slot)
        assert attr(element, "w:rPr/w:sz", "val") == half_points, key
        assert attr(element, "w:pPr/w:ind", "firstLineChars") == first_chars, key
        # Exact 28.95 pt lines: 22 lines in the 225 mm 版心.
        assert attr(element, "w:pPr/w:spacing", "line") == "579", key
        assert attr(element, "w:pPr/w:spacing", "lineRule") == "exact", key
    # One blank line after the title, as spacing rather than an empty paragraph.
    assert attr(style_el(out, "公文标题"), "w:pPr/w:spacing", "after") == "579"
    assert attr(style_el(out, "公文标题"), "w:pPr/w:jc", "val") == "center"
    assert attr(style_el(out, "公文落款"), "w:pPr/w:jc", "val") == "right"
    for key in ("h1", "h2", "h3"):
        assert attr(style_el(out, STYLE_NAMES[key]), "w:pPr/w:outlineLvl", "val") is not None
    # Body text is compressed by 0.25 pt so that 28 characters of 3号 fill the 156 mm line.
    defaults = out.styles.element.find(qn("w:docDefaults"))
    assert attr(defaults, "w:rPrDefault/w:rPr/w:spacing", "val") == "-5"
    assert attr(defaults, "w:rPrDefault/w:rPr/w:rFonts", "eastAsia") == "仿宋_GB2312"
    assert attr(defaults, "w:rPrDefault/w:rPr/w:lang", "eastAsia") == "zh-CN"


def test_no_theme_fonts_left(tmp_path):
    path = write_docx(seed(), tmp_path / "a.docx")
    styles = xml(path, "word/styles.xml")
    assert not re.search(r"w:(ascii|hAnsi|eastAsia|cs)[Tt]heme=", styles)


def test_font_table_declares_fallbacks(tmp_path):
    path = write_docx(seed(), tmp_path / "a.docx")
    table = xml(path, "word/fontTable.xml")
    for font, fallback in (("仿宋_GB2312", "仿宋"), ("仿宋", "FangSong"), ("楷体_GB2312", "楷体"), ("黑体", "SimHei")):
        assert re.search(rf'<w:font w:name="{font}"><w:altName w:val="{fallback}"/>', table), font


def test_page_numbers_odd_right_even_left(tmp_path):
    path = write_docx(seed(), tmp_path / "a.docx")
    assert "<w:evenAndOddHeaders/>" in xml(path, "word/settings.xml")
    out = docx.Document(str(path))
    section = out.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        assert paragraph.text == "— 1 —"  # "1" is the PAGE field's cached result
        instr = [t.text for t in paragraph._p.iter(qn("w:instrText"))]
        assert instr == [" PAGE "]
        assert [f.get(qn("w:fldCharType")) for f in paragraph._p.iter(qn("w:fldChar"))] == ["begin", "separate", "end"]
        assert attr(paragraph._p, "w:pPr/w:jc", "val") == align
        sizes = {r.get(qn("w:val")) for r in paragraph._p.iter(qn("w:sz"))}
        fonts = {f.get(qn("w:eastAsia")) for f in paragraph._p.iter(qn("w:rFonts"))}
        assert sizes == {"28"} and fonts == {"宋体"}


def test_paragraphs_are_exactly_the_rendered_lines():
    document = with_extras(seed())
    out = build_docx(document)
    texts = [p.text for p in out.paragraphs]
    assert texts == render_lines(document)
    assert all(text.strip() for text in texts)  # no empty paragraph for the reader to trip on
    names = [p.style.name for p in out.paragraphs]
    assert names[:2] == ["公文标题", "公文题注"] and names[-2:] == ["公文落款", "公文落款"]
    assert names.count("一级标题") == 3
    # The blank line moves below the notice; the signature starts one line below the text.
    assert attr(out.paragraphs[0]._p, "w:pPr/w:spacing", "after") == "0"
    assert attr(out.paragraphs[-2]._p, "w:pPr/w:spacing", "before") == "579"


def test_run_in_heading_keeps_its_font():
    out = build_docx(seed("001"))
    paragraph = next(p for p in out.paragraphs if p.text.startswith("（一）在理论学习方面。一是"))
    assert paragraph.style.name == "公文正文"
    first, *rest = paragraph.runs
    assert first.text == "（一）在理论学习方面。" and first.style.name == "二级标题 Char"
    assert rest and all(run.style.name != "二级标题 Char" for run in rest)
    char_style = out.styles["二级标题 Char"].element
    assert attr(char_style, "w:rPr/w:rFonts", "eastAsia") == "楷体_GB2312"
    # Linked to the paragraph style, so restyling 二级标题 in Word carries over.
    assert attr(char_style, "w:link", "val") == out.styles["二级标题"].style_id
    # A heading on its own line (seed 002) gets the heading style itself.
    own = next(p for p in build_docx(seed("002")).paragraphs if p.text == "（一）在理论学习方面")
    assert own.style.name == "二级标题"


def test_level3_heading_only_for_short_numbered_lines():
    document = Document(title="标题", sections=[Section(role="measures", marker="三、", heading="整改措施", items=[
        Item(marker="（一）", heading="强化理论武装", points=[
            Point(marker="1.", text="加强理论学习"),
            Point(text="坚持每月集中学习一次。"),
            Point(marker="2.", text="建立学习台账。每季度通报一次，年底考评。"),
        ])])])
    styles = [(b.style, b.text) for b in blocks_of(document)]
    assert styles[-3:] == [("h3", "1.加强理论学习"), ("body", "坚持每月集中学习一次。"),
                           ("body", "2.建立学习台账。每季度通报一次，年底考评。")]


@pytest.mark.parametrize(("title", "lines"), [
    ("2023年主题教育专题民主生活会班子对照检查材料", ("2023年主题教育专题民主生活会", "班子对照检查材料")),
    # Balance wins over the upper-line-longer shape: 12.5 em over 15 em, not 17.5 over 10.
    ("党支部2021年党史学习教育组织生活会“四个对照”检查材料", ("党支部2021年党史学习教育", "组织生活会“四个对照”检查材料")),
    ("中共某某县机关事务管理局党组2024年度民主生活会领导班子对照检查材料",
     ("中共某某县机关事务管理局党组2024年度", "民主生活会领导班子对照检查材料")),
    ("肃清流毒影响专题组织生活会对照检查材料", None),  # 19 characters fit on one line of 2号
])
def test_title_breaks_between_words(title, lines):
    assert split_title(title, 20.1) == lines


def test_long_title_paragraph_is_narrowed_to_its_first_line():
    out = build_docx(seed("002"))
    title = out.paragraphs[0]
    left, right = (int(attr(title._p, "w:pPr/w:ind", side)) for side in ("left", "right"))
    assert left == right > 0
    # What is left is the first line (14.25 em of 2号: 2023 is 2 em and ¼ em of spacing) plus less than a character.
    room = (156 / 25.4 * 72 * 20 - left - right) / 20 / 22
    assert 14.25 < room < 15.25
    assert title.text == "2023年主题教育专题民主生活会班子对照检查材料"


def test_plain_layout():
    out = build_docx(with_extras(seed()), layout="plain")
    body = style_el(out, "公文正文")
    assert attr(body, "w:rPr/w:rFonts", "eastAsia") == "宋体"
    assert attr(body, "w:rPr/w:sz", "val") == "24"
    assert attr(body, "w:pPr/w:ind", "firstLineChars") == "200"
    assert attr(body, "w:pPr/w:spacing", "line") == "440"  # exact 22 pt
    assert round(out.sections[0].top_margin.mm, 1) == 25.4
    assert not out.settings.odd_and_even_pages_header_footer
    assert attr(out.sections[0].footer.paragraphs[0]._p, "w:pPr/w:jc", "val") == "center"


def test_unknown_layout_is_an_input_error():
    with pytest.raises(InputError, match="版式"):
        build_docx(seed(), layout="a4")


# ---- round trip through the reader ----------------------------------------------------------------------


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("layout", ["gbt9704", "plain"])
def test_round_trip_through_load(tmp_path, path, layout):
    document = load_document(path).document
    written = write_docx(document, tmp_path / f"{path.stem}.docx", layout)
    assert load_document(written).document == document


def test_round_trip_with_notice_and_signature(tmp_path):
    document = with_extras(seed("003"))
    assert load_document(write_docx(document, tmp_path / "x.docx")).document == document


# ---- writing ---------------------------------------------------------------------------------------------


def test_write_replaces_atomically(tmp_path):
    target = tmp_path / "out.docx"
    write_docx(seed("001"), target)
    first = target.stat().st_ino
    write_docx(seed("002"), target)
    assert load_document(target).document == seed("002")
    assert target.stat().st_ino != first  # a new file moved into place, not the old one rewritten
    assert [p.name for p in tmp_path.iterdir()] == ["out.docx"]


def test_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="输出目录不存在"):
        write_docx(seed(), tmp_path / "nope" / "out.docx")


def test_target_is_a_folder(tmp_path):
    with pytest.raises(OutputError, match="是一个目录"):
        write_docx(seed(), tmp_path)


@pytest.mark.parametrize("lock", ["~$out.docx", "~$t.docx", ".~lock.out.docx#"])
def test_open_document_is_refused(tmp_path, lock):
    target = tmp_path / "out.docx"
    write_docx(seed("002"), target)
    before = target.read_bytes()
    (tmp_path / lock).write_text("owner")
    with pytest.raises(OutputError, match="正被") as caught:
        write_docx(seed("001"), target)
    assert "\n" not in str(caught.value)
    assert target.read_bytes() == before


def test_no_permission(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        # root ignores mode bits; an immutable folder refuses even root
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
            pytest.skip("running as root and chattr +i is unavailable on this file system")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o500)
        undo = ["chmod", "700", str(folder)]
    try:
        with pytest.raises(OutputError, match="没有写入权限"):
            write_docx(seed(), folder / "out.docx")
        assert list(folder.iterdir()) == []
    finally:
        subprocess.run(undo, check=True)


# ---- rendering -------------------------------------------------------------------------------------------

needs_soffice = pytest.mark.soffice


def pdf_lines(pdf: Path) -> list[list[tuple[float, float, float, str]]]:
    """Per page, its text lines as (yMin, xMin, xMax, text) from pdftotext's bounding boxes."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        lines = []
        for line in re.findall(r"<line (.*?)</line>", page, re.S):
            box = [float(re.search(rf'{key}="([\d.]+)"', line)[1]) for key in ("yMin", "xMin", "xMax")]
            lines.append((*box, "".join(re.findall(r">([^<]*)</word>", line))))
        pages.append(lines)
    return pages


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every seed in the 公文 layout, one with a notice and signature, rendered once for the module."""
    folder = tmp_path_factory.mktemp("render")
    results = {}
    for path in SEEDS:
        document = load_document(path).document
        if path.name.startswith("003"):
            document = with_extras(document)
        written = write_docx(document, folder / f"{path.name[:3]}.docx")
        results[path.name[:3]] = (document, to_pdf(written, folder))
    return results


@needs_soffice
@pytest.mark.slow
def test_render_is_a4_with_all_text(rendered):
    for name, (document, pdf) in rendered.items():
        info = pdf_info(pdf)
        width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
        assert (round(width), round(height)) == (595, 842), name  # A4 in points
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = int(info["Pages"].strip())
        numbers = re.findall(r"—\s*(\d+)\s*—", text)
        assert numbers == [str(n) for n in range(1, pages + 1)], name
        # Every character of the document is on the page, none dropped (e.g. punctuation hung in the margin).
        printed = re.sub(r"\s", "", re.sub(r"—\s*\d+\s*—", "", text))
        assert printed == re.sub(r"\s", "", "".join(render_lines(document))), name


@needs_soffice
@pytest.mark.slow
def test_render_has_the_22_by_28_grid(rendered):
    top, bottom = 37 / 25.4 * 72, 842 - 35 / 25.4 * 72
    for name, (document, pdf) in rendered.items():
        pages = pdf_lines(pdf)
        body = [[line for line in page if line[0] < bottom] for page in pages]
        assert all(len(page) <= 22 for page in body), name
        assert all(page[0][0] >= top - 1 for page in body if page), name
        # Lines inside a paragraph are 28.95 pt apart.
        gaps = [round(b[0] - a[0], 1) for page in body[1:] for a, b in zip(page, page[1:])]
        assert gaps.count(29.0) + gaps.count(28.9) > 0.8 * len(gaps), name
        # A full line of Chinese text holds 28 characters.
        full = [t for page in body for _, x, _, t in page if x < 28 / 25.4 * 72 + 2 and not re.search(r"[ -~]", t)]
        lengths = sorted({len(t) for t in full})
        assert lengths[-1] == 28 and sum(len(t) == 28 for t in full) > 0.6 * len(full), name
        # Page count as the grid predicts it (a page or so of slack for headings kept with their text).
        lines = sum(math.ceil((len(b.text) + (2 if b.style in ("body", "h1", "h2", "h3") else 0)) / 28)
                    for b in blocks_of(document))
        assert abs(len(pages) - math.ceil(lines / 22)) <= 1, name


@needs_soffice
@pytest.mark.slow
def test_render_centres_title_and_indents_paragraphs(rendered):
    document, pdf = rendered["003"]
    first = pdf_lines(pdf)[0]
    left, right = 28 / 25.4 * 72, 595.3 - 26 / 25.4 * 72
    title_lines, seen = [], ""
    for line in first:
        if seen == document.title:
            break
        title_lines.append(line)
        seen += line[3]
    assert seen == document.title
    # Broken between words, upper line the longer, as planned.
    assert tuple(line[3] for line in title_lines) == ("党支部2021年党史学习教育", "组织生活会“四个对照”检查材料")
    for _, x0, x1, _ in title_lines:  # each title line centred in the 版心, within one character
        assert abs((x0 - left) - (right - x1)) < 22
    notice = first[len(title_lines)]
    assert notice[3] == f"【{document.notice}】" and abs((notice[1] - left) - (right - notice[2])) < 14
    preamble = next(line for line in first if line[3].startswith(document.sections[0].intro[0].text[:6]))
    assert abs(preamble[1] - left - 32) < 2  # indented two characters of 3号
    # One blank line under the notice (glyph boxes of 4号 and 3号 sit differently in their lines).
    assert 1.6 * 28.95 < preamble[0] - notice[0] < 2.4 * 28.95


@needs_soffice
@pytest.mark.slow
def test_png_pages(tmp_path, rendered):
    pages = pdf_to_png(rendered["002"][1], tmp_path / "png", dpi=40)
    assert len(pages) == int(pdf_info(rendered["002"][1])["Pages"]) and all(p.suffix == ".png" for p in pages)
    assert pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_preview_of_missing_file(tmp_path):
    with pytest.raises(InputError, match="文件不存在"):
        preview(tmp_path / "none.docx", tmp_path)


# ---- command line ----------------------------------------------------------------------------------------


def test_cli_export_text_json_and_draft(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    runner = CliRunner()
    source = next(p for p in SEEDS if p.name.startswith("004"))
    result = runner.invoke(app, ["export", str(source), "-o", str(tmp_path / "a.docx"), "--layout", "plain"])
    assert result.exit_code == 0, result.output
    assert load_document(tmp_path / "a.docx").document == seed("004")
    document = with_extras(seed("001"))
    (tmp_path / "doc.json").write_text(document.model_dump_json(), encoding="utf-8")
    (tmp_path / "draft.json").write_text('{"document": %s, "system": "offline"}' % document.model_dump_json(),
                                         encoding="utf-8")
    for name in ("doc.json", "draft.json"):
        result = runner.invoke(app, ["export", str(tmp_path / name), "-o", str(tmp_path / f"{name}.docx")])
        assert result.exit_code == 0, result.output
        assert load_document(tmp_path / f"{name}.docx").document == document
    result = runner.invoke(app, ["export", str(source), "-o", str(tmp_path / "missing" / "a.docx")])
    assert result.exit_code == 2 and "输出目录不存在" in result.output


@needs_soffice
@pytest.mark.slow
def test_cli_preview(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    write_docx(seed("002"), tmp_path / "m.docx")
    result = CliRunner().invoke(app, ["preview", str(tmp_path / "m.docx"), "--dpi", "30"])
    assert result.exit_code == 0, result.output
    shown = sorted(p.name for p in (tmp_path / "m-preview").iterdir() if not p.name.startswith("."))
    assert shown[:2] == ["m-1.png", "m-2.png"]
