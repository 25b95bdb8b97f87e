"""The one place the workbench calls the library. Later changes of the library's API are absorbed here."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Callable

import yaml

from pipeline.core.errors import InputError
from pipeline.core.files import decode, looks_binary
from pipeline.draft import factory  # the one place real models are built (tests patch it there)
from pipeline.draft.drafter import OfflineDrafter
from pipeline.draft.factory import Settings
from pipeline.draft.plan import make_outline
from pipeline.export.docx import build_docx
from pipeline.export.ledger import ledger_xlsx
from pipeline.material import profile as profile_module
from pipeline.material import specs as specs_module
from pipeline.material.document import Document, Note, render, render_lines
from pipeline.material.sentences import mark_text, unmark_text
from pipeline.run.confirm import confirm_in_text, confirm_recorded, unsourced_findings
from pipeline.material.load import load_document
from pipeline.material.meeting_docs import ledger_header, unit_ledger_rows, unit_ledger_title
from pipeline.material.parse import assign_aspects, parse_text
from pipeline.material.profile import Profile, load_profile, parse_profile, validate_against_spec
from pipeline.material.specs import MeetingSpec, builtin_specs, match_aspect
from pipeline.review.content import check_content
from pipeline.review.copyrate import load_corpus
from pipeline.review.report_html import render_report_html
from pipeline.review.structure import CheckReport, check_structure, guess_spec, role_name
from pipeline.run.runner import DraftOptions, draft_all, safe_name
from pipeline.web.forms import FormState, Row, from_profile, profile_yaml, to_profile

STATUS = {"confirmed": "已确认", "unconfirmed": "未确认", "local-practice": "地方做法"}


def known_specs() -> dict[str, MeetingSpec]:
    """Built-in specs, and the user's own (made from notices) where the library has them."""

    every = getattr(specs_module, "all_specs", None)
    return every() if every is not None else builtin_specs()


def spec_rows() -> list[dict]:
    return [{"id": s.id, "name": s.name, "year": s.year or "", "body": s.body, "meeting": s.meeting,
             "status": STATUS.get(s.status, s.status), "source": s.source, "aspects": len(s.aspects)}
            for s in known_specs().values()]


def spec_of(spec_id: str) -> MeetingSpec:
    """A spec by id, looked up among the known ones: an id from a browser never becomes a path."""
    specs = known_specs()
    if spec_id in specs:
        return specs[spec_id]
    raise InputError(f"未知的会议规范：{spec_id}（可用：{'、'.join(specs)}）")


def cause_roots() -> list[str]:
    """The standard subjective roots a unit may name, when the profile format has per-unit causes."""

    roots = getattr(profile_module, "cause_roots", None)
    return list(roots()) if roots is not None and "causes" in Profile.model_fields else []


def blank_form(spec: MeetingSpec) -> FormState:
    self_name = "支部班子" if "支部" in spec.body else "班子"
    return FormState(spec=spec.id, unit_type=spec.body, self_name=self_name, year=str(spec.year or ""),
                     aspects={a.name: [Row()] for a in spec.aspects})


def align_form(state: FormState, spec: MeetingSpec) -> FormState:
    """Aspect keys named by alias or variant move under the spec's names, in the spec's order."""
    if spec.free_aspects:
        return state
    aspects: dict[str, list[Row]] = {a.name: [] for a in spec.aspects}
    for key, rows in state.aspects.items():
        aspects.setdefault(match_aspect(key, spec) or key, []).extend(rows)
    return state.model_copy(update={"aspects": {k: v or [Row()] for k, v in aspects.items()}})


def yaml_data(data: bytes, name: str) -> object:
    """An uploaded YAML file's content; not text or not YAML is one InputError."""


    if looks_binary(data):
        raise InputError(f"{name} 不是文本文件，应为单位资料 YAML")
    try:
        return yaml.safe_load(decode(data, name))
    except yaml.YAMLError as exc:
        raise InputError(f"{name} 不是有效的 YAML：请检查缩进、冒号后的空格和引号") from exc


def form_from_data(loaded: object, name: str) -> FormState:
    profile = parse_profile(loaded, name)
    spec = spec_of(profile.meeting.spec)
    validate_against_spec(profile, spec, name)
    return align_form(from_profile(profile), spec)


def checked_profile(state: FormState) -> tuple[Profile, MeetingSpec, str]:
    """The form as a validated profile, its spec and its YAML text."""
    profile = to_profile(state)
    spec = spec_of(profile.meeting.spec)
    validate_against_spec(profile, spec, "（表单）")
    return profile, spec, profile_yaml(profile)


def outline_items(profile: Profile, spec: MeetingSpec) -> list[dict]:
    """What the draft will write, section by section, for the progress list."""


    outline = make_outline(profile, spec)
    return [{"key": item.key, "label": (section.marker + section.heading or role_name(section.role))
             + (" › " + item.heading if item.heading else "")} for section in outline.sections for item in section.items]


# ---- drafting --------------------------------------------------------------------------------------------

@dataclass
class Drafted:
    document: Document
    passages: dict
    system: str
    unit: str
    record: str = ""  # the draft's .json, relative to the session folder


