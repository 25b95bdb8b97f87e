"""Last year's 对照检查材料 read back into the profile's `last_year` entries: each problem it raised, with the
measure, owner and time limit it promised where the text says so.

Any material works (ours or another tool's, 班子 or personal, .docx/.md/.txt): it is parsed into the one
Document model and read by its sections; a .docx that lists its problems in a table (问题 / 整改措施 / 责任人 /
完成时限 …) is read by that table's rows, through the ledger's one table reader. A duizhao draft record (.json) is read from the profile it was drafted
from, word for word. Nothing is guessed: a measure is paired with a problem only when it quotes the problem or
when the two sections line up item for item; otherwise the measure stays empty.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.core.errors import InputError
from pipeline.core.resources import lexicon
from pipeline.material.document import Document, Item, Point
from pipeline.material.ledger_read import docx_tables, ledger_last_year
from pipeline.material.load import load_document
from pipeline.material.parse import parse_lines
from pipeline.material.profile import LastYear, Profile
from pipeline.text.deadlines import deadlines
from pipeline.text.owners import named_owners
from pipeline.text.slots import without_slots

_SENTENCE = re.compile(r"[。！？；;]")
_QUOTED = re.compile(r"“([^”]{4,80})”")
_LONG = 50  # a headline longer than this is cut at its first comma


def _words() -> dict:
    return lexicon("last_year")


def headline(text: str) -> str:
    """The problem a paragraph opens with: its first sentence, cut at the first comma when that is long."""
    text = text.strip()
    first = _SENTENCE.split(text, maxsplit=1)[0].strip()
    if len(first) > _LONG and "，" in first[:_LONG]:
        first = first.split("，", 1)[0]
    return first.strip("：:，, ")


def _is_aspect_heading(heading: str) -> bool:
    core = heading.strip().rstrip("。：:")
    return not core or core.endswith(tuple(_words()["aspect_heading_ends"])) or core.startswith(
        tuple(_words()["aspect_heading_starts"]))


def _aspect(item: Item) -> str:
    if item.aspect:
        return item.aspect
    return item.heading.strip().rstrip("。：:") if _is_aspect_heading(item.heading) else ""


def _item_problems(item: Item) -> list[tuple[str, str]]:
    """(aspect, problem) for each problem of one item: its numbered points, else its heading when that is a
    sentence, else the first sentence under an aspect heading."""
    aspect = _aspect(item)
    marked = [p for p in item.points if p.marker]
    if marked:
        skip = tuple(_words()["not_a_problem"])
        return [(aspect, headline(p.text)) for p in marked if headline(p.text) and not headline(p.text).startswith(skip)]
    if item.heading and not _is_aspect_heading(item.heading):
        return [(aspect, item.heading.strip().rstrip("。：:"))]
    first = next((p.text for p in item.points if p.text.strip()), "")
    return [(aspect, headline(first))] if headline(first) else []


def _problems(document: Document) -> list[list[tuple[str, str]]]:
    """Problems grouped by the item (or the section, when it has no items) that raised them."""
    groups = []
    for section in document.sections:
        if section.role != "problems":
            continue
        if section.items:
            groups += [_item_problems(item) for item in section.items]
        else:
            marked = [p for p in section.intro if p.marker]
            groups.append([("", headline(p.text)) for p in marked if headline(p.text)])
    return [group for group in groups if group]


def _measure_units(document: Document) -> list[tuple[str, list[str]]]:
    """The measures section's texts grouped by item, with the item's heading: each numbered point, or the item
    as one text."""
    groups = []
    for section in document.sections:
        if section.role != "measures":
            continue
        for item in section.items:
            marked = [p.text for p in item.points if p.marker]
            if marked:
                groups.append((item.heading, marked))
            else:
                text = "".join(p.text for p in item.points)
                heading = "" if _is_aspect_heading(item.heading) else item.heading
                groups.append((item.heading, [heading + text] if heading + text else []))
        if not section.items:
            groups.append(("", [p.text for p in section.intro if p.marker]))
    return groups


def _core(heading: str) -> str:
    core = re.sub(_words()["aspect_core_strip"], "", heading.strip().rstrip("。：:"))
    return core if len(core) >= 2 else ""


def _same_aspect(aspect: str, heading: str) -> bool:
    """The measure item's heading names the problem item's aspect (在理论学习方面 / 理论学习方面的整改措施)."""
    a, h = _core(aspect), _core(heading)
    return bool(a and h) and (a in heading or h in aspect)


def _owner(text: str) -> str:
    named = named_owners(text)
    if named:
        return named[0]
    for clause in re.split(r"[，。；]", text):
        match = re.fullmatch(_words()["owner_clause"], clause.strip())
        if match:
            return match.group(1)
    return ""


def split_measure(text: str) -> tuple[str, str, str]:
    """A measure's own words, its owner and its time limit: the lead-in quoting the problem and the clauses
    naming who and by when are taken out of the words."""
    text = without_slots(text).replace("\n", "")  # an unfilled 【待补】 of last year's draft promised nothing
    owner = _owner(text)
    found = deadlines(text)
    # "完成时限：2025年3月底前" names the limit; a time inside the measure's words (7日内传达) is part of them.
    found = [d for d in found if d.label] or found[:1]
    deadline = found[0].value if found else ""
    body = re.sub(_words()["lead_in"], "", text.strip())
    kept = [c for c in re.split(r"(?<=[，。；])", body)
            if c.strip("，。； ") and not (owner and owner in c and re.search(_words()["owner_verbs"], c))
            and not any(d.text in c for d in found)]
    words = "".join(kept).strip("，。； ")
    return words, owner, deadline


def _entry(aspect: str, problem: str, measure: str, source: str) -> LastYear:
    words, owner, deadline = split_measure(measure) if measure else ("", "", "")
    return LastYear(problem=problem, aspect=aspect, measure=words, owner=owner, deadline=deadline, source=source)


def entries_from_document(document: Document, source: str = "") -> list[LastYear]:
    """Each problem the material raised, with the measure answering it where that is certain."""
    problems = _problems(document)
    measures = _measure_units(document)
    flat = [text for _, group in measures for text in group]
    lined_up = len(problems) == len(measures)
    entries = []
    for index, group in enumerate(problems):
        for position, (aspect, problem) in enumerate(group):
            quoted = next((t for t in flat if any(q.strip("。") == problem for q in _QUOTED.findall(t))), "")
            measure = quoted
            heading, texts = measures[index] if lined_up else ("", [])
            if not measure and texts and _same_aspect(aspect, heading):
                # Item for item under the same aspect: point for point when the counts agree, else only a
                # lone problem takes the item's lone measure.
                measure = texts[position] if len(texts) == len(group) else (texts[0] if len(group) == len(texts) == 1 else "")
            entries.append(_entry(aspect, problem, measure, source))
    return entries


def _from_record(path: Path, source: str) -> list[LastYear] | None:
    """A duizhao draft record: the problems, measures, owners and time limits of the profile it was drafted from."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data = record.get("profile") if isinstance(record, dict) else None
    if not isinstance(data, dict):
        return None
    try:
        profile = Profile.model_validate(data)
    except ValueError:
        return None
    return [LastYear(problem=p.problem.rstrip("。"), aspect=aspect, measure=p.measure.rstrip("。"), owner=p.owner,
                     deadline=p.deadline, source=source)
            for aspect, problems in profile.aspects.items() for p in problems]


