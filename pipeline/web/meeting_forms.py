"""The workbench form as a whole meeting: the 班子's fields are the unit form's, plus the 班子成员 with their own
problems and criticisms. Converts both ways with the meeting file (the CLI's YAML), checked as `duizhao draft` does."""

from __future__ import annotations

import yaml

from pipeline.core.errors import InputError
from pipeline.material.meeting import Member, MeetingFile
from pipeline.material.meeting_facts import Outcome, Session
from pipeline.material.specs import MeetingSpec
from pipeline.run.inputs import aspect_name, checked_meeting_data
from pipeline.web.forms import (FormState, MemberForm, Row, from_profile, last_year_data, last_year_rows, nonblank_lines,
                                problem_data, profile_data)

WHERE = "（表单）"
MEMBER_HANDLED = {"name", "post", "duties", "aspects", "last_year", "criticisms", "causes"}
FACTS = {"session": Session, "outcome": Outcome}  # the meeting's own facts, each an input of the form


def _is_list(model, key: str) -> bool:
    return getattr(model.model_fields[key].annotation, "__origin__", None) is list


def facts_data(values: dict, model) -> dict:
    """The typed facts in the meeting file's shape: lists one per line, the rest as typed (the model converts and
    checks numbers, so a wrong one gets the CLI's own message)."""
    data: dict = {}
    for key in model.model_fields:
        value = values.get(key)
        lines = nonblank_lines(value if isinstance(value, list) else [value or ""])
        if lines and _is_list(model, key):
            data[key] = lines
        elif lines:
            data[key] = "\n".join(lines)
    return data


def facts_form(facts, model) -> dict:
    """Every fact's input as the page sends it: text, or lines for a list."""
    facts = facts or model()
    values = {key: getattr(facts, key) for key in model.model_fields}
    return {key: list(value) if _is_list(model, key) else ("" if value is None else str(value))
            for key, value in values.items()}


def has_members(state: FormState) -> bool:
    return any(not member.empty() for member in state.members)


def _member_data(member: MemberForm, names: list[str]) -> dict:
    name = member.name.strip()
    if not member.post.strip():
        raise InputError(f"班子成员“{name}”：请填写职务")
    whose = f"班子成员“{name}”："
    entry: dict = {"name": name, "post": member.post.strip()}
    if nonblank_lines(member.duties):
        entry["duties"] = nonblank_lines(member.duties)
    aspects = {aspect: [problem_data(row, aspect, n, whose) for n, row in enumerate(rows, 1) if not row.empty()]
               for aspect, rows in member.aspects.items()}
    if any(aspects.values()):
        entry["aspects"] = {aspect: problems for aspect, problems in aspects.items() if problems}
    last_year = last_year_data(member.last_year)
    if last_year:
        entry["last_year"] = last_year
    criticisms = {target.strip(): nonblank_lines(points) for target, points in member.criticisms.items() if nonblank_lines(points)}
    for target in criticisms:
        # The form keeps points about a colleague who was renamed or removed; the meeting file cannot.
        if target not in names:
            raise InputError(f"{whose}对“{target}”的批评意见：“{target}”已不在成员名单中，请删去这些意见或改写到现有成员名下")
    if criticisms:
        entry["criticisms"] = criticisms
    causes = {root: note.strip() for root, note in member.causes.items() if note.strip()}
    if causes:
        entry["causes"] = causes
    for key, value in member.extra.items():
        entry.setdefault(key, value)
    return entry


def meeting_data(state: FormState) -> dict:
    """The meeting file mapping (CLI YAML shape) the form describes; InputError names the field that cannot fit."""
    data = profile_data(state)
    members = [m for m in state.members if not m.empty()]
    for number, member in enumerate(members, 1):
        if not member.name.strip():  # names first: every other message refers to members by name
            raise InputError(f"第 {number} 位班子成员：请填写姓名（或删去这位成员）")
    names = [m.name.strip() for m in members]
    data["members"] = [_member_data(member, names) for member in members]
    for part, model in FACTS.items():
        # The form's inputs own these facts (an older saved form kept them among the extras).
        facts = facts_data(getattr(state, part), model) if getattr(state, part) else data.get(part)
        data.pop(part, None)
        if facts:
            data[part] = facts
    return data


