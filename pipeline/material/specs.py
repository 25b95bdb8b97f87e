"""Meeting specs: the skeleton of a meeting's material (its parts, in order, with headings and sub-parts) and the
mandated aspects of its problems, in order. Specs ship in specs/; users add their own (made from a notice) in the
user spec folder."""

from __future__ import annotations

from collections import Counter

import difflib
from datetime import date
import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.material.document import Role
from pipeline.core.errors import InputError
from pipeline.core.resources import data_dir, lexicon, user_dir
from pipeline.text.numbering import CN_NUMERALS, count_limit
from pipeline.core.files import describe, expect_mapping, read_yaml


class Aspect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    aliases: list[str] = []
    # What the problems under this aspect are about; fed to prompts and the offline composer.
    hint: str = ""
    # The heading of the measure that answers this aspect's problems.
    measure: str = ""


class SubPart(BaseModel):
    """A fixed （一）（二） item of a part, e.g. the case study's 案例原因剖析 / 对照案例查摆自身差距."""

    model_config = ConfigDict(extra="forbid")
    # The profile field under the part's section that holds this sub-part's facts (case_study.gaps).
    key: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    heading: str = Field(min_length=1)
    # What to write here; shown in 【待补】 when the profile has nothing for it, and given to the model.
    hint: str = ""


class Part(BaseModel):
    """One level-1 part of the skeleton."""

    model_config = ConfigDict(extra="forbid")
    role: Role
    # Empty: the standard heading (lexicon/composer.yaml). May use {year}, {prev_year}, {meeting_kind}.
    heading: str = ""
    # A required part is always drafted and its absence is an error; an optional one is drafted when the
    # profile has material for it.
    required: bool = True
    hint: str = ""
    subparts: list[SubPart] = []

    @field_validator("subparts")
    @classmethod
    def _keys_unique(cls, subparts: list[SubPart]) -> list[SubPart]:
        keys = [s.key for s in subparts]
        if len(set(keys)) != len(keys):
            raise ValueError("subparts 中 key 重复")
        return subparts


# The genre's order of parts, used for specs that list only roles (the older form).
CANONICAL_ORDER = ("preamble", "last_year", "campaign", "problems", "case_study", "causes", "measures", "closing")


class MeetingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    name: str
    meeting: Literal["民主生活会", "组织生活会"]
    body: str
    year: int | None = None
    status: Literal["confirmed", "unconfirmed", "local-practice"]
    source: str
    # The meeting's theme as the notice words it (for the preamble and prompts).
    theme: str = ""
    # The skeleton: either `parts` (ordered, with headings and sub-parts) or the older `roles` (required) and
    # `optional_roles`, placed in the genre's order with standard headings.
    parts: list[Part] = []
    roles: list[Role] = []
    optional_roles: list[Role] = []
    # True when the aspects are suggestions a unit may replace (generic meetings).
    free_aspects: bool = False
    aspects: list[Aspect]
    title: str = ""

    @field_validator("roles")
    @classmethod
    def _roles_unique(cls, roles: list[str]) -> list[str]:
        if len(set(roles)) != len(roles):
            raise ValueError("roles 中有重复")
        return roles

    @field_validator("parts")
    @classmethod
    def _parts_valid(cls, parts: list[Part]) -> list[Part]:
        roles = [p.role for p in parts]
        if len(set(roles)) != len(roles):
            raise ValueError("parts 中有重复的部分")
        if parts and "problems" not in roles:
            raise ValueError("parts 中须有 problems（存在的问题）")
        if "other" in roles:
            raise ValueError("parts 中不能有 other")
        return parts

    @model_validator(mode="after")
    def _one_skeleton(self) -> "MeetingSpec":
        if self.parts and (self.roles or self.optional_roles):
            raise ValueError("parts 与 roles/optional_roles 只能二选一")
        if not self.parts and not self.roles:
            raise ValueError("须给出 parts（或 roles）：材料由哪些部分组成")
        return self

    @cached_property
    def skeleton(self) -> tuple[Part, ...]:
        """The ordered parts. For a roles-only spec: every part of the genre in its order, the listed roles
        required, the rest optional (drafted when the profile has material for them, as before)."""
        if self.parts:
            return tuple(self.parts)
        return tuple(Part(role=role, required=role in self.roles) for role in CANONICAL_ORDER)  # type: ignore[arg-type]

    def part(self, role: str) -> Part | None:
        return next((p for p in self.skeleton if p.role == role), None)

    def required_roles(self) -> list[str]:
        return [p.role for p in self.skeleton if p.required]

    # A field validator (not a model one) so the error's location names the field: aspects.
    @field_validator("aspects")
    @classmethod
    def _aspects_unique(cls, aspects: list[Aspect]) -> list[Aspect]:
        if not aspects:
            raise ValueError("不能为空：请列出“存在的问题”的各个方面")
        count_limit(len(aspects), "方面")  # beyond it the numbering cannot be written
        # A name or alias used twice would make headings match two aspects.
        names = Counter(n.strip() for a in aspects for n in dict.fromkeys([a.name, *a.aliases]))
        duplicates = sorted(n for n, times in names.items() if times > 1)
        if duplicates:
            raise ValueError(f"aspects 中有重复的方面：{'、'.join(duplicates)}（名称或别名重复，请删去重复的一项）")
        return aspects

    def aspect_names(self) -> list[str]:
        return [a.name for a in self.aspects]

    @cached_property
    def aspect_variants(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(name, (name, *aliases)) of each aspect, for match_aspect (which runs once per heading)."""
        return tuple((aspect.name, (aspect.name, *aspect.aliases)) for aspect in self.aspects)


_PREFIX = re.compile(r"^(对照|在|关于|聚焦|围绕)")
# No open-ended repetition before the `$`: tried at every position of a long line, that was quadratic.
_SUFFIX = re.compile(r"(方面)?(存在的|存在|的)?(主要|突出)?(问题|不足|差距)?(方面)?$")
# Punctuation, and every character str.isspace() knows (what the old pattern's [\s]* stripped).
_TRAILING = ("。：:；，\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
             "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_HEADING_MAX = 120  # an aspect heading is a line; anything longer is text, and only its start names an aspect


@lru_cache(maxsize=8192)  # spec names and aliases are normalised once per heading compared, not each time
def normalise_heading(text: str) -> str:
    """Strip the wording that varies around an aspect name: 在…方面 / …方面存在的问题 / 对照… ."""
    text = re.sub(rf"^[（(][{CN_NUMERALS}]+[）)]", "", text.strip())[:_HEADING_MAX]
    for _ in range(3):
        text = _PREFIX.sub("", text).rstrip(_TRAILING)
        text = _SUFFIX.sub("", text, count=1).replace("方面", "").strip()
    return text


def match_aspect(heading: str, spec: MeetingSpec, cutoff: float = 0.6) -> str | None:
    """The canonical aspect a heading names, tolerant of wording variants; None when nothing fits."""
    core = normalise_heading(heading)
    if not core:
        return None
    return _best_aspect(core, spec.aspect_variants, cutoff)


@lru_cache(maxsize=8192)  # a material repeats its headings, and every check asks again
def _best_aspect(core: str, variants: tuple, cutoff: float) -> str | None:
    best, best_score = None, 0.0
    for name, names in variants:
        for variant in names:
            norm = normalise_heading(variant)
            if not norm:
                continue
            if norm in core or core in norm:
                score = 1.0 + min(len(norm), len(core)) / max(len(norm), len(core))
            else:
                # Upper bounds first (length, then shared characters): most variants cannot win, and
                # building the matcher is the costly part.
                floor = max(best_score, cutoff)
                if 2 * min(len(core), len(norm)) / (len(core) + len(norm)) < floor:
                    continue
                matcher = difflib.SequenceMatcher(None, core, norm)
                if matcher.quick_ratio() < floor:
                    continue
                score = matcher.ratio()
            if score > best_score:
                best, best_score = name, score
    return best if best_score >= cutoff else None


def part_heading(part: Part, meeting_kind: str, year: int | None) -> str:
    """A part's level-1 heading: the spec's own, else the standard one; {year}/{prev_year} filled in."""
    template = part.heading or lexicon("composer")["headings"].get(part.role, "")
    this_year = year or date.today().year
    return template.format(meeting_kind=meeting_kind, year=this_year, prev_year=this_year - 1)


def _read_spec(path: Path) -> MeetingSpec:

    data = expect_mapping(read_yaml(path, "会议规范文件"), path, "会议规范文件",
                          "id、name、meeting、aspects 等；可参照 duizhao specs show 的输出")
    try:
        return MeetingSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"会议规范文件 {path} {describe(exc, MeetingSpec)}") from exc


@lru_cache(maxsize=None)
def builtin_specs() -> dict[str, MeetingSpec]:
    specs = {}
    for path in sorted(data_dir("specs").glob("*.yaml")):
        spec = _read_spec(path)
        specs[spec.id] = spec
    return specs


def user_spec_dir() -> Path:
    """Where `specs new` saves specs and every lookup by id searches after the built-in ones."""
    return user_dir("specs")


def user_spec_path(spec_id: str) -> Path:
    return user_spec_dir() / f"{spec_id}.yaml"


def user_specs() -> tuple[dict[str, MeetingSpec], list[str]]:
    """The user's specs by id, and one line per file that could not be read (so one bad file hides no other)."""
    folder = user_spec_dir()
    specs: dict[str, MeetingSpec] = {}
    problems: list[str] = []
    if not folder.is_dir():
        return specs, problems
    for path in sorted(folder.glob("*.yaml")):
        try:
            spec = _read_spec(path)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if spec.id not in builtin_specs():
            specs.setdefault(spec.id, spec)
    return specs, problems


def all_specs() -> dict[str, MeetingSpec]:
    """Built-in specs, then the user's (a user spec never shadows a built-in id)."""
    return {**builtin_specs(), **user_specs()[0]}


def load_spec(id_or_path: str | Path) -> MeetingSpec:
    """A built-in spec by id, a user spec (from `specs new`) by id, or a spec file by path."""
    key = str(id_or_path)
    specs = builtin_specs()
    if key in specs:
        return specs[key]
    own = user_spec_path(key) if "/" not in key and "\\" not in key and key not in (".", "..") else None
    if own is not None and own.is_file():
        return _read_spec(own)
    path = Path(key)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise InputError(f"会议规范文件不存在：{path}")
        return _read_spec(path)
    known = list(all_specs())
    raise InputError(f"未知的会议规范：{key}（可用：{'、'.join(known)}；或给出 .yaml 文件路径；"
                     f"新通知可用 duizhao specs new --from 通知文件 生成）")


def spec_reference(id_or_path: str | Path) -> str:
    """What a profile's `meeting.spec` should say to find the spec `load_spec(id_or_path)` found: its id when
    found by id, else the file's absolute path (a template printed to stdout may be saved anywhere)."""
    key = str(id_or_path)
    if key in builtin_specs():
        return key
    own = user_spec_path(key) if "/" not in key and "\\" not in key and key not in (".", "..") else None
    if own is not None and own.is_file():
        return key
    return str(Path(key).expanduser().resolve())


def stale_spec_warning(spec: MeetingSpec, meeting_year: int | None) -> str | None:
    """A one-line warning when the meeting is of a later year than the spec: that year's notice may differ."""
    if meeting_year is None or spec.year is None or meeting_year <= spec.year:
        return None
    return (f"会议年度 {meeting_year} 晚于会议规范“{spec.id}”的年度 {spec.year}：当年的方面和结构可能已经变化，"
            f"收到新通知后请用 duizhao specs new --from 通知文件 生成新规范")


def _key_form(text: str) -> str:
    return normalise_heading(text).replace("“", "").replace("”", "").replace('"', "").replace(" ", "")


def closest_aspects(key: str, spec: MeetingSpec, count: int = 2) -> list[str]:
    """The spec's aspects whose name or aliases look most like `key` (for an error message, never a remap)."""
    core = _key_form(key)
    scored = []
    for name, variants in spec.aspect_variants:
        score = max(difflib.SequenceMatcher(None, core, _key_form(v)).ratio()
                    + (0.5 if core and core in _key_form(v) else 0.0) for v in variants)
        scored.append((score, name))
    return [name for _, name in sorted(scored, key=lambda pair: -pair[0])[:count]]


def aspect_for_key(key: str, spec: MeetingSpec, where: str = "") -> str:
    """The aspect a profile key names: its name or one of the aliases written in the spec, compared without the
    wording around an aspect (在…方面, 对照…, quotes). Anything else is an InputError naming the closest aspects:
    a unit's 廉洁方面 must not silently become another aspect. Free-aspect specs take the key as it is."""
    form = _key_form(key)
    for name, variants in spec.aspect_variants:
        if key in variants or (form and any(form == _key_form(v) for v in variants)):
            return name
    if spec.free_aspects:
        return key
    closest = "”“".join(closest_aspects(key, spec))
    raise InputError(f"{where}方面“{key}”不是会议“{spec.name}”规定的方面，也不是会议规范中写明的别名；"
                     f"最接近的是“{closest}”（请改用规定的名称，或在会议规范该方面的 aliases 中加上它）")
