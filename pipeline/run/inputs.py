"""What users bring, read the one strict way for the CLI and the workbench alike: unit profiles, meeting files,
meeting specs and notices, from a path or from an upload's bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.core.files import read_yaml, yaml_from_bytes
from pipeline.draft.plan import make_outline
from pipeline.material import profile as profile_module
from pipeline.material import specs as specs_module
from pipeline.material.meeting import MeetingFile, check_meeting, is_meeting_data, is_meeting_file, meeting_template
from pipeline.material.notice import read_notice
from pipeline.material.notice_spec import default_id, new_spec, spec_from_notice
from pipeline.material.profile import (Profile, parse_profile, profile_template, resolve_spec,
                                       validate_against_spec)
from pipeline.material.specs import MeetingSpec, aspect_for_key, builtin_specs, load_spec, user_specs
from pipeline.review.structure import role_name

__all__ = ["Loaded", "known_specs", "spec_of", "load_input", "load_unit", "read_unit", "checked_unit", "checked_meeting_data",
           "outline_items", "cause_roots", "aspect_name", "is_meeting_data", "is_meeting_file", "load_spec",
           "builtin_specs", "user_specs", "profile_template", "meeting_template", "new_spec", "notice_spec",
           "MeetingFile", "MeetingSpec", "Profile"]

UNIT = "单位资料"
MEETING = "会议文件"


@dataclass
class Loaded:
    """A unit profile or a whole meeting file, validated against its spec."""
    spec: MeetingSpec
    profile: Profile | None = None
    meeting: MeetingFile | None = None


def known_specs() -> dict[str, MeetingSpec]:
    """Built-in specs, and the user's own (made from notices)."""
    every = getattr(specs_module, "all_specs", None)
    return every() if every is not None else builtin_specs()


def spec_of(spec_id: str, specs: dict[str, MeetingSpec] | None = None) -> MeetingSpec:
    """A spec by id among the known ones: an id from a browser or an upload never becomes a path."""
    specs = known_specs() if specs is None else specs
    if spec_id in specs:
        return specs[spec_id]
    raise InputError(f"未知的会议规范：{spec_id}（可用：{'、'.join(specs)}）")


def read_data(source: bytes | str | Path, name: str, what: str = UNIT) -> object:
    """The YAML data of a file or an upload, through the one strict loader (a key given twice is refused)."""
    return yaml_from_bytes(source, what, name) if isinstance(source, bytes) else read_yaml(source, what)


def load_input(source: bytes | str | Path, name: str | None = None) -> Loaded:
    """A unit profile or a meeting file, checked as `duizhao draft` checks it. Bytes (an upload) may only name a
    known spec by id; a path may also name a spec file beside it."""
    upload = isinstance(source, bytes)
    name = name or str(source)
    data = read_data(source, name, MEETING if not upload and is_meeting_file(source) else UNIT)
    if upload and isinstance(data, dict) and isinstance(data.get("meeting"), dict):
        spec_id = data["meeting"].get("spec")
        if isinstance(spec_id, str):
            spec_of(spec_id)  # a path in an upload is never opened
    if is_meeting_data(data):
        meeting, spec = check_meeting(data, name, None if upload else Path(source).parent)
        return Loaded(spec, meeting=meeting)
    profile = parse_profile(data, name)
    spec = spec_of(profile.meeting.spec) if upload else resolve_spec(profile, Path(source).parent)
    validate_against_spec(profile, spec, name)
    return Loaded(spec, profile=profile)


def load_unit(source: bytes | str | Path, name: str | None = None) -> tuple[Profile, MeetingSpec]:
    loaded = load_input(source, name)
    if loaded.profile is None:
        raise InputError(f"{name or source} 是会议文件（列有班子成员），这里需要单位资料")
    return loaded.profile, loaded.spec


def read_unit(source: bytes | str | Path, name: str | None = None) -> Profile:
    """A profile as written, not checked against its spec (one kept beside its own draft)."""
    return parse_profile(read_data(source, name or str(source)), name or str(source))


def checked_unit(profile: Profile, name: str = "（表单）") -> MeetingSpec:
    """A profile built in memory (the workbench's form), checked as a profile file is: its spec, its aspects."""
    spec = spec_of(profile.meeting.spec)
    validate_against_spec(profile, spec, name)
    return spec


def checked_meeting_data(data: dict, name: str = "（表单）") -> tuple[MeetingFile, MeetingSpec]:
    spec_id = (data.get("meeting") or {}).get("spec") if isinstance(data.get("meeting"), dict) else None
    if isinstance(spec_id, str):
        spec_of(spec_id)
    return check_meeting(data, name, None)


def aspect_name(key: str, spec: MeetingSpec) -> str | None:
    """The spec's aspect a key names (its name or an alias the spec writes), as the CLI accepts it; None otherwise.
    Never the nearest aspect by similarity."""
    try:
        return aspect_for_key(key, spec)
    except InputError:
        return None


def outline_items(profile: Profile, spec: MeetingSpec) -> list[dict]:
    """What the draft will write, section by section, for a progress list."""
    outline = make_outline(profile, spec)
    return [{"key": item.key, "label": (section.marker + section.heading or role_name(section.role))
             + (" › " + item.heading if item.heading else "")} for section in outline.sections for item in section.items]


def cause_roots() -> list[str]:
    """The standard subjective roots a unit may name, when the profile format has per-unit causes."""
    roots = getattr(profile_module, "cause_roots", None)
    return list(roots()) if roots is not None and "causes" in Profile.model_fields else []


def notice_spec(text: str, what: str = "上传的通知") -> MeetingSpec:
    """A spec proposed from a notice's text, not saved: shown to the user for confirmation."""
    reading = read_notice(text, what)
    return spec_from_notice(reading, default_id(reading), what)
