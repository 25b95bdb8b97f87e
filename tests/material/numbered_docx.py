"""Last year's 对照检查材料 of a unit the tool has not seen, with every "一、" / "（一）" / "1." left to the word
processor's automatic numbering, written the ways clerks' files come: as Word writes a multilevel list linked to
its heading styles, as WPS lays out its .docx, and as LibreOffice saves one (tests/fixtures/last_year/)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml

from pipeline.text.numbering import int_to_cn

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "last_year"
LIBREOFFICE_DOCX = FIXTURES / "水利局党组2023年度对照检查材料-libreoffice.docx"

TITLE = "某县水利局党组2023年度民主生活会对照检查材料"
# (level, text): 0 一、 1 （一） 2 1. — the numbers themselves are never typed; None: a plain paragraph.
LINES: list[tuple[int | None, str]] = [
    (None, "根据县委统一部署，党组班子围绕会议主题，深入查摆问题，剖析根源，现将有关情况报告如下。"),
    (0, "存在的问题"),
    (1, "在理论学习方面"),
    (2, "理论学习不够系统，中心组学习有时以传达文件代替研讨。"),
    (2, "学用结合不够紧密，运用新思想解决防汛抗旱难题的办法不多。"),
    (1, "在担当作为方面"),
    (2, "推进重点水利工程有畏难情绪，灌区续建配套工程进度滞后。"),
    (2, "服务群众不够深入，群众反映的农村饮水问题处理不及时。"),
    (1, "在廉洁自律方面"),
    (2, "工程项目监管不够严格，个别项目变更审核把关不严。"),
    (0, "原因分析"),
    (1, "理想信念有所弱化"),
    (None, "对理论学习的重要性认识不足，满足于学过了、知道了。"),
    (1, "宗旨意识有所淡化"),
    (None, "深入基层调研不够，对群众的急难愁盼感受不深。"),
    (0, "整改措施"),
    (1, "在理论学习方面"),
    (2, "完善党组理论学习中心组学习制度，每季度开展1次专题研讨，由党组书记负责，2024年6月底前完成。"),
    (2, "建立学用结合台账，围绕防汛抗旱形成调研报告3篇，由分管副局长负责，2024年10月底前完成。"),
    (1, "在担当作为方面"),
    (2, "对灌区续建配套工程实行挂图作战，每月调度1次，由工程建设股负责，2024年12月底前完成。"),
    (2, "建立农村饮水问题接诉即办机制，做到件件有回音，由农村水利股负责，2024年3月底前完成。"),
    (1, "在廉洁自律方面"),
    (2, "修订工程项目变更审核办法，实行集体审议，由纪检组长负责，2024年3月底前完成。"),
    (None, "今后，我们将以这次民主生活会为契机，以严的标准、实的作风抓好整改落实。"),
]
SIGNATURE = ["某县水利局党组", "2024年1月15日"]
PROBLEMS = [text.rstrip("。") for level, text in LINES[:LINES.index((0, "原因分析"))] if level == 2]


KINDS = ("word", "wps", "libreoffice")


def auto_numbered(kind: str, folder: Path) -> Path:
    """Last year's material as one of KINDS writes it (the LibreOffice one is the committed fixture)."""
    if kind == "libreoffice":
        return LIBREOFFICE_DOCX
    return {"word": word_docx, "wps": wps_docx}[kind](folder / "上年度材料.docx")


def typed_text() -> str:
    """The same material with its numbers typed in: what the reader must see in each .docx."""
    counters = [0, 0, 0]
    lines = [TITLE]
    for level, text in LINES:
        if level is None:
            lines.append(text)
            continue
        counters[level] += 1
        counters[level + 1:] = [0] * (2 - level)
        number = int_to_cn(counters[level]) if level < 2 else str(counters[level])
        lines.append(("{}、", "（{}）", "{}.")[level].format(number) + text)
    return "\n".join(lines + SIGNATURE) + "\n"


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _lvl(ilvl: int, fmt: str, text: str, style: str = "", extra: str = "") -> str:
    pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{pstyle}{extra}'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>')


