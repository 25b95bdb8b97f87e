"""Assemble: outline + drafted items → Document, numbered by the pipeline in the spec's order."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document, Item, Point, Section
from pipeline.text.numbering import CN_NUMERALS, POINT, level2_marker, shi_marker
from pipeline.draft.compose import section_intro
from pipeline.draft.plan import Outline, OutlineItem
from pipeline.material.profile import Profile
from pipeline.material.sentences import Sentence
from pipeline.core.resources import lexicon


class ItemDraft(BaseModel):
    """One drafted outline item, with what it was made from: the record a reviewer can audit."""

    model_config = ConfigDict(extra="forbid")
    key: str
    role: str
    system: str  # "offline" or "model:<name>"
    paragraphs: list[str]
    passages: list[dict] = []  # id, source, heading, score of each retrieved passage given
    raw: str = ""  # the model's raw output (empty offline)
    flags: list[str] = []  # cleaning and guard codes still standing
    # What the drafter took out of the model's answer, as "code：text" (an invented owner, a number the unit never
    # gave), so a later check can still name it.
    removed: list[str] = []
    copy_rate: float = 0.0
    # Every sentence of `paragraphs` with where it came from (unit / formula / model): material/sentences.py.
    sentences: list[Sentence] = []
    missing_facts: list[str] = []
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    seconds: float = 0.0


_STRAY_MARKERS = re.compile(POINT.pattern + r"|^[（(][" + CN_NUMERALS + r"]{1,3}[）)]|^[" + CN_NUMERALS + r"]{1,3}、")


def unmark(text: str) -> str:
    """Numbering comes from the pipeline only: markers left inside drafted text would renumber it on reading."""
    return _STRAY_MARKERS.sub("", text).strip()


def _points(paragraphs: list[str], run_in: bool) -> list[Point]:
    """Number several points 一是/二是…; a single point stays unnumbered."""
    paragraphs = [text for text in map(unmark, paragraphs) if text]
    numbered = len(paragraphs) > 1
    return [
        Point(marker=shi_marker(index) if numbered else "", text=text, run_in=run_in and index > 1)
        for index, text in enumerate(paragraphs, 1)
    ]


def _intro(role: str, outline: Outline, count: int) -> list[Point]:
    text = section_intro(role, outline, count)
    return [Point(text=text)] if text else []


def _closing(paragraphs: list[str]) -> list[Point]:
    cues = tuple(lexicon("roles")["closing_cues"])
    text = "".join(paragraphs)
    if not text:
        return []
    # The closing is read back by its opening words; keep one the parser knows.
    if not text.startswith(cues):
        text = cues[0] + "，" + text
    return [Point(text=text)]


def _item(number: int, outline_item: OutlineItem, paragraphs: list[str]) -> Item:
    if outline_item.role == "problems":
        # Problem items: heading on its own line, each point its own paragraph.
        return Item(marker=level2_marker(number), heading=outline_item.heading, aspect=outline_item.aspect,
                    points=_points(paragraphs, run_in=False))
    # Causes and measures: the heading runs into one paragraph with its points (（一）…。一是…二是…).
    return Item(marker=level2_marker(number), heading=outline_item.heading, run_in=bool(paragraphs),
                aspect=outline_item.aspect, points=_points(paragraphs, run_in=True))


def _sub_item(number: int, outline_item: OutlineItem, paragraphs: list[str]) -> Item:
    # A spec sub-part: its heading on its own line, then its paragraphs.
    return Item(marker=level2_marker(number), heading=outline_item.heading, points=_points(paragraphs, run_in=False))


def assemble(outline: Outline, drafts: dict[str, ItemDraft], profile: Profile, notice: str = "") -> Document:
    document = Document(title=outline.title, notice=notice)
    for planned in outline.sections:
        texts = [drafts[item.key].paragraphs if item.key in drafts else [] for item in planned.items]
        section = Section(role=planned.role, marker=planned.marker, heading=planned.heading)  # type: ignore[arg-type]
        if planned.role in ("problems", "causes", "measures"):
            section.intro = _intro(planned.role, outline, len(planned.items))
            section.items = [_item(n, item, paragraphs) for n, (item, paragraphs) in enumerate(zip(planned.items, texts), 1)]
        else:
            own = [paragraphs for item, paragraphs in zip(planned.items, texts) if not item.sub]
            subs = [(item, paragraphs) for item, paragraphs in zip(planned.items, texts) if item.sub]
            own_text = own[0] if own else []
            if planned.role in ("last_year", "campaign"):
                entries = getattr(profile, planned.role)
                # No count to announce when the unit has listed no problems (never "0个"), only the 【待补】 line.
                lead = _intro(planned.role, outline, len(entries)) if entries else []
                section.intro = lead + _points(own_text, run_in=False)
            elif planned.role == "closing":
                section.intro = _closing(own_text)
            else:
                section.intro = [Point(text=text) for text in own_text]
            section.items = [_sub_item(n, item, paragraphs) for n, (item, paragraphs) in enumerate(subs, 1)]
        if section.intro or section.items:
            document.sections.append(section)
    if profile.signature and (profile.signature.name or profile.signature.date):
        document.signature = [line for line in (profile.signature.name, profile.signature.date) if line]
    return document
