"""The meeting file: one 民主生活会 / 组织生活会 with its 班子 and every member. A public contract, validated strictly.

A member's personal material is drafted from a Profile built here (voice 我, the member's duties and own
problems); the 班子 material from the meeting's own fields or from the profile file it names.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, ValidationError, field_validator

from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon, prompt_text
from pipeline.material.profile import (CaseStudy, Cause, causes_mapping, spec_roots, LastYear, Preparation, Problem, Profile, Signature, Strict, Unit,
                                       load_profile, resolve_spec, validate_against_spec)
from pipeline.material.meeting_facts import Outcome, Session
from pipeline.material.specs import MeetingSpec, aspect_for_key, expected_roots, spoken_name
from pipeline.core.files import read_yaml
from pipeline.core.files import describe, expect_mapping

_WHAT = "会议文件"


def _empty_lists(value):
    # An aspect key with nothing under it (YAML null) means "no facts yet", not an error.
    if isinstance(value, dict):
        return {key: (items or []) for key, items in value.items()}
    return value


class Member(Strict):
    name: str = Field(min_length=1)
    post: str = Field(min_length=1)  # 党委书记、分管副镇长 …
    duties: list[str] = []  # 分管 areas: where the member's examples come from
    aspects: dict[str, list[Problem]] = {}
    last_year: list[LastYear] = []
    campaign: list[LastYear] = []  # the member's fixes in a study campaign's rectification, where the spec asks
    case_study: CaseStudy | None = None
    causes: list[Cause] = []  # the member's own analysis per root (理想信念: …)
    # Colleague name → the points this member raises about them at the meeting.
    criticisms: dict[str, list[str]] = {}
    target_chars: int | None = Field(None, ge=800, le=30000)

    _aspects = field_validator("aspects", mode="before")(classmethod(lambda cls, v: _empty_lists(v)))
    _causes = field_validator("causes", mode="before")(classmethod(lambda cls, v: causes_mapping(v)))

    @field_validator("criticisms", mode="before")
    @classmethod
    def _criticism_lists(cls, value):
        if isinstance(value, dict):
            return {key: ([items] if isinstance(items, str) else (items or [])) for key, items in value.items()}
        return value

    def problems(self) -> list[tuple[str, Problem]]:
        return [(aspect, p) for aspect, problems in self.aspects.items() for p in problems]


class MeetingFile(Profile):
    """The 班子's own fields are a profile's (one model, one set of validators); a meeting adds its members and,
    instead of those fields, may name a profile file."""

    profile: str | None = None  # path relative to this file
    members: list[Member] = Field(min_length=1)
    session: Session | None = None  # when, where, who: the 会议方案, 主持词 and 情况报告 state these
    outcome: Outcome | None = None  # what happened at the meeting (filled in after it)

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)

    def problems(self) -> list[tuple[str, Problem]]:
        return [(aspect, p) for aspect, problems in self.aspects.items() for p in problems]


def is_meeting_data(data: object) -> bool:
    """A meeting file lists members; a unit profile does not."""
    return isinstance(data, dict) and "members" in data


def is_meeting_file(path: str | Path) -> bool:

    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        return is_meeting_data(read_yaml(path, _WHAT))
    except InputError:
        return False


def _fail(path, where: str, why: str) -> InputError:
    return InputError(f"{_WHAT} {path} 字段 {where} 有误：{why}")


def _check_members(meeting: MeetingFile, path) -> None:
    names = [m.name.strip() for m in meeting.members]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise _fail(path, f"members.{index}.name", f"成员“{name}”重复（每位班子成员只列一次）")
    for index, member in enumerate(meeting.members):
        for target in member.criticisms:
            if target.strip() == member.name.strip():
                raise _fail(path, f"members.{index}.criticisms.{target}", "不能对自己提批评意见（自我批评写在个人材料中）")
            if target.strip() not in names:
                raise _fail(path, f"members.{index}.criticisms.{target}",
                            f"“{target}”不是本次会议的成员（成员：{'、'.join(names)}）")
    for index, entry in enumerate(meeting.session.absent if meeting.session else []):
        name = entry.split("（")[0].split("(")[0].strip()
        if name not in names:
            raise _fail(path, f"session.absent.{index}", f"“{name}”不是本次会议的成员（请假的应是成员：{'、'.join(names)}）")


def _check_aspects(keys, spec: MeetingSpec, path, where: str) -> None:
    """Each key names an aspect of the spec or an alias it writes, as in a profile (never silently remapped)."""
    for key in keys:
        aspect_for_key(key, spec, where=f"{_WHAT} {path} 字段 {where}.{key} 有误：")


def parse_meeting(data: object, path: str | Path = "<meeting>") -> MeetingFile:

    data = expect_mapping(data, path, _WHAT, "至少包括 unit、meeting 和 members；可用 duizhao meeting init --spec 会议规范 生成模板")
    try:
        return MeetingFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{_WHAT} {path} {describe(exc, MeetingFile)}") from exc


def load_meeting(path: str | Path) -> tuple[MeetingFile, MeetingSpec]:
    """The validated meeting and its spec; every error is one InputError naming the field."""

    path = Path(path)
    return check_meeting(read_yaml(path, _WHAT), path, path.parent)


def check_meeting(data: object, path: str | Path, base: Path | None) -> tuple[MeetingFile, MeetingSpec]:
    """A meeting file's data validated as `load_meeting` does; `base` is where a relative spec path points."""

    meeting = parse_meeting(data, path)
    spec = resolve_spec(group_stub(meeting), base)
    _check_members(meeting, path)
    _check_aspects(meeting.aspects, spec, path, "aspects")
    for index, member in enumerate(meeting.members):
        _check_aspects(member.aspects, spec, path, f"members.{index}.aspects")
    return meeting, spec