def word_docx(path: Path) -> Path:
    """As Word writes it: Heading 1/2 linked to a multilevel list (一、 （一）), each item's points a list of
    their own restarting at 1 (a new w:num over one abstractNum with w:startOverride), and a bullet line."""
    document = docx.Document()
    numbering = document.part.part_related_by(RT.NUMBERING).element
    headings = parse_xml(f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
                         + _lvl(0, "chineseCounting", "%1、", "Heading1", '<w:suff w:val="nothing"/>')
                         + _lvl(1, "chineseCounting", "（%2）", "Heading2", '<w:suff w:val="nothing"/>')
                         + "</w:abstractNum>")
    points = parse_xml(f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="91"><w:multiLevelType w:val="hybridMultilevel"/>'
                       + _lvl(0, "decimal", "%1.") + "</w:abstractNum>")
    bullets = parse_xml(f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="92">' + _lvl(0, "bullet", "\uf0b7")
                        + "</w:abstractNum>")
    first_num = numbering.find(f"{{{W}}}num")
    for element in (headings, points, bullets):
        first_num.addprevious(element) if first_num is not None else numbering.append(element)

    def num(num_id: int, abstract: int, restart: bool = False) -> None:
        override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>' if restart else ""
        numbering.append(parse_xml(f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract}"/>'
                                   f"{override}</w:num>"))

    num(90, 90)
    num(91, 92)
    for style, ilvl in (("Heading 1", 0), ("Heading 2", 1)):
        ppr = document.styles[style].element.get_or_add_pPr()
        ppr.insert(0, parse_xml(f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>'))
    document.add_paragraph(TITLE, style="Title")
    next_num, in_points = 92, False
    for level, text in LINES:
        if level == 2:
            if not in_points:  # Word's "restart at 1": a fresh num for this item's points
                num(next_num, 91, restart=True)
                next_num, in_points = next_num + 1, True
            paragraph = document.add_paragraph(text, style="List Paragraph")
            paragraph._p.get_or_add_pPr().insert(0, parse_xml(
                f'<w:numPr xmlns:w="{W}"><w:ilvl w:val="0"/><w:numId w:val="{next_num - 1}"/></w:numPr>'))
            continue
        in_points = False
        document.add_paragraph(text, style={0: "Heading 1", 1: "Heading 2"}.get(level, "Normal"))
    for line in SIGNATURE:
        document.add_paragraph(line)
    document.save(path)
    return path


_WPS_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm'
            "</Template><Pages>2</Pages><TotalTime>35</TotalTime><ScaleCrop>false</ScaleCrop><LinksUpToDate>false"
            "</LinksUpToDate><Application>WPS Office_11.1.0.11875_F1E327BC-269C-435d-A152-05C5408002CA"
            "</Application><DocSecurity>0</DocSecurity></Properties>")
_WPS_CUSTOM = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
               'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property '
               'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer"><vt:lpwstr>'
               "2052-11.1.0.11875</vt:lpwstr></property></Properties>")
_FONTS = '<w:rFonts w:hint="eastAsia" w:ascii="仿宋_GB2312" w:hAnsi="仿宋_GB2312" w:eastAsia="仿宋_GB2312" w:cs="仿宋_GB2312"/>'


def _wps_paragraph(text: str, style: str = "", num: str = "") -> str:
    ppr = (f'<w:pStyle w:val="{style}"/>' if style else "") + num
    return (f"<w:p><w:pPr>{ppr}<w:spacing w:line=\"560\" w:lineRule=\"exact\"/><w:rPr>{_FONTS}</w:rPr></w:pPr>"
            f'<w:r><w:rPr>{_FONTS}<w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr><w:t>{escape(text)}</w:t></w:r></w:p>')


def _wps_style(style_id: str, name: str, ilvl: int | None) -> str:
    num = f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr>' if ilvl is not None else ""
    return (f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/><w:basedOn w:val="1"/>'
            f'<w:next w:val="1"/><w:qFormat/><w:pPr><w:keepNext/>{num}<w:outlineLvl w:val="{ilvl or 0}"/></w:pPr>'
            f'<w:rPr><w:rFonts w:eastAsia="黑体"/><w:b/></w:rPr></w:style>')


