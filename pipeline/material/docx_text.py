"""A .docx paragraph's text as Word shows it with every tracked change accepted.

python-docx's `paragraph.text` reads only the paragraph's own runs and hyperlinks: text typed with 修订 (track
changes) on sits in `w:ins` and is lost, which is how a 督导组's or a leader's corrections usually come back.
Here inserted and moved-in text counts; deleted and moved-away text does not; text boxes and drawings inside a run
stay out, as they do in `paragraph.text`.
"""

from __future__ import annotations

from docx.oxml.ns import qn
from docx.text.run import Run

_RUN = qn("w:r")
_LEFT_OUT = {qn("w:del"), qn("w:moveFrom"), _RUN, qn("w:txbxContent"), qn("w:drawing"), qn("w:pict")}


def shown_text(paragraph) -> str:
    element = paragraph._p
    parts = []
    for run in element.iter(_RUN):
        outside = False
        for ancestor in run.iterancestors():
            if ancestor is element:
                break
            if ancestor.tag in _LEFT_OUT:
                outside = True
                break
        if not outside:
            parts.append(Run(run, paragraph).text)
    return "".join(parts)
