"""The meeting's other documents written into its folder: each as .md and .docx (the 公文 layout for 方案 and
报告, the plain one for 主持词 and 提纲, a table for the 征求意见表), each checked as its kind."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pipeline.export.docx import build_docx
from pipeline.export.form_table import form_docx, form_markdown
from pipeline.material.document import count_chars, render
from pipeline.material.meeting import MeetingFile
from pipeline.material.meeting_docs import LedgerRow
from pipeline.material.meeting_papers import KINDS, Paper, common, meeting_papers
from pipeline.material.profile import Profile
from pipeline.material.specs import MeetingSpec
from pipeline.review.meeting_papers import check_paper
from pipeline.review.structure import Finding
from pipeline.run.runner import safe_name


def paper_stems(meeting: MeetingFile) -> list[str]:
    """The documents' file names (without extension), in the order they are listed."""
    files = common()["files"]
    return [stem for kind in KINDS for stem in
            ([files[kind].format(name=m.name) for m in meeting.members] if kind == "talks" else [files[kind]])]


def paper_targets(meeting: MeetingFile, folder: Path) -> list[Path]:
    return [folder / f"{safe_name(stem)}{ext}" for stem in paper_stems(meeting) for ext in (".md", ".docx")]


def write_papers(meeting: MeetingFile, spec: MeetingSpec, group: Profile, rows: list[LedgerRow], folder: Path,
                 layout: str, files: dict[Path, bytes]) -> list[tuple[Paper, list[Path], list[Finding], int]]:
    """Compose, check and render every document into `files`; per document: its paths, findings and length."""
    out = []
    for paper in meeting_papers(meeting, spec, group, rows):
        md, docx = (folder / f"{safe_name(paper.stem)}{ext}" for ext in (".md", ".docx"))
        chosen = "plain" if paper.layout == "plain" else layout
        if paper.kind == "opinions":
            files[md], files[docx] = form_markdown(paper).encode("utf-8"), form_docx(paper, chosen)
        else:
            buffer = BytesIO()
            build_docx(paper.document, layout=chosen).save(buffer)
            files[md], files[docx] = render(paper.document, markdown=True).encode("utf-8"), buffer.getvalue()
        findings = check_paper(paper, meeting, spec, group, rows)
        out.append((paper, [md, docx], findings, count_chars(render(paper.document))))
    return out
