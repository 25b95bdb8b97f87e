"""What the form shows while the clerk types: the reviewer's warnings on each field and how complete each part
is, and the roots a problem's cause may be filed under. The workbench calls these; they call review/fields.py."""

from __future__ import annotations

from pipeline.material.profile import spec_roots
from pipeline.material.specs import MeetingSpec, expected_roots, load_spec
from pipeline.review.fields import completeness, field_warnings

ROW_FIELDS = ("problem", "detail", "facts", "impact", "cause", "measure", "deadline")


def form_roots(spec: MeetingSpec | str) -> list[str]:
    """The roots the form offers, the spec's expected ones first."""
    return spec_roots(load_spec(spec) if isinstance(spec, str) else spec)


def form_feedback(spec: MeetingSpec | str, aspects: dict[str, list[dict]], causes: dict[str, str]) -> dict:
    """{"fields": [{aspect, row, field, warnings}], "causes": {root: warnings}, "meter": [{part, ok, text}]}."""
    spec = load_spec(spec) if isinstance(spec, str) else spec
    if not spec.free_aspects:  # every aspect the meeting asks for counts, typed into or not
        aspects = {**{name: [] for name in spec.aspect_names()}, **aspects}
    fields = []
    for aspect, rows in aspects.items():
        for index, row in enumerate(rows):
            for name in ROW_FIELDS:
                value = row.get(name)
                text = "\n".join(value) if isinstance(value, list) else (value or "")
                warnings = field_warnings(name, text, row)
                if warnings:
                    fields.append({"aspect": aspect, "row": index, "field": name, "warnings": warnings})
    notes = {root: field_warnings("cause_note", note) for root, note in causes.items()}
    return {"fields": fields, "causes": {k: v for k, v in notes.items() if v},
            "meter": completeness(aspects, causes, expected_roots(spec))}
