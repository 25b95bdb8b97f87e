"""What users bring, read the one strict way for the CLI and the workbench alike: unit profiles, meeting files,
meeting specs and notices, from a path or from an upload's bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.core.files import read_yaml, yaml_from_bytes
from pipeline.material import profile as profile_module
from pipeline.material import specs as specs_module
from pipeline.material.meeting import MeetingFile, check_meeting, is_meeting_data, is_meeting_file, meeting_template
from pipeline.material.notice import read_notice
from pipeline.material.notice_spec import default_id, new_spec, spec_from_notice
from pipeline.material.profile import (Profile, parse_profile, profile_template, resolve_spec,
                                       validate_against_spec)
from pipeline.material.specs import (MeetingSpec, aspect_for_key, builtin_specs, load_spec, spec_reference,
                                     user_spec_path, user_specs)

__all__ = ["Loaded", "known_specs", "spec_of", "load_input", "load_unit", "read_unit", "checked_unit", "checked_meeting_data",
           "cause_roots", "aspect_name", "is_meeting_data", "is_meeting_file", "load_spec",
           "builtin_specs", "user_specs", "spec_reference", "profile_template", "meeting_template", "new_spec", "notice_spec",
           "free_spec_id", "delete_user_spec", "profile_paths",
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


def load_input(source: bytes | str | Path, name: str | None = None,
               specs: dict[str, MeetingSpec] | None = None) -> Loaded:
    """A unit profile or a meeting file, checked as `duizhao draft` checks it. Bytes (an upload) may only name a
    known spec by id (among `specs`, when the caller may use only some); a path may also name a spec file beside it."""
    upload = isinstance(source, bytes)
    name = name or str(source)
    data = read_data(source, name, MEETING if not upload and is_meeting_file(source) else UNIT)
    if upload and isinstance(data, dict) and isinstance(data.get("meeting"), dict):
        spec_id = data["meeting"].get("spec")
        if isinstance(spec_id, str):
            spec_of(spec_id, specs)  # a path in an upload is never opened
    if is_meeting_data(data):
        meeting, spec = check_meeting(data, name, None if upload else Path(source).parent)
        return Loaded(spec, meeting=meeting)
    profile = parse_profile(data, name)
    spec = spec_of(profile.meeting.spec, specs) if upload else resolve_spec(profile, Path(source).parent)
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


def cause_roots() -> list[str]:
    """The standard subjective roots a unit may name, when the profile format has per-unit causes."""
    roots = getattr(profile_module, "cause_roots", None)
    return list(roots()) if roots is not None and "causes" in Profile.model_fields else []


def free_spec_id(base: str) -> str:
    """`base`, or base-2, base-3 … when a spec of that id exists: an id nobody has to type or invent."""
    taken = set(known_specs())
    number, candidate = 1, base
    while candidate in taken or user_spec_path(candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def delete_user_spec(spec_id: str) -> None:
    """Remove a spec saved among the user's specs (never a built-in one)."""
    if spec_id in builtin_specs() or spec_id not in user_specs()[0]:
        raise InputError("没有这个会议规范", code="not-found")
    user_spec_path(spec_id).unlink(missing_ok=True)


def notice_spec(text: str, what: str = "上传的通知") -> MeetingSpec:
    """A spec proposed from a notice's text, not saved: shown to the user for confirmation."""
    reading = read_notice(text, what)
    return spec_from_notice(reading, default_id(reading), what)


def profile_paths(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            # 我支部.YAML counts; editor lock and backup files (.~lock…, ._name) do not.
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml")
                            and not p.name.startswith((".", "~")))
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"单位资料文件不存在：{path}")
    if not found:
        raise InputError(f"没有找到单位资料（.yaml）：{' '.join(map(str, paths))}")
    return found
