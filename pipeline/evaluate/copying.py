"""How much of a model draft copies 范文, before and after the drafter's guards, by the 13-字 rule of `duizhao check`.

`raw` is the share of the model's own answers (each item's recorded `raw`: the kept answer as the model wrote
it, before cleaning, the copy guard and the re-ask's choice) lying in runs shared with the corpus; `draft` is
the check's copy rate of the material that came out (`review.content.check_copy`, the very function the check
runs). Together they say what the model copied and what of it survived into the draft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.material.document import layout
from pipeline.material.load import load_document
from pipeline.material.specs import MeetingSpec
from pipeline.review.content import check_copy, rendered_text
from pipeline.review.copyrate import CopyCorpus
from pipeline.review.mandated import exempt_mandated, mandated_phrases
from pipeline.text.overlap import content_digest


@dataclass
class Copying:
    raw: float  # copied share of the model's raw answers
    draft: float  # the check's copy rate of the drafted material
    items: int  # items with a raw model answer
    copied_items: int  # of them, those whose raw answer shares at least one run with the corpus
    raw_sources: dict[str, int] = field(default_factory=dict)  # copied characters of the raw answers by source
    draft_sources: dict[str, int] = field(default_factory=dict)

    def row(self, prefix: str = "copy") -> dict:
        return {f"{prefix}_raw": round(self.raw, 4), f"{prefix}_draft": round(self.draft, 4),
                f"{prefix}_items": f"{self.copied_items}/{self.items}"}


def record_copying(record_path: str | Path, corpus: CopyCorpus, spec: MeetingSpec | None = None) -> Copying:
    """Copying of the draft whose .json record is `record_path`, against `corpus`; the meeting's mandated
    wording is exempt in both measures, as in the check."""
    record_path = Path(record_path)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    mandated = mandated_phrases(spec)
    marked = total = items = copied_items = 0
    raw_sources: dict[str, int] = {}
    for item in record.get("items", []):
        raw = item.get("raw") or ""
        if not raw.strip():
            continue  # offline items have no model answer
        # Not copy_rate(): it leaves out a source equal to the checked text (a 范文 checked against itself), and
        # a raw answer equal to a passage is the plainest copy there is.
        report = exempt_mandated(corpus.index.check(raw), raw, mandated, corpus.index.run_length)
        items += 1
        copied_items += report.marked > 0
        marked, total = marked + report.marked, total + report.total
        for source, count in report.by_source.items():
            raw_sources[source] = raw_sources.get(source, 0) + count
    document = load_document(record_path, spec).document
    blocks = layout(document)
    _, drafted = check_copy(document, blocks, corpus, {content_digest(rendered_text(blocks))}, spec)
    return Copying(raw=marked / total if total else 0.0, draft=drafted.rate, items=items, copied_items=copied_items,
                   raw_sources=raw_sources, draft_sources=dict(drafted.report.by_source))