def meeting_yaml(meeting: MeetingFile) -> str:
    data = meeting.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    if meeting.causes:
        data["causes"] = {cause.root: cause.note for cause in meeting.causes}  # the friendly mapping form
    for member, dumped in zip(meeting.members, data.get("members", [])):
        if member.causes:
            dumped["causes"] = {cause.root: cause.note for cause in member.causes}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def form_meeting(state: FormState) -> tuple[MeetingFile, MeetingSpec]:
    """The form as a meeting checked as `duizhao draft` checks a meeting file, in memory (what is drafted)."""
    return checked_meeting_data(meeting_data(state), WHERE)


def checked_meeting(state: FormState) -> tuple[MeetingFile, MeetingSpec, str]:
    """The form as a validated meeting file, its spec and its YAML text (for the download)."""
    meeting, spec = form_meeting(state)
    return meeting, spec, meeting_yaml(meeting)


def meeting_summary(meeting: MeetingFile, spec: MeetingSpec) -> dict:
    """What the meeting page shows of the meeting drafted: unit, spec, members, and the meeting's own facts the
    会议方案, 主持词 and 情况报告 state (what is missing there is 【待补】)."""
    members = [{"name": m.name, "post": m.post, "problems": len(m.problems()),
                "criticisms": sum(len(v) for v in m.criticisms.values())} for m in meeting.members]
    facts = meeting.session.model_dump(exclude_defaults=True) if meeting.session else {}
    shown = {label: facts[key] for key, label in (("date", "时间"), ("place", "地点"), ("chair", "主持"),
                                                 ("supervisor", "到会指导")) if key in facts}
    return {"unit": meeting.unit.name, "spec": spec.name, "members": members, "session": shown}


def refuse_external_profile(meeting: MeetingFile, name: str) -> None:
    if meeting.profile:
        raise InputError(f"{name} 的班子资料在另一个文件中（profile: {meeting.profile}），工作台读不到它："
                         "请把班子资料直接写在会议文件里（unit 之下的 preparation、aspects 等），或在表单中填写")


def _member_form(member: Member) -> MemberForm:
    dumped = member.model_dump(mode="json", exclude_defaults=True)
    return MemberForm(name=member.name, post=member.post, duties=list(member.duties),
                      aspects={aspect: [Row(problem=p.problem, detail=p.detail, facts=list(p.facts), impact=p.impact,
                                            cause=p.cause, root=p.root, measure=p.measure, owner=p.owner,
                                            deadline=p.deadline, source=p.source) for p in problems]
                               for aspect, problems in member.aspects.items()},
                      last_year=last_year_rows(member.last_year),
                      criticisms={target: list(points) for target, points in member.criticisms.items()},
                      causes={cause.root: cause.note for cause in member.causes},
                      extra={k: v for k, v in dumped.items() if k not in MEMBER_HANDLED})


def from_meeting(meeting: MeetingFile) -> FormState:
    """The form an uploaded meeting file fills in: the 班子's part as a unit's, then the members."""
    state = from_profile(meeting)  # a meeting file is a profile plus its members
    extra = {k: v for k, v in state.extra.items() if k != "profile" and k not in FACTS}
    facts = {part: facts_form(getattr(meeting, part), model) for part, model in FACTS.items()}
    return state.model_copy(update={"members": [_member_form(m) for m in meeting.members], "extra": extra, **facts})


def align_members(members: list[MemberForm], spec: MeetingSpec) -> list[MemberForm]:
    """Each member's rows under the spec's aspect names, in the spec's order, every aspect present (maybe empty)."""
    aligned = []
    for member in members:
        if spec.free_aspects and member.aspects:  # the member's own headings are the aspects
            aligned.append(member)
            continue
        aspects: dict[str, list[Row]] = {a.name: [] for a in spec.aspects}
        for key, rows in member.aspects.items():
            aspects.setdefault(aspect_name(key, spec) or key, []).extend(rows)
        aligned.append(member.model_copy(update={"aspects": aspects}))
    return aligned


def carry_member_extras(old: list[MemberForm], new: list[MemberForm]) -> list[MemberForm]:
    """The page has no inputs for a member's other fields (campaign, case_study …): keep them by member name."""
    extras = {m.name.strip(): m.extra for m in old if m.extra}
    return [m.model_copy(update={"extra": extras[m.name.strip()]}) if not m.extra and m.name.strip() in extras else m
            for m in new]
