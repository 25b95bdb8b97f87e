"""Meeting specs: which sections a meeting's material needs, and the mandated aspects of its problems, in order."""

from __future__ import annotations

import difflib
import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.material.document import Role
from pipeline.core.errors import InputError
from pipeline.core.resources import data_dir
from pipeline.text.numbering import CN_NUMERALS


class Aspect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    aliases: list[str] = []
    # What the problems under this aspect are about; fed to prompts and the offline composer.
    hint: str = ""
    # The heading of the measure that answers this aspect's problems.
    measure: str = ""


class MeetingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    meeting: Literal["民主生活会", "组织生活会"]
    body: str
    year: int | None = None
    status: Literal["confirmed", "unconfirmed", "local-practice"]
    source: str
    roles: list[Role]
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

    # A field validator (not a model one) so the error's location names the field: aspects.
    @field_validator("aspects")
    @classmethod
    def _aspects_unique(cls, aspects: list[Aspect]) -> list[Aspect]:
        if not aspects:
            raise ValueError("不能为空：请列出“存在的问题”的各个方面")
        # A name or alias used twice would make headings match two aspects.
        names = [n.strip() for a in aspects for n in dict.fromkeys([a.name, *a.aliases])]
        duplicates = sorted({n for n in names if names.count(n) > 1})
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


def _read_spec(path: Path) -> MeetingSpec:
    from pipeline.core.files import describe, expect_mapping, read_yaml

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


def load_spec(id_or_path: str | Path) -> MeetingSpec:
    """A built-in spec by id, or a user's spec file by path."""
    key = str(id_or_path)
    specs = builtin_specs()
    if key in specs:
        return specs[key]
    path = Path(key)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise InputError(f"会议规范文件不存在：{path}")
        return _read_spec(path)
    raise InputError(f"未知的会议规范：{key}（可用：{'、'.join(specs)}；或给出 .yaml 文件路径）")


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