def draft_profile(profile_path: Path, outdir: Path, drafter_factory, retriever, progress) -> Drafted:
    """One unit through the runner; progress(event, unit, key, role) is called as items land."""

    options = DraftOptions(outdir=outdir, force=True, docx=False)
    results = asyncio.run(draft_all([profile_path], options, drafter_factory, lambda: retriever, progress))
    result = results[0]
    if result.error:
        raise InputError(result.error, code=result.error_code or "draft-failed")
    record_path = next(Path(p) for p in result.outputs if p.endswith(".json"))
    record = json.loads(record_path.read_text(encoding="utf-8"))
    document = Document.model_validate(record["document"])
    return Drafted(document, _passages(outdir, record_path.stem, record["outline"]), result.system, result.unit,
                   f"{outdir.name}/{record_path.name}")


def _passages(outdir: Path, name: str, outline: dict) -> dict:
    """The 范文 passages retrieved for each part: {role: {"items": [[passage…] per item], "intro": [passage…]}}."""
    path = outdir / ".duizhao" / name / "retrieval.json"
    try:
        retrieval = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}

    def short(hits: list[dict]) -> list[dict]:
        return [{"source": h.get("source", ""), "heading": h.get("heading", ""), "text": h.get("text", "")[:400]}
                for h in hits]

    found: dict = {}
    for section in outline["sections"]:
        keys = [item["key"] for item in section["items"]]
        entry = found.setdefault(section["role"], {"items": [], "intro": []})
        if section["role"] in ("problems", "causes", "measures"):
            entry["items"] = [short(retrieval.get(key, [])) for key in keys]
        elif keys:
            entry["intro"] = short(retrieval.get(keys[0], []))
    return found


def offline_drafter():

    return OfflineDrafter


def model_drafter():

    return factory.drafter_factory(Settings())


def model_configured() -> bool:

    return factory.use_model(Settings())


def default_retriever_factory() -> Callable[[], object]:

    return factory.retriever_factory(Settings())


# ---- review ----------------------------------------------------------------------------------------------

@dataclass
class Review:
    document: Document
    report: CheckReport
    content: object  # review.content.ContentResult
    spec: MeetingSpec | None = None
    extra: dict = field(default_factory=dict)


def parse_material(text: str, spec: MeetingSpec | None) -> Document:

    if not text.strip():
        raise InputError("材料为空")
    return parse_text(text, spec=spec, source="draft.txt").document


def review_text(text: str, spec: MeetingSpec | None, profile: Profile | None = None) -> Review:
    """`duizhao check` on a material's text: structure and content findings, copied runs, marks."""


    if not text.strip():
        raise InputError("材料为空")
    text, unsourced = unmark_text(text)  # the draft keeps its unsupported sentences marked 〖无依据：…〗
    parsed = parse_text(text, spec=spec, source="draft.txt")
    parsed.document.unsourced = unsourced
    report = check_structure(parsed, spec)
    document, content_spec = parsed.document, spec
    if content_spec is None:
        content_spec = guess_spec(document)
        if content_spec is not None:
            document = document.model_copy(deep=True)
            assign_aspects(document, content_spec)
    target = profile.target_chars if profile is not None else None
    facts = profile.all_facts() if profile is not None else None
    content = check_content(document, content_spec, load_corpus(), target, facts)
    findings = report.findings + content.findings + unsourced_findings(parsed.document)
    metrics = {**report.metrics, **content.metrics}
    metrics["counts"] = dict(Counter(f.code for f in findings))
    report = report.model_copy(update={"findings": findings, "metrics": metrics,
                                       "ok": not any(f.severity == "error" for f in findings)})
    return Review(parsed.document, report, content, spec)


def material_text(data: bytes, suffix: str, folder: Path) -> str:
    """The text of an uploaded material (.docx/.txt/.md), read by the library's loader from a fixed file name."""

    path = folder / f"upload{suffix}"
    path.write_bytes(data)
    try:
        return marked_text(load_document(path).document)
    finally:
        path.unlink(missing_ok=True)


def marked_text(document: Document) -> str:
    """The material's plain text with each unconfirmed model sentence in the .md notation (〖无依据：…〗)."""
    return "\n\n".join(mark_text(line, document.unsourced) for line in render_lines(document)) + "\n"


def confirm_sentence(session_text: str, sentence: str, keep: bool, record: Path | None, paragraph: int = -1) -> str:
    """Keep or delete one marked sentence in the workbench's text, and in the draft's record when it has one."""
    text = confirm_in_text(session_text, sentence, keep, paragraph)
    if record is not None:
        confirm_recorded(record, sentence, keep)
    return text


def load_saved_profile(path: Path) -> Profile | None:
    return load_profile(path) if path.is_file() else None


# ---- downloads -------------------------------------------------------------------------------------------

def with_notes(document: Document, notes: list[dict]) -> Document:
    """The draft's Word comments (the 范文 each part was drafted with, how it was made) put back on a document
    read from its edited text, where they have no place."""
    return document.model_copy(update={"notes": [Note.model_validate(n) for n in notes]}) if notes else document


def docx_bytes(document: Document) -> bytes:

    buffer = BytesIO()
    build_docx(document, layout="gbt9704").save(buffer)
    return buffer.getvalue()


def unit_ledger_xlsx(profile: Profile, spec: MeetingSpec) -> bytes:
    """The unit's 整改清单 as the meeting's ledger lays it out (a 【待补】 where the unit gave no measure or 时限)."""
    return ledger_xlsx(unit_ledger_title(profile, spec), ledger_header(), unit_ledger_rows(profile, spec))


def markdown_text(document: Document) -> str:
    return render(document, markdown=True)


def report_html(review: Review, source: str) -> str:

    return render_report_html(review.document, review.report, review.content, source=source)


def file_stem(name: str) -> str:

    return safe_name(name)
