"""Write a Document as .docx in the 公文 layout (GB/T 9704-2012) or a plain one.

The paragraphs written are exactly `render_lines(document)`: no empty paragraphs (blank lines are paragraph
spacing), so reading the file back (pipeline.material.load) gives the same Document.
Page numbers (gbt9704): "— N —" in 4号宋体, odd pages right and even pages left, one character in from the
版心 edge, as the standard lays out; the plain layout centres them.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from pipeline.export.layouts import (
    LAYOUTS,
    Layout,
    PageNumbers,
    add_linked_character_style,
    add_paragraph_style,
    apply_defaults,
    child,
    declare_fonts,
    line_spacing,
    set_fonts,
    text_width_pt,
    twips,
)
from pipeline.material.document import Document, Span, layout
from pipeline.core.errors import InputError, OutputError
from pipeline.core.resources import lexicon
from pipeline.core.sanitize import strip_controls
from pipeline.text.slots import PENDING
from pipeline.export.title_break import SLACK_EM, split_title, width_em
from pipeline.core.atomic import UMASK, write_failure
from pipeline.core.owned import GENERATOR

# A point is a level-3/4 heading line only when it is short and has no sentence inside.
_NUMBERED = re.compile(r"^(?:\d{1,2}[、.．]|[（(]\d{1,2}[）)])$")
_HEADING_MAX = 30


@dataclass
class Block:
    """One paragraph to write: a style key of the layout and its runs (text, run-in heading or not)."""

    style: str
    runs: list[tuple[str, bool]]
    lines_before: float | None = None
    lines_after: float | None = None
    # What notes (Word comments) attach here: "title", a section role, or "<role>-NN" for an item.
    anchor: str = ""

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


def _is_heading_point(span: Span) -> bool:
    """1. / （1） followed by a short line without a sentence inside: a level-3/4 heading of its own."""
    text = span.text[len(span.marker):]
    return bool(_NUMBERED.match(span.marker)) and 0 < len(text) <= _HEADING_MAX and not any(
        ch in text[:-1] for ch in "。！？；"
    )


def blocks_of(document: Document) -> list[Block]:
    """The paragraphs to write, from the document's one layout: their texts equal `render_lines(document)`."""
    blocks: list[Block] = []
    first_of_role: dict[str, int] = {}  # notes anchor in the first section of each role only
    anchored: set = set()
    for paragraph in layout(document):
        runs = [(span.text, span.lead) for span in paragraph.spans]
        if paragraph.kind in ("title", "notice", "signature"):
            style = paragraph.kind
        elif paragraph.level:
            style = f"h{paragraph.level}"
        else:
            single = len(paragraph.spans) == 1 and paragraph.spans[0].point is not None
            style = "h3" if single and _is_heading_point(paragraph.spans[0]) else "body"
        block = Block(style, runs, anchor="title" if paragraph.kind == "title" else "")
        if paragraph.section is not None:
            role = document.sections[paragraph.section].role
            if first_of_role.setdefault(role, paragraph.section) == paragraph.section:
                if paragraph.item is not None:
                    key = (paragraph.section, paragraph.item)
                    if key not in anchored:
                        anchored.add(key)
                        block.anchor = f"{role}-{paragraph.item + 1:02d}"
                elif role not in anchored and (paragraph.kind == "intro" or not document.sections[paragraph.section].intro):
                    # A section's notes go on its first paragraph of text (the heading when it has none).
                    anchored.add(role)
                    block.anchor = role
        blocks.append(block)
    if document.title and document.notice:
        blocks[0].lines_after = 0  # with a notice below, the blank line moves under the notice
    first_signature = next((b for b in blocks if b.style == "signature"), None)
    if first_signature:
        first_signature.lines_before = 1  # one blank line between the text and the signature, as spacing
    return blocks


def _page_setup(document, layout: Layout) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = (Mm(v) for v in layout.page_mm)
    top, bottom, left, right = layout.margins_mm
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance, section.footer_distance = Mm(layout.header_mm), Mm(layout.footer_mm)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    for attr in list(grid.attrib):
        del grid.attrib[attr]
    # A line grid only: LibreOffice gives a 16pt glyph two cells of a 15.8pt character grid (Word
    # compresses it), so 28 characters per line come from character spacing instead (see char_spacing).
    if layout.chars_per_line:
        grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), twips(layout.line_pt))


def _number_font(run, layout: Layout) -> None:
    rpr = run._r.get_or_add_rPr()
    set_fonts(rpr, layout.page_number_font, layout.page_number_size)
    child(rpr, "spacing", val="0")


def _field_runs(paragraph, layout: Layout, instruction: str, placeholder: str) -> None:
    for kind in ("begin", "instr", "separate", "text", "end"):
        run = paragraph.add_run()
        _number_font(run, layout)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = instruction
            run._r.append(instr)
        elif kind == "text":
            run.text = placeholder
        else:
            run._r.append(OxmlElement("w:fldChar"))
            run._r[-1].set(qn("w:fldCharType"), kind)


