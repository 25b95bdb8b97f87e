"""The workbench's adapter over the library's one door (run/): the form's shapes in, the pages' shapes out."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from pipeline.run import inputs, models, output
from pipeline.run.inputs import MeetingSpec, Profile, cause_roots, known_specs, spec_of
from pipeline.run.review import Review, UploadLimits, material_text, report_html, review_text
from pipeline.run.confirm import confirm_in_text, confirm_recorded
from pipeline.run.unit import Drafted, draft_planned, draft_unit, plan_unit, planned_items, safe_name
from pipeline.run.form import form_feedback as run_form_feedback, form_roots
from pipeline.run.last_year_form import ledger_statuses
from pipeline.web.forms import FormState, Row, from_profile, profile_yaml, to_profile

__all__ = ["Review", "UploadLimits", "material_text", "report_html", "review_text", "Drafted", "draft_unit",
           "cause_roots", "known_specs", "spec_of", "draft_planned", "plan_unit", "planned_items", "ledger_statuses"]

STATUS = {"confirmed": "已确认", "unconfirmed": "未确认", "local-practice": "地方做法"}
docx_bytes = output.docx_bytes
markdown_text = output.markdown_text
marked_text = output.marked_text
render = output.plain_text
unit_ledger_xlsx = output.unit_ledger_xlsx
with_notes = output.with_notes
offline_drafter = models.offline_drafter
model_drafter = models.model_drafter
DraftSettings = models.Settings
model_configured = models.model_configured
default_retriever_factory = models.retriever_factory


# A spec this session made from a notice: the library's note names the saved copy and a CLI command, not the
# clerk's own step.
OWN_SOURCE = "由您上传的会议通知生成，方面与结构须与通知原文逐项核对后再用"


def spec_rows(owners=None, session: str = "") -> list[dict]:
    """The specs a session may use: built-in, the administrator's, and those it made from notices (deletable)."""
    rows = []
    for s in known_specs().values():
        owner = owners.owner(s.id) if owners is not None else None
        if owner is None or owner == session:
            rows.append({"id": s.id, "name": s.name, "year": s.year or "", "body": s.body, "meeting": s.meeting,
                         "status": STATUS.get(s.status, s.status), "source": OWN_SOURCE if owner is not None else s.source, "aspects": len(s.aspects),
                         "own": owner is not None})
    return rows


def spec_roots(spec: MeetingSpec) -> list[str]:
    """The roots the form offers for `spec` (its expected ones first), when the profile format has them."""
    return form_roots(spec) if cause_roots() else []


def form_feedback(spec: MeetingSpec, aspects: dict[str, list[dict]], causes: dict[str, str]) -> dict:
    """The reviewer's warnings per field as typed and the completeness meter (run/form.py)."""
    return run_form_feedback(spec, aspects, causes)


def blank_form(spec: MeetingSpec) -> FormState:
    self_name = "支部班子" if "支部" in spec.body else "班子"
    return FormState(spec=spec.id, unit_type=spec.body, self_name=self_name, year=str(spec.year or ""),
                     aspects={a.name: [Row()] for a in spec.aspects})


def align_form(state: FormState, spec: MeetingSpec) -> FormState:
    """Aspect keys named by the spec's name or an alias it writes move under the spec's names, in the spec's
    order; any other key keeps its own heading (the check then names it): never moved to the nearest aspect."""
    if spec.free_aspects:
        return state
    aspects: dict[str, list[Row]] = {a.name: [] for a in spec.aspects}
    for key, rows in state.aspects.items():
        aspects.setdefault(inputs.aspect_name(key, spec) or key, []).extend(rows)
    return state.model_copy(update={"aspects": {k: v or [Row()] for k, v in aspects.items()}})


def switch_spec(old: FormState | None, spec: MeetingSpec) -> FormState:
    """The form under another spec, keeping what was typed: the unit's fields, every row (under the aspect of the
    same name or alias, else under its old heading, which the check then names) and the members."""
    from pipeline.web.meeting_forms import align_members

    blank = blank_form(spec)
    if old is None:
        return blank
    kept = old.model_dump(exclude={"spec", "aspects", "unit_type", "year", "members"})
    form = FormState.model_validate({**blank.model_dump(), **{k: v for k, v in kept.items() if v and k != "self_name"}})
    carried = {k: [r for r in rows if not r.empty()] for k, rows in align_form(old, spec).aspects.items()}
    aspects = {k: rows or [Row()] for k, rows in carried.items() if rows or k in form.aspects}
    return form.model_copy(update={"aspects": aspects, "members": align_members(old.members, spec)})


def upload_form(data: bytes, name: str, specs: dict[str, MeetingSpec] | None = None) -> FormState:
    """The form an uploaded profile or meeting file fills in, read and checked exactly as `duizhao draft` reads
    a file: a key given twice or an aspect the spec does not name is refused, nothing is remapped."""
    from pipeline.web.meeting_forms import align_members, from_meeting, refuse_external_profile

    loaded = inputs.load_input(data, name, specs)
    if loaded.meeting is not None:
        refuse_external_profile(loaded.meeting, name)
        form = align_form(from_meeting(loaded.meeting), loaded.spec)
        return form.model_copy(update={"members": align_members(form.members, loaded.spec)})
    return align_form(from_profile(loaded.profile), loaded.spec)


def checked_profile(state: FormState) -> tuple[Profile, MeetingSpec, str]:
    """The form as a validated profile, its spec and its YAML text (for the download)."""
    profile = to_profile(state)
    spec = inputs.checked_unit(profile)
    return profile, spec, profile_yaml(profile)


def parse_saved_profile(text: str | None) -> Profile | None:
    """The profile a draft was made from, as the session keeps it (its own file, not the runner's)."""
    if not text:
        return None
    return inputs.read_unit(text.encode("utf-8"), "（起草时的单位资料）")


def load_saved_profile(path: Path) -> Profile | None:
    return inputs.read_unit(path.read_bytes(), "（起草时的单位资料）") if path.is_file() else None


_REVIEWS: OrderedDict[str, Review] = OrderedDict()
_REVIEWS_LOCK = threading.Lock()
KEPT_REVIEWS = 64  # the pages open at once in an office, each reloaded or downloaded from


def reviewed(text: str, spec: MeetingSpec | None, profile: Profile | None) -> Review:
    """`review_text`, remembered for the same text, spec and profile: reloading the review page or downloading
    does not check the whole material again."""
    key = hashlib.sha256("\x00".join([text, spec.model_dump_json() if spec else "",
                                       profile.model_dump_json() if profile else ""]).encode("utf-8")).hexdigest()
    with _REVIEWS_LOCK:
        if key in _REVIEWS:
            _REVIEWS.move_to_end(key)
            return _REVIEWS[key]
    review = review_text(text, spec, profile)
    with _REVIEWS_LOCK:
        _REVIEWS[key] = review
        while len(_REVIEWS) > KEPT_REVIEWS:
            _REVIEWS.popitem(last=False)
    return review


def file_stem(name: str) -> str:
    return safe_name(name)


def confirm_sentence(session_text: str, sentence: str, keep: bool, record: Path | None, paragraph: int = -1) -> str:
    """Keep or delete one marked sentence in the workbench's text, and in the draft's record when it has one."""
    text = confirm_in_text(session_text, sentence, keep, paragraph)
    if record is not None:
        confirm_recorded(record, sentence, keep)
    return text
