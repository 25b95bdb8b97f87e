"""Sentences a model wrote that the unit's material does not support and the unit has not confirmed: in any
format (the .json record, the .md's 〖无依据：…〗, the .docx's highlight), a warning while drafting and an error
for the 送审稿 (`check --final`) until each is confirmed or deleted."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.material.document import Document
from pipeline.material.sentences import mark_quote, unconfirmed
from pipeline.review.additions import words
from pipeline.review.findings import section_units
from pipeline.review.structure import Finding

_SHOWN = 40


def recorded(path: Path | None) -> list[str]:
    """The record's own unconfirmed model sentences (a duizhao .json), or none."""
    if path is None or path.suffix.lower() != ".json":
        return []
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = record.get("items") if isinstance(record, dict) else None
    return unconfirmed(items) if isinstance(items, list) else []


def check_unsourced(document: Document, final: bool = False, path: Path | None = None) -> list[Finding]:
    sentences = list(dict.fromkeys([*document.unsourced, *recorded(path)]))
    if not sentences:
        return []
    units = [unit for s in range(len(document.sections)) for unit in section_units(document, s)]
    template = words()["findings"]["unsourced"]
    findings = []
    for sentence in sentences:
        unit = next((u for u in units if sentence.strip() and sentence.strip() in u.text), None)
        shown = sentence if len(sentence) <= _SHOWN else sentence[:_SHOWN] + "…"
        findings.append(Finding(code="unsourced", severity="error" if final else "warning",
                                message=template.format(sentence=shown), location=unit.label if unit else "",
                                path=unit.path if unit else []))
    return findings


def mark_findings(findings: list[Finding], unsourced: list[str]) -> list[Finding]:
    """Findings whose messages quote the material (a sentence, a repeated run) with every stretch quoted from an
    unconfirmed model sentence in the .md notation; the finding that names the sentence unsupported already says so."""
    if not unsourced:
        return findings
    return [f if f.code == "unsourced" else f.model_copy(update={"message": mark_quote(f.message, unsourced)})
            for f in findings]
