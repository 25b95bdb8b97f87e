"""What a draft becomes for the user: Word (GB/T 9704), Markdown, the 整改清单, page previews."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pipeline.export.docx import build_docx, write_docx
from pipeline.export.ledger import ledger_xlsx
from pipeline.export.preview import preview
from pipeline.material.document import Document, Note, render
from pipeline.material.load import load_document
from pipeline.material.meeting_docs import ledger_header, unit_ledger_rows, unit_ledger_title
from pipeline.material.profile import Profile
from pipeline.material.specs import MeetingSpec

__all__ = ["docx_bytes", "export_file", "markdown_text", "plain_text", "unit_ledger_xlsx", "with_notes", "preview"]


def docx_bytes(document: Document, layout: str = "gbt9704") -> bytes:
    buffer = BytesIO()
    build_docx(document, layout=layout).save(buffer)
    return buffer.getvalue()


def export_file(source: str | Path, output: str | Path, layout: str = "gbt9704") -> Path:
    """A material file (.txt/.md/.docx/.json) as a Word file in the layout."""
    return write_docx(load_document(source).document, output, layout)


def markdown_text(document: Document) -> str:
    return render(document, markdown=True)


def plain_text(document: Document) -> str:
    return render(document)


def unit_ledger_xlsx(profile: Profile, spec: MeetingSpec) -> bytes:
    """The unit's 整改清单 as the meeting's ledger lays it out (a 【待补】 where the unit gave no measure or 时限)."""
    return ledger_xlsx(unit_ledger_title(profile, spec), ledger_header(), unit_ledger_rows(profile, spec))


def with_notes(document: Document, notes: list[dict]) -> Document:
    """The draft's Word comments (the 范文 each part was drafted with, how it was made) put back on a document
    read from its edited text, where they have no place."""
    return document.model_copy(update={"notes": [Note.model_validate(n) for n in notes]}) if notes else document