def _page_number(footer, layout: Layout, side: str) -> None:
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    ppr = paragraph._p.get_or_add_pPr()
    child(ppr, "snapToGrid", val="0")
    child(ppr, "spacing", before="0", after="0", line="240", lineRule="auto")
    size = layout.page_number_size
    if side == "center":
        child(ppr, "ind", firstLine="0", firstLineChars="0")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    else:
        # One character in from the 版心 edge, on the outer side.
        attr = "right" if side == "right" else "left"
        child(ppr, "ind", firstLine="0", firstLineChars="0", **{attr: twips(size)})
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if side == "right" else WD_ALIGN_PARAGRAPH.LEFT
    for text in ("— ", None, " —"):
        if text is None:
            _field_runs(paragraph, layout, " PAGE ", "1")
        else:
            _number_font(paragraph.add_run(text), layout)


def _footers(document, layout: Layout, mode: PageNumbers) -> None:
    section = document.sections[0]
    if mode == "odd-even":
        document.settings.odd_and_even_pages_header_footer = True
        _page_number(section.footer, layout, "right")
        _page_number(section.even_page_footer, layout, "left")
    else:
        _page_number(section.footer, layout, "center")


class _Body:
    """Appends paragraphs in constant time. python-docx's add_paragraph looks the style up by name among all
    styles and finds the section properties by a scan of the whole body, each time: 10,000 headings took 90 s."""

    def __init__(self, out, styles: dict):
        self.out = out
        self.end = out.element.body.find(qn("w:sectPr"))
        self.style_ids = {key: style.style_id for key, style in styles.items()}

    def paragraph(self, style_key: str):
        from docx.text.paragraph import Paragraph  # lazy: heavy library, loaded only where used

        element = OxmlElement("w:p")
        if self.end is not None:
            self.end.addprevious(element)
        else:
            self.out.element.body.append(element)
        element.style = self.style_ids[style_key]
        return Paragraph(element, self.out._body)


def _pieces(text: str, unsourced: list[str]) -> list[tuple[str, bool]]:
    """`text` cut at the unsourced sentences in it, every place one stands: (piece, unsourced or not)."""
    spans: list[tuple[int, int]] = []
    for sentence in sorted({s for s in unsourced if s}, key=len, reverse=True):
        start = text.find(sentence)
        while start >= 0:
            end = start + len(sentence)
            if not any(a < end and start < b for a, b in spans):
                spans.append((start, end))
            start = text.find(sentence, end)
    pieces, at = [], 0
    for start, end in sorted(spans):
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _mark(out, runs: list) -> None:
    """A model sentence the unit's material does not support: highlighted, with its own comment (not a 范文 note)."""
    from docx.enum.text import WD_COLOR_INDEX  # lazy: heavy library, loaded only where used

    words = lexicon("provenance")
    for run in runs:
        run.font.highlight_color = getattr(WD_COLOR_INDEX, words["highlight"])
        out.add_comment([run], text=words["comment"], author=words["comment_author"],
                        initials=words["comment_initials"])


def _add_block(body: _Body, layout: Layout, block: Block, run_in_style, unsourced: list[str] = (), marked=None):
    paragraph = body.paragraph(block.style)
    if block.lines_before is not None or block.lines_after is not None:
        spec = layout.styles[block.style]
        before = spec.lines_before if block.lines_before is None else block.lines_before
        after = spec.lines_after if block.lines_after is None else block.lines_after
        line_spacing(paragraph._p.get_or_add_pPr(), layout, before, after, spec.line_pt)
    lines = _balance_title(paragraph, layout, block.text) if block.style == "title" else None
    if lines:
        # Too long for narrowing: each planned line ends in a line break (the reader joins them back).
        for index, line in enumerate(lines):
            run = paragraph.add_run(line)
            if index < len(lines) - 1:
                run.add_break()
        return paragraph
    for text, heading in block.runs:
        for part, flagged in ([(text, False)] if heading or not unsourced else _pieces(text, unsourced)):
            for piece in _PENDING_SPLIT.split(strip_controls(part)):  # Word's XML cannot hold control characters
                if not piece:
                    continue
                run = paragraph.add_run(piece)
                if heading:
                    run._r.style = run_in_style.style_id
                if piece.startswith(PENDING):
                    _highlight(run)
                if flagged and marked is not None:
                    marked.append(run)
    return paragraph


# Each 【待补：…】 its own run, highlighted: on a printout too a prompt still to fill stands out from the text.
_PENDING_SPLIT = re.compile(f"({re.escape(PENDING)}[^【】]*】)")