def group_stub(meeting: MeetingFile) -> Profile:
    return Profile(unit=meeting.unit, meeting=meeting.meeting)


def _problems(aspects: dict[str, list[Problem]], owner: str = "") -> dict[str, list[Problem]]:
    """Copies of the problems; a member's own problem without an owner is the member's to fix."""
    return {key: [p.model_copy(update={"owner": p.owner or owner}, deep=True) for p in problems]
            for key, problems in aspects.items()}


def group_profile(meeting: MeetingFile, spec: MeetingSpec, path: str | Path) -> Profile:
    """The 班子's profile: the file named by `profile:`, or the meeting's own fields."""
    if meeting.profile:
        target = Path(path).parent / meeting.profile
        profile = load_profile(target)
        validate_against_spec(profile, spec, target)
        return profile
    own = {name: getattr(meeting, name) for name in Profile.model_fields}
    return Profile(**{**own, "aspects": _problems(meeting.aspects)})


def meeting_label(meeting: MeetingFile, spec: MeetingSpec) -> str:
    """The meeting as titles name it: the spec's name without its label, dated (2025年度组织生活会)."""
    return spoken_name(spec, meeting.meeting.year)


def member_title(meeting: MeetingFile, member: Member, spec: MeetingSpec) -> str:
    return lexicon("meeting")["titles"]["personal"].format(name=member.name, post=member.post,
                                                           meeting=meeting_label(meeting, spec), unit=meeting.unit.name)


def member_profile(meeting: MeetingFile, member: Member, spec: MeetingSpec) -> Profile:
    """A member as a profile in the personal voice: self 我, study and talks from the member's duties."""
    date = meeting.signature.date if meeting.signature else None
    duties = "、".join(member.duties)
    prep = Preparation(study=[lexicon("meeting")["personal_study"].format(duties=duties)] if duties else None)
    return Profile(unit=Unit(name=member.name, type="个人", self="我"), meeting=meeting.meeting, preparation=prep,
                   work=list(member.duties), aspects=_problems(member.aspects, member.name), last_year=member.last_year,
                   causes=list(member.causes),
                   campaign=member.campaign,
                   case_study=member.case_study, target_chars=member.target_chars,
                   title=member_title(meeting, member, spec), signature=Signature(name=member.name, date=date))


_LISTS = {"attendees", "absent", "observers", "supervisor_people", "opinion_channels", "remarks", "summary",
          "decisions"}


class _PlainDumper(yaml.SafeDumper):
    """No anchors and aliases (&id001 / *id001): each placeholder is written out where the user fills it."""

    def ignore_aliases(self, data) -> bool:
        return True


def meeting_template(spec: MeetingSpec, reference: str | None = None) -> str:
    """A commented meeting file for `spec`: data emitted as YAML, comments and placeholders from prompts/."""
    words = yaml.safe_load(prompt_text("meeting_template.yaml"))
    fill = words["fill"]
    problem = {"problem": fill["problem"], "detail": fill["detail"], "facts": [fill["fact"]], "impact": fill["impact"],
               "cause": fill["cause"], "root": "", "measure": fill["measure"], "deadline": fill["deadline"], "source": ""}
    causes = {root: fill["root_note"].format(root=root) for root in expected_roots(spec)}
    aspects = {name: [dict(problem, owner=fill["owner"])] for name in spec.aspect_names()}
    members = [{"name": fill[f"member{n}"], "post": fill[f"post{n}"], "duties": [fill["duty"]],
                "aspects": {name: [problem] for name in spec.aspect_names()},
                "causes": dict(causes),
                "last_year": [{"problem": fill["last_problem"], "fixed": fill["last_fixed"]}],
                "criticisms": {fill[f"member{3 - n}"]: [fill["criticism"]]}} for n in (1, 2)]
    self_name = "支部班子" if "支部" in spec.body else "班子"
    data = {"unit": {"name": fill["unit"], "type": spec.body, "self": self_name},
            "meeting": {"spec": reference or spec.id, "year": spec.year},
            "preparation": {"talks": 0, "opinions": 0, "study": fill["study"]},
            "aspects": aspects, "causes": causes, "last_year": [], "signature": {"name": fill["signature"], "date": fill["date"]},
            "members": members}
    # The meeting's own facts: empty until the clerk knows them (the documents say 【待补】 meanwhile).
    data |= {"session": {key: ([] if key in _LISTS else None) for key in Session.model_fields},
             "outcome": {key: ([] if key in _LISTS else None) for key in Outcome.model_fields}}
    body = yaml.dump(data, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False, width=1000)
    body = body.replace(": null\n", ":\n")
    comments = words["comments"]
    lines = [line.format(spec_name=spec.name, spec_id=spec.id) for line in words["header"]]
    roots = "、".join(spec_roots(spec))
    comments = {key: note.format(roots=roots) for key, note in comments.items()}
    seen: set[str] = set()
    top = ""
    for line in body.splitlines():
        key = line.strip().removeprefix("- ").split(":", 1)[0]
        top = key if not line.startswith(" ") and not line.startswith("-") else top
        # The first line of each key gets its comment; a key under a top-level one may have its own (unit.name).
        path = f"{top}.{key}" if f"{top}.{key}" in comments else key
        note = comments.get(path) if path not in seen else None
        seen.add(path)
        lines.append(f"{line}  # {note}" if note else line)
    return "\n".join(lines) + "\n"
