"""Last year, gathered for a draft: the profile's own `last_year`, last year's material (`--last-year` or the
profile's `last_year_file`) and the 整改清单 the clerk kept (`--ledger` or `ledger_file`), merged into one list
of entries, one per problem.

What the clerk typed wins over what was read; a ledger row's 状态/完成情况 fills in the result of the problem it
is (same problem by the 年年提 matcher); nothing is invented.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError
from pipeline.material.last_year import read_last_year
from pipeline.material.ledger_read import ledger_last_year, read_ledger
from pipeline.core.resources import lexicon
from pipeline.material.meeting import MeetingFile, group_profile, load_meeting
from pipeline.material.profile import LastYear, Profile
from pipeline.review.repeats import best_match

_FILLED = ("measure", "owner", "deadline", "aspect", "status", "evidence", "fixed", "source")


class LastYearRead(BaseModel):
    """What was read, to show the clerk before drafting."""

    model_config = ConfigDict(extra="forbid")
    material: str | None = None
    ledger: str | None = None
    entries: list[LastYear] = []
    from_material: int = 0
    from_ledger: int = 0
    ledger_issues: list[str] = []


def _resolve(given: Path | None, key: str | None, base: Path | None) -> Path | None:
    if given is not None:
        path = Path(given)
    elif key:
        path = Path(key) if Path(key).is_absolute() or base is None else base / key
    else:
        return None
    if not path.is_file():
        raise InputError(f"上年度文件不存在：{path}")
    return path


def pair(entries: list[LastYear], found: list[LastYear]) -> list[int | None]:
    """For each of `found`, the index of the same problem in `entries`, or None. Each listed problem takes at most
    one of `found`, and two of `found` never pair with each other: two rows of one ledger are two problems, however
    alike their wording."""
    free = list(range(len(entries)))
    pairs: list[int | None] = []
    for entry in found:
        match = best_match(entry.problem, [entries[i].problem for i in free])
        pairs.append(None if match is None else free.pop(match))
    return pairs


def merge(entries: list[LastYear], found: list[LastYear], overwrite: tuple[str, ...] = ()) -> list[LastYear]:
    """`entries` with each of `found` merged into the same problem (its empty fields filled, and `overwrite`
    fields replaced when `found` has them), or appended when it is a problem not listed yet."""
    merged = list(entries)
    for entry, index in zip(found, pair(entries, found)):
        if index is None:
            merged.append(entry)
            continue
        current = merged[index]
        update = {name: getattr(entry, name) for name in _FILLED
                  if getattr(entry, name) and (not getattr(current, name) or name in overwrite)}
        merged[index] = current.model_copy(update=update)
    return merged


def gather_last_year(profile: Profile, base: Path | None = None, material: Path | None = None,
                     ledger: Path | None = None, who: str = "") -> LastYearRead:
    """The profile's last year with last year's material and ledger merged in (`who`: a member's rows only)."""
    material_path = _resolve(material, profile.last_year_file, base)
    ledger_path = _resolve(ledger, profile.ledger_file, base)
    read = LastYearRead(material=str(material_path) if material_path else None,
                        ledger=str(ledger_path) if ledger_path else None)
    entries = list(profile.last_year)
    if material_path is not None:
        found = read_last_year(material_path)
        read.from_material = len(found)
        # In the material's order; what the clerk typed in the profile replaces what was read.
        entries = merge(found, entries, overwrite=_FILLED)
    if ledger_path is not None:
        sheet = read_ledger(ledger_path)
        if sheet.errors:
            raise InputError("\n".join([f"整改清单 {ledger_path} 有 {len(sheet.errors)} 处错误，未起草：",
                                        *(issue.message for issue in sheet.errors)]))
        rows = [row for row in ledger_last_year(sheet) if row.who == who]
        read.from_ledger = len(rows)
        read.ledger_issues = [issue.message for issue in sheet.issues]
        # The ledger is newer than last year's material: its 状态 replaces what was read; its 完成情况 fills a
        # result the profile left empty (a result typed in the profile stays).
        entries = merge(entries, rows, overwrite=("status", "evidence", "source"))
    read.entries = entries
    return read


def with_last_year(profile: Profile, base: Path | None = None, material: Path | None = None,
                   ledger: Path | None = None) -> Profile:
    """`profile` with its last year gathered; unchanged when there is nothing to read."""
    if material is None and ledger is None and not profile.last_year_file and not profile.ledger_file:
        return profile
    return profile.model_copy(update={"last_year": gather_last_year(profile, base, material, ledger).entries})


def gather_meeting_last_year(meeting: MeetingFile, group: Profile, path: Path, material: Path | None = None,
                             ledger: Path | None = None) -> tuple[MeetingFile, Profile]:
    """A meeting's last year: last year's material into the 班子's last_year; the kept ledger's rows into the
    班子's and each member's (by whose problem the row's 来源 names), so that their 上年度 parts and the new
    ledger's carried rows follow it."""
    base = (path.parent / meeting.profile).parent if meeting.profile else path.parent
    group = with_last_year(group, base, material, ledger)
    ledger = ledger or (base / group.ledger_file if group.ledger_file else None)
    if ledger is None:
        return meeting.model_copy(update={"last_year": group.last_year}), group
    members = []
    for member in meeting.members:
        own = Profile(unit={"name": member.name}, meeting=meeting.meeting, last_year=member.last_year)
        members.append(member.model_copy(update={
            "last_year": gather_last_year(own, base, ledger=ledger, who=member.name).entries}))
    return meeting.model_copy(update={"members": members, "last_year": group.last_year}), group


def meeting_last_year(path: Path, material: Path | None = None, ledger: Path | None = None) -> list[tuple[str, list[LastYear]]]:
    """What a meeting's draft will read of last year, per body (班子 first, then each member), to show first."""
    meeting, spec = load_meeting(path)
    meeting, group = gather_meeting_last_year(meeting, group_profile(meeting, spec, path), path, material, ledger)
    return [(lexicon("meeting")["ledger"]["group"], group.last_year), *((m.name, m.last_year) for m in meeting.members)]


def last_year_yaml(path: Path, ledger: Path | None = None) -> str:
    """Last year's problems read from a material (and a kept ledger) as a `last_year:` block to check and paste
    into the profile; `fixed` is left for the unit's result unless the ledger gives it."""
    import yaml  # lazy: only here

    entries = read_last_year(path)
    if ledger is not None:
        sheet = read_ledger(ledger)
        if sheet.errors:
            raise InputError(sheet.errors[0].message)
        entries = merge(entries, [e for e in ledger_last_year(sheet) if not e.who], overwrite=("status", "evidence"))
    keep = ("problem", "aspect", "measure", "owner", "deadline", "status", "fixed")
    data = [{name: getattr(e, name) for name in keep if getattr(e, name) or name == "fixed"} for e in entries]
    head = lexicon("last_year")["yaml_head"].format(name=path.name)
    return head + yaml.safe_dump({"last_year": data}, allow_unicode=True, sort_keys=False, width=1 << 20)
