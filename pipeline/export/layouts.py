"""Page and paragraph layouts for the Word export, and the OOXML details python-docx does not cover.

`gbt9704` follows GB/T 9704-2012 (党政机关公文格式): A4, 版心 156×225 mm, 3号仿宋 body on a 22 × 28 grid.
`plain` is a simple readable layout for drafts that are not printed as 公文.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

Align = Literal["left", "center", "right", "both"]
PageNumbers = Literal["odd-even", "center"]


@dataclass(frozen=True)
class ParaStyle:
    """One named paragraph style. Sizes in pt; indents and spacing in characters or lines of the layout."""

    style_id: str
    name: str
    font: str
    size: float
    align: Align = "both"
    first_line_chars: int = 2
    right_chars: int = 0
    lines_before: float = 0
    lines_after: float = 0
    outline_level: int | None = None  # 0-based, as in w:outlineLvl
    keep_next: bool = False
    bold: bool = False
    # Off for sizes other than the body's: they keep their natural character width and leave the line grid.
    on_grid: bool = True
    line_pt: float | None = None  # its own exact line height, where the layout's would be too tight


@dataclass(frozen=True)
class Layout:
    name: str
    page_mm: tuple[float, float]
    margins_mm: tuple[float, float, float, float]  # top, bottom, left, right
    header_mm: float
    footer_mm: float
    body_font: str
    body_size: float
    # Exact line height: the same line breaks and page count in Word, WPS and LibreOffice, whatever the
    # fallback font's own line height.
    line_pt: float
    chars_per_line: int | None  # a character grid (linesAndChars) when set
    page_numbers: PageNumbers
    page_number_font: str
    page_number_size: float
    styles: dict[str, ParaStyle] = field(default_factory=dict)


# Fonts the standard names, with the names Windows and WPS ship as fallbacks (w:altName in the font table).
FALLBACKS: dict[str, str] = {
    "仿宋_GB2312": "仿宋",
    "仿宋": "FangSong",
    "楷体_GB2312": "楷体",
    "楷体": "KaiTi",
    "方正小标宋简体": "华文中宋",
    "华文中宋": "STZhongsong",
    "黑体": "SimHei",
    "宋体": "SimSun",
}

_FS, _KAI, _HEI, _XBS, _SONG = "仿宋_GB2312", "楷体_GB2312", "黑体", "方正小标宋简体", "宋体"

GBT9704 = Layout(
    name="gbt9704",
    page_mm=(210, 297),
    margins_mm=(37, 35, 28, 26),
    header_mm=15,
    # The page number sits 7 mm below the 版心 (35 mm): its 14pt line ends about 22 mm above the paper edge.
    footer_mm=22,
    body_font=_FS,
    body_size=16,
    line_pt=28.95,
    chars_per_line=28,
    page_numbers="odd-even",
    page_number_font=_SONG,
    page_number_size=14,
    styles={
        "title": ParaStyle("DzTitle", "公文标题", _XBS, 22, "center", 0, lines_after=1, outline_level=0,
                           keep_next=True, on_grid=False),
        "notice": ParaStyle("DzNotice", "公文题注", _KAI, 14, "center", 0, lines_after=1, keep_next=True,
                            on_grid=False),
        "h1": ParaStyle("DzHeading1", "一级标题", _HEI, 16, outline_level=1, keep_next=True),
        "h2": ParaStyle("DzHeading2", "二级标题", _KAI, 16, outline_level=2, keep_next=True),
        "h3": ParaStyle("DzHeading3", "三级标题", _FS, 16, outline_level=3, keep_next=True),
        "body": ParaStyle("DzBody", "公文正文", _FS, 16),
        "signature": ParaStyle("DzSignature", "公文落款", _FS, 16, "right", 0, right_chars=2),
    },
)

PLAIN = Layout(
    name="plain",
    page_mm=(210, 297),
    margins_mm=(25.4, 25.4, 31.8, 31.8),
    header_mm=15,
    footer_mm=17.5,
    body_font=_SONG,
    body_size=12,
    line_pt=22,  # about 1.5 lines of 小四
    chars_per_line=None,
    page_numbers="center",
    page_number_font=_SONG,
    page_number_size=10.5,
    styles={
        "title": ParaStyle("DzTitle", "公文标题", _HEI, 18, "center", 0, lines_after=1, outline_level=0,
                           keep_next=True, line_pt=28),
        "notice": ParaStyle("DzNotice", "公文题注", _KAI, 12, "center", 0, lines_after=1, keep_next=True),
        "h1": ParaStyle("DzHeading1", "一级标题", _HEI, 14, outline_level=1, keep_next=True, lines_before=0.5),
        "h2": ParaStyle("DzHeading2", "二级标题", _KAI, 12, outline_level=2, keep_next=True),
        "h3": ParaStyle("DzHeading3", "三级标题", _SONG, 12, outline_level=3, keep_next=True),
        "body": ParaStyle("DzBody", "公文正文", _SONG, 12),
        "signature": ParaStyle("DzSignature", "公文落款", _SONG, 12, "right", 0, right_chars=2),
    },
)

LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (GBT9704, PLAIN)}

# Child order of w:pPr / w:rPr in the schema: Word refuses files whose children are out of order.
_PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
    "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()
_RPR_ORDER = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs "
    "em lang eastAsianLayout specVanish oMath"
).split()
_TBLPR_ORDER = ("tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
                "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription").split()
_EDGES = ("top", "start", "left", "bottom", "end", "right", "insideH", "insideV")
_ORDERS = {"pPr": _PPR_ORDER, "rPr": _RPR_ORDER, "tblPr": _TBLPR_ORDER, "tblBorders": _EDGES, "tblCellMar": _EDGES}


def twips(pt: float) -> str:
    return str(round(pt * 20))


def child(parent, tag: str, **attrs: str):
    """Get or create `w:tag` under `parent` at its schema position, then set `attrs` (w: names)."""
    element = parent.find(qn(f"w:{tag}"))
    if element is None:
        element = OxmlElement(f"w:{tag}")
        order = _ORDERS[parent.tag.rsplit("}", 1)[1]]
        later = order[order.index(tag) + 1 :]
        anchor = next((c for c in parent if c.tag.rsplit("}", 1)[1] in later), None)
        if anchor is None:
            parent.append(element)
        else:
            anchor.addprevious(element)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def char_spacing(layout: Layout) -> int:
    """Character spacing in twentieths of a point that fits `chars_per_line` body characters on a line.

    156 mm over 28 characters is 15.79 pt each, a little under 3号 (16 pt): -0.25 pt per character."""
    if not layout.chars_per_line:
        return 0
    return math.floor((text_width_pt(layout) / layout.chars_per_line - layout.body_size) * 20)


def text_width_pt(layout: Layout) -> float:
    return (layout.page_mm[0] - layout.margins_mm[2] - layout.margins_mm[3]) / 25.4 * 72


def set_fonts(rpr, font: str, size: float | None = None, bold: bool | None = None) -> None:
    """All four font slots, so Chinese text gets the font too (run.font.name sets only ascii/hAnsi)."""
    fonts = child(rpr, "rFonts", ascii=font, hAnsi=font, eastAsia=font, cs=font)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    if bold is not None:
        for tag in ("b", "bCs"):
            child(rpr, tag, val="1" if bold else "0")
    if size is not None:
        child(rpr, "sz", val=str(round(size * 2)))
        child(rpr, "szCs", val=str(round(size * 2)))


def line_spacing(ppr, layout: Layout, before: float = 0, after: float = 0, line_pt: float | None = None) -> None:
    """Exact line height (the 22-line grid in gbt9704); spacing before/after in lines of the layout."""
    pitch = layout.line_pt
    child(ppr, "spacing", before=twips(before * pitch), after=twips(after * pitch), line=twips(line_pt or pitch),
          lineRule="exact")


def indents(ppr, layout: Layout, size: float, first_chars: int, right_chars: int = 0) -> None:
    """Indents in characters (w:*Chars, what Word and WPS use) with the twip values LibreOffice reads."""
    attrs = {"firstLineChars": str(first_chars * 100), "firstLine": twips(first_chars * size)}
    if right_chars:
        attrs.update(rightChars=str(right_chars * 100), right=twips(right_chars * size))
    child(ppr, "ind", **attrs)


def strip_theme_fonts(styles_element) -> None:
    """Theme font attributes win over named fonts in Word; the template's styles carry them everywhere."""
    for fonts in styles_element.iter(qn("w:rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts.attrib.pop(qn(f"w:{attr}"), None)


def apply_defaults(document, layout: Layout) -> None:
    """Document defaults and Normal: the body font with zh-CN as the East Asian language."""
    styles = document.styles.element
    strip_theme_fonts(styles)
    rpr = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    set_fonts(rpr, layout.body_font, layout.body_size)
    if char_spacing(layout):
        child(rpr, "spacing", val=str(char_spacing(layout)))
    child(rpr, "lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    ppr = styles.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}")
    # No punctuation hanging into the margin: LibreOffice drops a hung 、 or ， from the printed page.
    child(ppr, "overflowPunct", val="1")
    line_spacing(ppr, layout)
    normal = document.styles["Normal"].element
    set_fonts(normal.get_or_add_rPr(), layout.body_font, layout.body_size)


def add_paragraph_style(document, layout: Layout, spec: ParaStyle, next_id: str):
    style = document.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = spec.style_id
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    style.priority = 1
    element = style.element
    next_el = element.find(qn("w:next"))
    if next_el is None:
        next_el = OxmlElement("w:next")
        element.find(qn("w:basedOn")).addnext(next_el)
    next_el.set(qn("w:val"), next_id)
    ppr = element.get_or_add_pPr()
    if spec.keep_next:
        child(ppr, "keepNext")
    child(ppr, "overflowPunct", val="1")  # see apply_defaults
    if not spec.on_grid:
        child(ppr, "snapToGrid", val="0")
    line_spacing(ppr, layout, spec.lines_before, spec.lines_after, spec.line_pt)
    indents(ppr, layout, spec.size, spec.first_line_chars, spec.right_chars)
    child(ppr, "jc", val=spec.align)
    if spec.outline_level is not None:
        child(ppr, "outlineLvl", val=str(spec.outline_level))
    rpr = element.get_or_add_rPr()
    set_fonts(rpr, spec.font, spec.size, spec.bold)
    if not spec.on_grid:
        child(rpr, "spacing", val="0")
    return style


def add_linked_character_style(document, paragraph_style, spec: ParaStyle):
    """'二级标题 Char', linked to the paragraph style: a run-in heading restyles with its heading level."""
    style = document.styles.add_style(f"{spec.name} Char", WD_STYLE_TYPE.CHARACTER)
    style.style_id = f"{spec.style_id}Char"
    style.base_style = document.styles["Default Paragraph Font"]
    style.quick_style = True
    style.priority = 1
    for owner, target in ((paragraph_style.element, style.style_id), (style.element, spec.style_id)):
        link = OxmlElement("w:link")
        link.set(qn("w:val"), target)
        anchor = owner.find(qn("w:next"))
        if anchor is None:
            anchor = owner.find(qn("w:basedOn"))
        anchor.addnext(link)
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, spec.font, bold=spec.bold)
    return style


def declare_fonts(document, fonts: set[str]) -> None:
    """Font table entries for the Chinese fonts, each naming a fallback that Windows or WPS ships."""
    part = next(p for p in document.part.package.iter_parts() if p.partname.endswith("/fontTable.xml"))

    root = etree.fromstring(part.blob)
    known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    wanted = set(fonts)
    for font in fonts:
        if font in FALLBACKS:
            wanted.add(FALLBACKS[font])
    for font in sorted(wanted - known):
        entry = etree.SubElement(root, qn("w:font"))
        entry.set(qn("w:name"), font)
        if font in FALLBACKS:
            etree.SubElement(entry, qn("w:altName")).set(qn("w:val"), FALLBACKS[font])
        etree.SubElement(entry, qn("w:charset")).set(qn("w:val"), "86")  # GB2312
        etree.SubElement(entry, qn("w:family")).set(qn("w:val"), "modern" if "黑" in font else "roman")
        etree.SubElement(entry, qn("w:pitch")).set(qn("w:val"), "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
