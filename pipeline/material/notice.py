"""Read a meeting notice (or a 范文 written to one) into a meeting spec: the aspect list in order, the theme and
the parts the notice asks for. Offline and deterministic; every aspect it writes occurs verbatim in the text.

The text's lists (numbered items, 一是/二是 clauses, "对照A、B等N个方面", "：…；…；…" clauses) are all
candidates; the words around each decide which one is the aspect list (lexicon/notice.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon
from pipeline.material.scrub import scrub
from pipeline.text.numbering import CN_NUMERALS, cn_to_int

_CN = CN_NUMERALS
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# A list marker at a line start or right after a sentence or clause end; one group per numbering style.
_MARKER = re.compile(
    rf"(?:^|(?<=[。；;：:！？]))[ \t\u3000]*(?:(?P<l1>[{_CN}]{{1,3}})、|[（(](?P<p2>[{_CN}]{{1,3}})[）)]"
    rf"|(?P<shi>[{_CN}]{{1,3}})是(?![否的])|(?P<ar>\d{{1,2}})[、.．](?!\d)|[（(](?P<pa>\d{{1,2}})[）)]|(?P<ci>[{_CIRCLED}]))",
    re.M)
_SUFFIX = re.compile(r"方面(?:内容)?(?:存在的?)?(?:主要|突出)?(?:问题|不足|差距)?$")
_STYLE = re.compile(r"^(?:带头|对照)|是否|方面")
_TRIM = " \t\u3000，,、。；;：:"
_MAX_ITEMS = 12
_ITEM_MAX = 40
_LOOK_BACK = 2000  # characters around a list looked at for its cue words (its clause, its line, the lines above)


@lru_cache(maxsize=1)
def _words() -> dict:
    return lexicon("notice")


@dataclass
class Candidate:
    items: list[str]
    score: float
    kind: str
    raw: list[str] = field(default_factory=list)


@dataclass
class NoticeReading:
    """What a notice says: its meeting, theme, aspect list and extra parts (headings verbatim)."""

    text: str
    aspects: list[str]
    meeting: str
    year: int | None
    name: str
    theme: str = ""
    parts: dict[str, str] = field(default_factory=dict)  # role → heading found in the text ("" for none)
    opinions: bool = False
    kind: str = "offline"


def _number(match: re.Match) -> tuple[str, int]:
    style = next(name for name, value in match.groupdict().items() if value)
    value = match.group(style)
    if style == "ci":
        return style, _CIRCLED.index(value) + 1
    return style, int(value) if value.isdigit() else cn_to_int(value)


def clean_item(raw: str) -> tuple[str, str]:
    """(aspect name, its head as written) of a list item: the head up to the first sentence end, without the
    explanation after "，重点…" and without 在…方面 around the name."""
    words = _words()
    head = raw.strip(_TRIM)
    cut = next((i for i, ch in enumerate(head) if ch in words["item_end"]), len(head))
    head = head[:cut]
    clauses = head.split("，")
    kept = [clauses[0]]
    for clause in clauses[1:]:
        if clause.startswith(tuple(words["elaboration"])):
            break
        kept.append(clause)
    head = "，".join(kept).strip(_TRIM)
    name = _SUFFIX.sub("", head)
    if name != head and name.startswith("在"):
        name = name[1:]
    name = name.strip(_TRIM)
    if name.startswith("“") and name.endswith("”") and name.count("“") == 1:
        name = name[1:-1]
    return name, head


def _context(text: str, start: int) -> tuple[str, str]:
    """The words before a list: (its own line's start and the line above, the same with one more line above).
    Cues count in the wider one; what the list is about (通报…, 会前准备) is said right above it."""
    # Walked back from `start` line by line (splitting all the text before it made a long notice quadratic).
    line_start = text.rfind("\n", 0, start) + 1
    own = text[line_start:start]
    above: list[str] = []
    end = line_start - 1  # the line break ending the line above
    while end >= 0 and len(above) < 2 and line_start - end < _LOOK_BACK:
        begin = text.rfind("\n", 0, end) + 1
        if text[begin:end].strip():
            above.insert(0, text[begin:end])
        end = begin - 1
    near = "\n".join(above[-1:] + [own])[-120:]
    wide = "\n".join(above + [own])[-200:]
    return near, wide


def _score(items: list[str], heads: list[str], context: tuple[str, str], counts: set[int],
           local_count: int | None) -> float:
    words = _words()["list_scoring"]
    near, wide = context
    score = 0.0
    if any(cue in wide for cue in words["cues"]):
        score += 2
    if "方面" in near:
        score += 1
    if local_count == len(items):
        score += 3
    elif len(items) in counts:
        score += 1
    if sum(bool(_STYLE.search(h)) for h in heads) >= 0.6 * len(heads):
        score += 2
    if any(word in near for word in words["distractors"]):
        score -= 3
    if max(map(len, items)) > _ITEM_MAX or sum(map(len, items)) / len(items) > 28:
        score -= 2
    return score


def _stated_count(text: str) -> int | None:
    match = re.search(_words()["inline"]["count"], text)
    return cn_to_int(match.group(1).replace("两", "二")) if match else None


def _valid(items: list[str]) -> bool:
    return 2 <= len(items) <= _MAX_ITEMS and all(2 <= len(i) <= 60 for i in items) and len(set(items)) == len(items)


def _numbered(text: str, counts: set[int]) -> list[Candidate]:
    markers = list(_MARKER.finditer(text))
    sequences: dict[str, list[list[int]]] = {}
    for index, match in enumerate(markers):
        style, number = _number(match)
        runs = sequences.setdefault(style, [])
        if number == 1:
            runs.append([index])
        elif runs and runs[-1] and _number(markers[runs[-1][-1]])[1] == number - 1:
            runs[-1].append(index)
        elif runs:
            runs.append([])  # a break: the next 1 starts a new list
    candidates = []
    for runs in sequences.values():
        for run in runs:
            raws = []
            for index in run:
                end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
                line_end = text.find("\n", markers[index].end())
                raws.append(text[markers[index].end(): min(end, line_end if line_end >= 0 else end)])
            pairs = [clean_item(raw) for raw in raws]
            items = [name for name, _ in pairs]
            if not _valid(items):
                continue
            context = _context(text, markers[run[0]].start())
            score = _score(items, [h for _, h in pairs], context, counts, _stated_count(context[0]))
            candidates.append(Candidate(items, score, "numbered", raws))
    return candidates


def _split_inline(segment: str, count: int) -> list[str] | None:
    prefix = re.escape(segment[:2])
    for pattern in (rf"[，、；,;](?={prefix})", "[；;]", "[，,]", "、"):
        parts = [p.strip(_TRIM) for p in re.split(pattern, segment)]
        if len(parts) == count:
            return parts
    return None


def _inline(text: str) -> list[Candidate]:
    """对照A、B、C等N个方面 / 围绕A，B这N个方面: the list named just before its count."""
    words = _words()["inline"]
    candidates = []
    for match in re.finditer(words["count"], text):
        count = cn_to_int(match.group(1).replace("两", "二"))
        floor = max(0, match.start() - _LOOK_BACK)
        clause_start = max(floor - 1, *(text.rfind(ch, floor, match.start()) for ch in "。\n：:")) + 1
        clause = text[clause_start: match.start()]
        cues = sorted((m.end(), cue) for cue in words["cues"] for m in re.finditer(re.escape(cue), clause))
        for cue_end, _ in reversed(cues):
            segment = re.sub(words["tail"], "", clause[cue_end:]).strip(_TRIM)
            parts = _split_inline(segment, count) if len(segment) >= 4 else None
            if not parts:
                continue
            pairs = [clean_item(part) for part in parts]
            items = [name for name, _ in pairs]
            if _valid(items):
                after = re.split("[。\n]", text[match.end(): match.end() + 20])[0]  # the same sentence only
                near = clause[:cue_end] + match.group(0) + after  # "…等6个方面" itself says what the list is
                score = 3 + _score(items, [h for _, h in pairs], (near, near), set(), None)
                candidates.append(Candidate(items, score, "inline", parts))
                break
    return candidates


def _clauses(text: str, counts: set[int]) -> list[Candidate]:
    """是否…；是否…；是否…: clauses after a colon, up to the sentence end."""
    candidates = []
    for colon in re.finditer("[：:]", text):
        ceiling = min(len(text), colon.end() + _LOOK_BACK)
        end = min((i for i in (text.find("。", colon.end(), ceiling), text.find("\n", colon.end(), ceiling)) if i >= 0),
                  default=ceiling)
        parts = [p for p in re.split("[；;]", text[colon.end(): end]) if p.strip(_TRIM)]
        if len(parts) < 3 or _MARKER.match(parts[0].strip()):
            continue
        pairs = [clean_item(part) for part in parts]
        items = [name for name, _ in pairs]
        if _valid(items):
            context = _context(text, colon.end())
            score = _score(items, [h for _, h in pairs], context, counts, _stated_count(context[0]))
            candidates.append(Candidate(items, score, "clauses", parts))
    return candidates


def find_aspects(text: str) -> Candidate | None:
    """The aspect list of a (scrubbed) text, or None when nothing reads as one."""
    counts = {cn_to_int(m.group(1).replace("两", "二")) for m in re.finditer(_words()["inline"]["count"], text)}
    candidates = _numbered(text, counts) + _inline(text) + _clauses(text, counts)
    # Best first (a stable sort keeps the earliest kind tried among equals); the verbatim check, a scan of the
    # whole text per item, only for as many as it takes.
    for best in sorted(candidates, key=lambda c: -c.score):
        if best.score < _words()["list_scoring"]["min_score"]:
            return None
        if all(item in text for item in best.items):
            return best
    return None


def _parts(text: str) -> dict[str, str]:
    words = _words()
    found: dict[str, str] = {}
    for role in ("last_year", "campaign", "case_study"):
        match = re.search(words["parts"][role], text)
        if match:
            heading = re.sub(words["part_lead"], "", match.group(0)) if role != "case_study" else ""
            found[role] = heading.strip(_TRIM)
    return found


def _meeting(text: str) -> tuple[str, int | None, str]:
    minzhu, zuzhi = text.count("民主生活会"), text.count("组织生活会")
    meeting = "民主生活会" if minzhu >= zuzhi and minzhu else "组织生活会"
    year_match = re.search(r"(20\d\d)年度?[^。\n，：]{0,30}?(?:民主生活会|组织生活会)", text)
    year = int(year_match.group(1)) if year_match else None
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    name = ""
    if len(first) <= 60 and "生活会" in first:
        name = re.sub(_words()["title_strip"], "", first).strip(_TRIM)
    if not name or "生活会" not in name:
        name = f"{year}年度{meeting}" if year else meeting
    return meeting, year, name


def _theme(text: str) -> str:
    for pattern in _words()["theme"]:
        match = re.search(pattern, text)
        if match:
            return match.group("theme").strip(_TRIM)
    return ""


Proposer = Callable[[str], list[str]]


def read_notice(raw_text: str, file_name: str = "通知", propose: Proposer | None = None) -> NoticeReading:
    """Read a notice. `propose` (a model) may name the aspects; its list is used only when every aspect occurs
    verbatim in the text. No aspect list: an InputError saying what was looked for."""
    text, _ = scrub(raw_text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    aspects: list[str] = []
    kind = "offline"
    if propose is not None:
        proposed = [a.strip(_TRIM) for a in propose(text) if a and a.strip(_TRIM)]
        if _valid(proposed) and all(a in text for a in proposed):
            aspects, kind = proposed, "model"
    if not aspects:
        found = find_aspects(text)
        if found is None:
            raise InputError(_words()["no_list"].format(file=file_name))
        aspects = found.items
    meeting, year, name = _meeting(text)
    return NoticeReading(text=text, aspects=aspects, meeting=meeting, year=year, name=name, theme=_theme(text),
                         parts=_parts(text), opinions=bool(re.search(_words()["parts"]["opinions"], text)), kind=kind)