def read_last_year(path: str | Path, spec=None) -> list[LastYear]:
    """Last year's material at `path` as `last_year` entries; a file with no problems section is bad input."""
    path = Path(path)
    source = _words()["source_material"].format(name=path.name)
    if path.suffix.lower() == ".json" and path.is_file():
        entries = _from_record(path, source)
        if entries is not None:
            return _unique(entries, path)
    document = load_document(path, spec).document
    entries = entries_from_document(document, source)
    if path.suffix.lower() == ".docx":
        entries = _from_table(path, entries) or entries
    return _unique(entries, path)


def _from_table(path: Path, texts: list[LastYear]) -> list[LastYear]:
    """The rows of the material's 问题清单 / 整改清单 table, when it has one (one standing under its 上年度整改
    section lists the year before's problems, not its own): each row a problem with the measure, owner, time
    limit (and result) its cells give; a measure the table leaves out is taken from the text that names the same
    problem."""
    measures = {entry.problem: entry for entry in texts}
    for before, sheet in docx_tables(path):
        sections = parse_lines(before).sections if before else []
        if sections and sections[-1].role == "last_year":
            continue
        entries = []
        for entry in ledger_last_year(sheet, _words()["source_table"]):
            if entry.measure and not (entry.owner or entry.deadline):
                words, owner, deadline = split_measure(entry.measure)
                entry = entry.model_copy(update={"measure": words or entry.measure, "owner": owner, "deadline": deadline})
            said = measures.get(entry.problem)
            if said and not entry.measure:
                entry = entry.model_copy(update={name: getattr(said, name) for name in ("measure", "owner", "deadline")
                                                 if not getattr(entry, name)})
            entries.append(entry)
        return entries
    return []


def _unique(entries: list[LastYear], path: Path) -> list[LastYear]:
    seen: dict[str, LastYear] = {}
    for entry in entries:
        seen.setdefault(entry.problem, entry)
    if not seen:
        raise InputError(_words()["no_problems"].format(path=path))
    return list(seen.values())
