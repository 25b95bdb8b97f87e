"""A meeting spec from a notice: `duizhao specs new --from FILE`. Saved unconfirmed, in the user spec folder, so
that `specs show ID`, `profile init --spec ID` and `spec: ID` in a profile find it from any folder."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.core.atomic import write_file
from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon
from pipeline.material.load import read_text
from pipeline.material.notice import NoticeReading, Proposer, read_notice
from pipeline.material.specs import (Aspect, MeetingSpec, Part, SubPart, builtin_specs, user_spec_path,
                                     user_specs)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")
_LEADS = ("带头", "对照")


def _aliases(name: str) -> list[str]:
    """The name without its leading verb (带头… / 对照…), a substring of the notice too, so headings that drop
    it still match."""
    for lead in _LEADS:
        if name.startswith(lead) and len(name) - len(lead) >= 4:
            return [name[len(lead):]]
    return []


def default_id(reading: NoticeReading) -> str:
    kind = "minzhu" if reading.meeting == "民主生活会" else "zuzhi"
    base = "-".join(part for part in (str(reading.year) if reading.year else "",
                                      "niandu" if "年度" in reading.name else "", kind) if part)
    # A built-in spec keeps its id: the notice's own spec gets a suffix instead.
    return base if base not in builtin_specs() else base + "-tongzhi"


def _parts(reading: NoticeReading) -> list[Part]:
    words = lexicon("notice")
    parts = [Part(role="preamble", hint="会前学习、谈心谈话和本次征求意见情况" if reading.opinions else "")]
    for role in ("last_year", "campaign"):
        if role in reading.parts:
            parts.append(Part(role=role, heading=reading.parts[role]))  # type: ignore[arg-type]
    parts.append(Part(role="problems"))
    if "case_study" in reading.parts:
        case = words["case_study"]
        parts.append(Part(role="case_study", heading=case["heading"],
                          subparts=[SubPart(**sub) for sub in case["subparts"]]))
    parts += [Part(role="causes"), Part(role="measures"), Part(role="closing", required=False)]
    return parts


def spec_from_notice(reading: NoticeReading, spec_id: str, file_name: str) -> MeetingSpec:
    words = lexicon("notice")
    aspects = []
    seen: set[str] = set()
    for name in reading.aspects:
        aliases = [a for a in _aliases(name) if a not in seen and a not in reading.aspects]
        seen.update([name, *aliases])
        aspects.append(Aspect(name=name, aliases=aliases))
    return MeetingSpec(
        id=spec_id, name=reading.name, meeting=reading.meeting,  # type: ignore[arg-type]
        body="领导班子" if reading.meeting == "民主生活会" else "党支部", year=reading.year, status="unconfirmed",
        source=words["source_model" if reading.kind == "model" else "source"].format(file=file_name),
        theme=reading.theme, title="{unit}" + reading.name + "对照检查材料", parts=_parts(reading), aspects=aspects)


def spec_yaml(spec: MeetingSpec) -> str:
    return yaml.safe_dump(spec.model_dump(exclude_defaults=True), allow_unicode=True, sort_keys=False)


def new_spec(path: str | Path, spec_id: str | None = None, force: bool = False,
             propose: Proposer | None = None) -> tuple[MeetingSpec, Path]:
    """Read the notice at `path`, save its spec in the user spec folder; (spec, where it was saved)."""
    path = Path(path)
    reading = read_notice(read_text(path), path.name, propose)
    spec_id = spec_id or default_id(reading)
    if not _ID.match(spec_id):
        raise InputError(f"规范 ID 只能用小写字母、数字和连字符（2 到 61 个字符），如 2026-niandu-minzhu：{spec_id}")
    if spec_id in builtin_specs():
        raise InputError(f"“{spec_id}”是内置会议规范的 ID，请用 --id 另取一个")
    target = user_spec_path(spec_id)
    if target.exists() and not force:
        raise InputError(f"已有同名的自建会议规范：{target}（覆盖请加 --force，或用 --id 另取一个）")
    existing = user_specs()[0].get(spec_id) if target.exists() else None
    if target.exists() and (existing is None or "duizhao specs new" not in existing.source):
        # --force replaces only what specs new wrote; a spec the user wrote or edited by hand stays.
        raise InputError(f"{target} 不是 duizhao specs new 生成的会议规范，不会覆盖：请用 --id 另取一个")
    spec = spec_from_notice(reading, spec_id, path.name)
    write_file(target, spec_yaml(spec).encode("utf-8"), "会议规范")
    return spec, target
