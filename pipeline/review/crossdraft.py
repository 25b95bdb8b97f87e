"""Cross-draft 查重: every draft of a batch compared with the batch's other drafts and with the user's earlier
drafts in the output folder, per section, naming the other draft. Two units' drafts must not look alike; the
wording the meeting mandates (theme, aspect names, title pattern), the genre's connective formulae and the titles of
documents studied are exempt.

Pure: drafts come in as documents, findings go out. The runner reads the folder and shows the result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document
from pipeline.material.specs import MeetingSpec
from pipeline.material.document import layout
from pipeline.review.content import check_copy, rendered_text
from pipeline.review.copyrate import CopyCorpus
from pipeline.review.findings import settings
from pipeline.review.mandated import composer_formulae
from pipeline.review.structure import Finding
from pipeline.text.overlap import RUN_LENGTH, OverlapIndex
from pipeline.material.load import load_json_document
from pipeline.material.specs import load_spec
from pipeline.core.errors import PipelineError


_TITLE = re.compile(r"《[^《》\n]{2,40}》")


@dataclass
class DraftText:
    name: str  # how the user finds it: the draft's file name
    document: Document
    spec: MeetingSpec | None = None


class CrossCopy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    draft: str
    rate: float  # share of the draft's characters in runs shared with other drafts
    other: str = ""  # the draft it shares most with
    sections: list[dict] = []  # per section: section, rate, other
    findings: list[Finding] = []


def cross_check(drafts: list[DraftText], earlier: list[DraftText] = ()) -> list[CrossCopy]:
    """For each of `drafts`: its shared runs with every other draft of the list and with `earlier` ones."""
    index = OverlapIndex(settings()["copy_rate"].get("run_length", RUN_LENGTH))
    texts = {}
    for draft in [*drafts, *earlier]:
        texts[draft.name] = layout(draft.document)
        index.add(draft.name, rendered_text(texts[draft.name]))
    corpus = CopyCorpus(index=index, key="", drafts=set(texts))
    # duizhao's 【待补：…】 prompts are the same in every draft and none reaches the material the unit hands in.
    slot = re.compile(settings()["specificity"]["slot"])
    prompts = tuple(sorted({m.group(0) for blocks in texts.values() for m in slot.finditer(rendered_text(blocks))}))
    # A document every unit of a campaign studies (《中国共产党纪律处分条例》) is named alike by all of them.
    titles = tuple(sorted({m.group(0) for blocks in texts.values() for m in _TITLE.finditer(rendered_text(blocks))}))
    results = []
    for draft in drafts:
        found, copied = check_copy(draft.document, texts[draft.name], corpus, set(), draft.spec, exclude=(draft.name,),
                                   exempt=prompts + titles + composer_formulae())
        by_source = copied.report.by_source
        results.append(CrossCopy(
            draft=draft.name, rate=round(copied.rate, 4),
            other=max(by_source, key=by_source.get) if by_source else "",
            sections=[{"section": s["section"], "rate": s["rate"],
                       "other": max(s["sources"], key=s["sources"].get) if s["sources"] else ""}
                      for s in found.metrics["copy_sections"]],
            findings=found.findings))
    return results


def earlier_drafts(folder: Path, skip: set[str]) -> list[DraftText]:
    """The drafts duizhao wrote into `folder` before (their .json records), except those named in `skip`."""

    found = []
    for record in sorted(Path(folder).glob("*.json")):
        name = record.with_suffix(".md").name
        if name in skip:
            continue
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            if not (isinstance(data, dict) and {"document", "system"} <= set(data)):
                continue
            document = load_json_document(record)
            spec_id = ((data.get("check") or {}).get("spec")) or None
            spec = load_spec(spec_id) if spec_id else None
        except (OSError, ValueError, PipelineError):
            continue  # not a draft of ours, or damaged: nothing to compare with
        found.append(DraftText(name, document, spec))
    return found