def _highlight(run) -> None:
    from docx.enum.text import WD_COLOR_INDEX  # lazy: heavy library, loaded only where used

    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _add_notes(out, document: Document, anchored: dict[str, object]) -> None:
    """Each note as a Word comment (批注) on its anchor's paragraph; a note whose anchor is absent goes on the title."""
    words = lexicon("composer")
    fallback = anchored.get("title") or next(iter(anchored.values()), None)
    for note in document.notes:
        paragraph = anchored.get(note.anchor) or anchored.get(note.anchor.split("-")[0]) or fallback
        if paragraph is None or not paragraph.runs:
            continue
        out.add_comment(paragraph.runs, text=note.text, author=words["note_author"], initials=words["note_initials"])


def _balance_title(paragraph, layout: Layout, title: str) -> tuple[str, ...] | None:
    """A long title breaks between words, lines balanced. Two lines with the upper one longer: the paragraph
    is narrowed to its first line, no break character. Otherwise the lines to write with breaks."""
    size = layout.styles["title"].size
    lines = split_title(title, text_width_pt(layout) / size)
    if not lines:
        return None
    if len(lines) == 2 and width_em(lines[1]) <= width_em(lines[0]):
        side = (text_width_pt(layout) - (width_em(lines[0]) + SLACK_EM) * size) / 2
        child(paragraph._p.get_or_add_pPr(), "ind", left=twips(side), right=twips(side), firstLine="0",
              firstLineChars="0")
        return None
    return lines


def build_docx(document: Document, layout: str = "gbt9704", page_numbers: PageNumbers | None = None):
    """A python-docx Document of `document` in `layout` ("gbt9704" or "plain"); nothing is written."""
    import docx  # lazy: heavy library, loaded only where used

    if layout not in LAYOUTS:
        raise InputError(f"未知的版式：{layout}（可选：{'、'.join(LAYOUTS)}）")
    spec = LAYOUTS[layout]
    out = docx.Document()
    # The template's one empty paragraph would come back as text on reading.
    for paragraph in list(out.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    apply_defaults(out, spec)
    _page_setup(out, spec)
    styles = {}
    for key, style in spec.styles.items():
        next_key = "h1" if key in ("title", "notice") else "body"
        styles[key] = add_paragraph_style(out, spec, style, spec.styles[next_key].style_id)
    run_in = add_linked_character_style(out, styles["h2"], spec.styles["h2"])
    declare_fonts(out, {s.font for s in spec.styles.values()} | {spec.page_number_font})
    _footers(out, spec, page_numbers or spec.page_numbers)
    anchored = {}
    body = _Body(out, styles)
    marked: list = []
    for block in blocks_of(document):
        paragraph = _add_block(body, spec, block, run_in, document.unsourced, marked)
        if block.anchor:
            anchored[block.anchor] = paragraph
    _add_notes(out, document, anchored)
    _mark(out, marked)
    _properties(out, document)
    return out


def _properties(out, document: Document) -> None:
    """File properties of a fresh document, not the template's (its author, dates and thumbnail)."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    core = out.core_properties
    core.title, core.author, core.comments, core.keywords, core.last_modified_by = strip_controls(document.title), "", "", "", ""
    core.identifier = GENERATOR  # lets --force tell a file duizhao wrote from the user's own
    core.created = core.modified = now
    core.revision = 1
    package = out.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/metadata/thumbnail"):
            package.rels.pop(rel_id)


def _lock_file(path: Path) -> Path | None:
    """The owner file Word (~$ plus the name, first characters dropped on long names), WPS (~$name) or
    LibreOffice (.~lock.name#) keeps beside a document while it is open."""
    names = {"~$" + path.name, "~$" + path.name[1:], "~$" + path.name[2:], f".~lock.{path.name}#"}
    return next((path.with_name(n) for n in sorted(names) if path.with_name(n).exists()), None)


def write_docx(document: Document, path: str | Path, layout: str = "gbt9704",
               page_numbers: PageNumbers | None = None) -> Path:
    """Write atomically: a temporary file in the target folder, then os.replace over the target."""
    path = Path(path)
    built = build_docx(document, layout, page_numbers)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"输出目录不存在：{folder}")
    if path.is_dir():
        raise OutputError(f"输出路径是一个目录：{path}")
    lock = _lock_file(path)
    if lock is not None:
        raise OutputError(f"文件正被 Word/WPS 等程序打开，请关闭后重试（若并未打开，删除锁文件 {lock.name} 即可）：{path}")
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".duizhao-", suffix=".docx.tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            built.save(handle)
        os.chmod(tmp_name, 0o666 & ~UMASK)  # mkstemp makes it private; a document is meant to be shared
        os.replace(tmp_name, path)
        tmp_name = None
    except PermissionError as exc:
        if path.exists() and os.access(folder, os.W_OK):
            raise OutputError(f"无法覆盖文件，可能正被 Word/WPS 打开或为只读，请关闭后重试：{path}") from exc
        raise OutputError(f"没有写入权限：{path}") from exc
    except OSError as exc:

        raise OutputError(write_failure(exc, path)) from exc
    finally:
        if tmp_name is not None and os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return path
