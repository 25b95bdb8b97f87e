"""Defects planted one at a time into an honest draft (Markdown, as duizhao writes it): each 督导组 rule's defect,
from lexicon/planted.yaml, put where a careless hand would put it. Used by the planted-defect benchmark and tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.core.resources import lexicon
from pipeline.material.profile import Profile
from pipeline.review.additions import profile_text
from pipeline.review.supervision import unit_type
from pipeline.text.facts import numbers

_ITEM = re.compile(r"^(#+\s*)?（([一二三四五六七八九十]+)）")
_NUMERALS = "一二三四五六七八九十"


@dataclass
class Planted:
    code: str
    text: str  # the draft with the defect in it
    quote: str  # what the finding must quote


def defects() -> dict[str, dict]:
    return lexicon("planted")["defects"]


def _sections(lines: list[str]) -> list[tuple[int, int, str]]:
    """(first line, end line, heading) of each ## part."""
    starts = [i for i, line in enumerate(lines) if re.match(r"^##\s", line) and not line.startswith("###")]
    return [(s, (starts[k + 1] if k + 1 < len(starts) else len(lines)), lines[s]) for k, s in enumerate(starts)]


def _role(heading: str) -> str | None:
    return next((role for role, cues in lexicon("planted")["parts"].items() if any(c in heading for c in cues)), None)


def _part(lines: list[str], where: str) -> list[tuple[int, int, str]]:
    return [s for s in _sections(lines) if _role(s[2]) == where]


def _paragraphs(lines: list[str], start: int, end: int, political: bool = False) -> list[int]:
    """Content paragraphs of lines[start:end] (not headings, not a one-line lead-in ending with ：)."""
    found, heading_political = [], False
    # A part with numbered items: its defects go into the items, not its lead-in.
    items = [i for i in range(start + 1, end) if _ITEM.match(lines[i].strip())]
    for i in range(items[0] if items else start + 1, end):
        line = lines[i].strip()
        if line.startswith("#"):
            heading_political = "政治" in line
            continue
        if len(line) < 12 or line.endswith(("：", ":")) or line.startswith(("对照", "根据", "按照", "针对")) or "如下" in line or "以下" in line:
            continue
        if political and not (heading_political or "政治" in line[:30]):
            continue
        found.append(i)
    return found


def _new_item(lines: list[str], start: int, end: int, text: str) -> bool:
    items = [(i, m) for i in range(start + 1, end) if (m := _ITEM.match(lines[i].strip()))]
    if not items:
        return False
    last, match = items[-1]
    number = _NUMERALS.index(match.group(2)[-1]) + 2 if len(match.group(2)) == 1 else 11
    if number > 10:
        return False
    marker = f"（{_NUMERALS[number - 1]}）"
    if match.group(1):  # ### （四）heading, then its paragraph
        j = last + 1
        while j < end and not lines[j].strip():
            j += 1
        head = re.split(r"[，。]", text)[0]
        lines[j + 1:j + 1] = ["", f"{match.group(1)}{marker}{head}", "", text]
    else:
        lines[last + 1:last + 1] = ["", f"{marker}{text}"]
    return True


def _criticism(lines: list[str], text: str) -> bool:
    for i, line in enumerate(lines):
        if _ITEM.match(line.strip()) and "同志" in line:
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and not lines[j].startswith("#"):
                lines[j] = text
                return True
    return False


def values(profile: Profile | None, unit_names: tuple[str, ...] = ()) -> dict[str, str]:
    roles = lexicon("planted")["roles"]
    own = unit_type(*unit_names, *((profile.unit.name, profile.unit.type) if profile else ()))
    year = (profile.meeting.year if profile else None) or 2025
    last = profile.last_year[0].problem if profile and profile.last_year else ""
    given = set(numbers(profile_text(profile))) if profile else set()
    count = next(n for n in lexicon("planted")["counts"] if float(n) not in given)
    return {"other_role": roles.get(own or "", roles["default"]), "past": str(int(year) - 1), "last_year": last,
            "count": str(count)}


def plant(markdown: str, code: str, profile: Profile | None = None, unit_names: tuple[str, ...] = ()) -> Planted | None:
    """The draft with `code`'s defect planted; None where it has no place in this draft. `unit_names`: what says
    which kind of unit it is when the profile does not (a member's post, the meeting's unit)."""
    defect = defects()[code]
    fill = values(profile, tuple(unit_names))
    if defect.get("needs") == "last_year" and not fill["last_year"]:
        return None
    text, quote = defect["text"].format(**fill), str(defect["quote"]).format(**fill)
    lines = markdown.splitlines()
    where, how = defect["where"], defect["how"]
    if where == "criticism":
        done = _criticism(lines, text)
    elif how == "item":
        parts = _part(lines, where)
        done = bool(parts) and _new_item(lines, parts[0][0], parts[0][1], text)
    else:
        wheres = where if isinstance(where, list) else [where]
        political = wheres == ["political"]
        parts = [p for w in (["problems"] if political else wheres) for p in _part(lines, w)]
        targets = [i for s, e, _ in parts for i in _paragraphs(lines, s, e, political)]
        count = defect.get("count", 1)
        if len(targets) < count:
            return None
        if how == "each":  # spread over the parts: one paragraph in turn from each
            targets = sorted(targets[:: max(1, len(targets) // count)][:count])
        for i in targets[:count]:
            lines[i] = text if how == "replace" else lines[i].rstrip() + text
        done = True
    return Planted(code, "\n".join(lines) + "\n", quote) if done else None