def wps_docx(path: Path) -> Path:
    """Laid out as WPS Office writes a .docx: numeric style ids ("1" Normal, "2" 标题 1, "3" 标题 2) whose pPr
    carry the numbering, a multilevel abstractNum in chineseCounting with w:pStyle links and w:suff nothing,
    eastAsia fonts on every run, the wpsCustomData namespace, app.xml naming WPS Office_11.1 and custom.xml's
    KSOProductBuildVer. Built here, not saved by WPS itself (WPS does not run on this machine): the numbering and
    styles follow those of a .docx saved by WPS Office 11.1.0.11875 found in a public repository, whose own body
    has no numbered paragraph to read. The points are the list's third level ("%3．", full-width dot, restarting
    under each （一）), set on the paragraph itself as WPS does for body text."""
    body = [_wps_paragraph(TITLE)]
    for level, text in LINES:
        if level == 2:
            body.append(_wps_paragraph(text, num='<w:numPr><w:ilvl w:val="2"/><w:numId w:val="1"/></w:numPr>'))
        else:
            body.append(_wps_paragraph(text, {0: "2", 1: "3"}.get(level, "")))  # type: ignore[arg-type]
    body += [_wps_paragraph(line) for line in SIGNATURE]
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}" '
                'xmlns:wpsCustomData="http://www.wps.cn/officeDocument/2013/wpsCustomData"><w:body>'
                + "".join(body) + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W}">'
              '<w:style w:type="paragraph" w:default="1" w:styleId="1"><w:name w:val="Normal"/><w:qFormat/></w:style>'
              + _wps_style("2", "heading 1", 0) + _wps_style("3", "heading 2", 1) + "</w:styles>")
    numbering = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="{W}">'
                 '<w:abstractNum w:abstractNumId="0"><w:nsid w:val="973B66A5"/><w:multiLevelType w:val="multilevel"/>'
                 + _lvl(0, "chineseCounting", "%1、", "2", '<w:suff w:val="nothing"/>')
                 + _lvl(1, "chineseCounting", "（%2）", "3", '<w:suff w:val="nothing"/>')
                 + _lvl(2, "decimal", "%3．", "", '<w:suff w:val="nothing"/>') + "</w:abstractNum>"
                 '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>')
    return _wps_package(path, document, styles, numbering)


def _wps_package(path: Path, document: str, styles: str, numbering: str) -> Path:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{ct}.wordprocessingml.document.main+xml"/>'
        f'<Override PartName="/word/styles.xml" ContentType="{ct}.wordprocessingml.styles+xml"/>'
        f'<Override PartName="/word/numbering.xml" ContentType="{ct}.wordprocessingml.numbering+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>'
        f'<Override PartName="/docProps/custom.xml" ContentType="{ct}.custom-properties+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/extended-properties" Target="docProps/app.xml"/>'
        f'<Relationship Id="rId3" Type="{rel}/custom-properties" Target="docProps/custom.xml"/>'
        f'<Relationship Id="rId4" Type="{rel}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/numbering" Target="numbering.xml"/></Relationships>',
        "docProps/app.xml": _WPS_APP, "docProps/custom.xml": _WPS_CUSTOM,
        "word/document.xml": document, "word/styles.xml": styles, "word/numbering.xml": numbering,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def libreoffice_source(path: Path) -> Path:
    """The .fodt the LibreOffice fixture was converted from: one ODF list over three levels, formats 一, 二, 三
    (which LibreOffice writes to .docx as taiwaneseCountingThousand), （一） and 1."""
    numbered = [i for i, (level, _) in enumerate(LINES) if level is not None]
    before = [text for level, text in LINES[:numbered[0]]]
    after = [text for level, text in LINES[numbered[-1] + 1:]]
    items, depth = ['<text:list text:style-name="L1">'], -1
    for level, text in LINES[numbered[0]:numbered[-1] + 1]:
        if level is None:  # a paragraph of the item above, unnumbered, as a clerk types it under a heading
            items.append(f"<text:p>{escape(text)}</text:p>")
            continue
        if level > depth:
            items.append("<text:list>" * (level - depth - 1) if depth < 0 else "<text:list>" * (level - depth))
        else:
            items.append("</text:list-item></text:list>" * (depth - level) + "</text:list-item>")
        items.append(f"<text:list-item><text:p>{escape(text)}</text:p>")
        depth = level
    items.append("</text:list-item></text:list>" * depth + "</text:list-item></text:list>")
    head = "".join(f"<text:p>{escape(line)}</text:p>" for line in [TITLE, *before])
    tail = "".join(f"<text:p>{escape(line)}</text:p>" for line in after + SIGNATURE)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><office:document '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.text"><office:automatic-styles>'
        '<text:list-style style:name="L1">'
        '<text:list-level-style-number text:level="1" style:num-suffix="、" style:num-format="一, 二, 三, ..."/>'
        '<text:list-level-style-number text:level="2" style:num-prefix="（" style:num-suffix="）" '
        'style:num-format="一, 二, 三, ..."/>'
        '<text:list-level-style-number text:level="3" style:num-suffix="." style:num-format="1"/>'
        "</text:list-style></office:automatic-styles><office:body><office:text>"
        + head + "".join(items) + tail + "</office:text></office:body></office:document>", encoding="utf-8")
    return path
