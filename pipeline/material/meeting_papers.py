"""The meeting's other documents (会议方案, 征求意见表, 谈心谈话提纲, 主持词, 整改方案, 情况报告), composed offline from
the meeting file and the templates in lexicon/meeting_docs/ (one file per meeting kind).

Every sentence is a template's formula with the meeting file's facts put in, a 【待补】 where a fact is missing,
or a count worked out from the file and labelled as such. Deterministic: the same file gives the same text.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from pipeline.core.resources import lexicon
from pipeline.material.document import Document, Item, Point, Section
from pipeline.material.meeting import MeetingFile, meeting_label
from pipeline.material.meeting_docs import LedgerRow
from pipeline.material.meeting_facts import Outcome, Session
from pipeline.material.profile import Profile, profile_aspects
from pipeline.material.specs import MeetingSpec
from pipeline.text.numbering import level1_marker, level2_marker
from pipeline.text.slots import pending

KINDS = ("plan", "opinions", "talks", "host", "rectification", "report")
_FIELD = re.compile(r"\{(\w+)\}")
_ENDS = ("。", "！", "？", "：", "；", "】", "）")


class Paper(BaseModel):
    """One drafted document: its kind, file stem, text and layout; a form also has its table's rows."""

    model_config = ConfigDict(extra="forbid")
    kind: str
    stem: str
    document: Document
    layout: str = "gbt9704"
    columns: list[str] = []
    rows: list[str] = []


def common() -> dict:
    return lexicon("meeting_docs/common")


def templates(spec: MeetingSpec) -> dict:
    """The documents' templates for the spec's kind of meeting."""
    return lexicon("meeting_docs/minzhu" if spec.meeting == "民主生活会" else "meeting_docs/zuzhi")


def _clean(text: str) -> str:
    return text.strip().rstrip("。；;，,")


def _join(values: list[str]) -> str | None:
    values = [_clean(v) for v in values if v and v.strip()]
    return common()["join"].join(values) if values else None


def _points(values: list[str]) -> str | None:
    values = [_clean(v) for v in values if v and v.strip()]
    return common()["join_points"].join(values) if values else None


def _derived(kind: str, n: int) -> str:
    words = common()
    return words["counts"][kind].format(n=n) + words["derived"]


def _member_name(name: str, meeting: MeetingFile) -> str:
    return f"{name}同志" if name in {m.name for m in meeting.members} else name


def _away(session: Session) -> set[str]:
    """The names of absent members (李明（因公出差） → 李明)."""
    return {a.split("（")[0].split("(")[0].strip() for a in session.absent}


def meeting_facts(meeting: MeetingFile, spec: MeetingSpec, group: Profile, rows: list[LedgerRow]) -> dict:
    """The facts the templates name: the meeting file's own (None where it is silent) and the labelled counts."""
    session, outcome = meeting.session or Session(), meeting.outcome or Outcome()
    prep = group.preparation
    names = [m.name for m in meeting.members]
    absent = [a for a in session.absent if a.strip()]
    aspects = ([name for name, _ in profile_aspects(group, spec)] if spec.free_aspects else spec.aspect_names())
    points = sum(len([p for p in ps if p and p.strip()]) for m in meeting.members for ps in m.criticisms.values())
    members = len(names)
    number = lambda value: None if value is None else str(value)  # noqa: E731 — 0 is a fact, None is not
    return {
        "unit": meeting.unit.name, "self": meeting.unit.self_name, "meeting": meeting_label(meeting, spec),
        "theme": _clean(session.theme or spec.theme) or None, "notice": session.notice, "date": session.date,
        "place": session.place, "chair": _member_name(session.chair, meeting) if session.chair else None,
        "members": _join(names), "attendees": _join(session.attendees), "absent": _join(absent),
        "observers": _join(session.observers), "supervisor": session.supervisor,
        "supervisor_people": _join(session.supervisor_people),
        "aspects": "".join(f"“{a}”" for a in aspects) or None,
        "study": _points(prep.study_items()), "study_sessions": number(session.study_sessions),
        "talks": number(prep.talks), "opinions": number(prep.opinions),
        "opinion_channels": _join(session.opinion_channels), "opinion_forms": number(session.opinion_forms),
        "opinion_due": session.opinion_due, "report_to": _join([session.report_to or ""]),
        "report_due": session.report_due, "plan_date": session.plan_date, "report_date": outcome.report_date,
        "signer": (meeting.signature.name if meeting.signature else None) or meeting.unit.name,
        "member_count": _derived("members", members),
        "present_count": _derived("present", members - len(absent)),
        "pair_count": _derived("pairs", members * (members - 1) // 2),
        "problem_count": _derived("problems", sum(len(ps) for ps in group.aspects.values())),
        "member_problem_count": _derived("member_problems", sum(len(m.problems()) for m in meeting.members)),
        "row_count": _derived("rows", len(rows)),
        "criticisms": (common()["counts"]["criticisms"].format(n=outcome.criticisms) if outcome.criticisms is not None
                       else _derived("criticisms", points)),
        "opinions_received": number(outcome.opinions),
        "chair_speaks": "yes" if session.chair in names and session.chair not in _away(session) else None,
    }


def meeting_lists(meeting: MeetingFile, spec: MeetingSpec, group: Profile, rows: list[LedgerRow]) -> dict:
    """The lists a template repeats a line or an item over."""
    session, outcome = meeting.session or Session(), meeting.outcome or Outcome()
    ledger = lexicon("meeting")["ledger"]
    members = [{"name": m.name, "post": m.post} for m in meeting.members]
    away = _away(session)
    aspects = [name for name, _ in profile_aspects(group, spec)]
    return {
        "members": members,
        # The chair speaks first, in the first person (chair_speaks); the absent do not speak.
        "speakers": [m for m in members if m["name"] != session.chair and m["name"] not in away],
        "aspects": [{"aspect": a} for a in aspects],
        "aspect_problems": [{"aspect": a, "problems": _points([p.problem for p in ps])}
                            for a, ps in profile_aspects(group, spec) if ps],
        "rows": [{"problem": r.problem, "who": r.who, "measure": r.measure or ledger["missing_measure"],
                  "owner": r.owner or ledger["missing_owner"], "deadline": r.deadline or ledger["missing_deadline"]}
                 for r in rows],
        "last_year": [{"problem": _clean(r.problem), "fixed": _clean(r.fixed) or pending(common()["slots"]["fixed"])}
                      for r in group.last_year],
        "remarks": [{"text": t} for t in outcome.remarks if t.strip()],
        "summary": [{"text": t} for t in outcome.summary if t.strip()],
        "decisions": [{"text": t} for t in outcome.decisions if t.strip()],
    }


def _fill(template: str, facts: dict) -> str:
    slots = facts.get("_slots") or common()["slots"]

    def value(match: re.Match) -> str:
        key = match.group(1)
        found = facts.get(key)
        return found if found else pending(slots.get(key, key))

    return _FIELD.sub(value, template)


def _sentence(text: str) -> str:
    text = text.strip().replace("。。", "。")
    return text if not text or text.endswith(_ENDS) else text + "。"


def _lines(lines: list, facts: dict, lists: dict) -> list[str]:
    out: list[str] = []
    for line in lines:
        if isinstance(line, str):
            out.append(_sentence(_fill(line, facts)))
        elif "each" in line:
            entries = lists.get(line["each"], [])
            out += [_sentence(_fill(line["text"], {**facts, **entry})) for entry in entries]
            if not entries and line.get("else"):
                slots = facts.get("_slots") or common()["slots"]
                out.append(pending(slots.get(line["else"], line["else"])))
        elif facts.get(line["when"]):
            out.append(_sentence(_fill(line["text"], facts)))
    return [text for text in out if text]


def _points_of(texts: list[str], numbered: bool) -> list[Point]:
    return [Point(marker=f"{n}." if numbered else "", text=text) for n, text in enumerate(texts, 1)]


def _items(templates_: list[dict], facts: dict, lists: dict) -> list[Item]:
    items: list[Item] = []
    for template in templates_:
        for entry in (lists.get(template["each"], []) if "each" in template else [{}]):
            scope = {**facts, **entry}
            items.append(Item(marker=level2_marker(len(items) + 1), heading=_fill(template["heading"], scope),
                              points=_points_of(_lines(template.get("text", []), scope, lists),
                                                template.get("numbered", False))))
    return items


def compose(template: dict, facts: dict, lists: dict) -> Document:
    """One document from its template: title, opening, numbered sections and items, signature."""
    sections = [Section(role="preamble", intro=_points_of(_lines(template.get("intro", []), facts, lists), False))]
    for number, section in enumerate(template.get("sections", []), 1):
        sections.append(Section(role="other", marker=level1_marker(number), heading=section["heading"],
                                intro=_points_of(_lines(section.get("text", []), facts, lists),
                                                 section.get("numbered", False)),
                                items=_items(section.get("items", []), facts, lists)))
    signature = [_fill(line, facts) for line in template.get("signature", [])]
    return Document(title=_fill(template["title"], facts), sections=sections, signature=signature)


def meeting_papers(meeting: MeetingFile, spec: MeetingSpec, group: Profile, rows: list[LedgerRow]) -> list[Paper]:
    """The six documents of the meeting; the 谈心谈话提纲 once per member."""
    words, files = templates(spec), common()["files"]
    facts, lists = meeting_facts(meeting, spec, group, rows), meeting_lists(meeting, spec, group, rows)
    facts["_slots"] = {**common()["slots"], **words.get("slots", {})}  # a meeting kind may word a slot its own way
    papers = []
    for kind in KINDS:
        template = words[kind]
        if kind == "talks":
            for member in meeting.members:
                scope = {**facts, "name": member.name}
                own = {**lists, "own_problems": [{"problem": _clean(p.problem)} for _, p in member.problems()],
                       "colleagues": _colleagues(meeting, member.name)}
                papers.append(Paper(kind=kind, stem=files[kind].format(name=member.name),
                                    document=compose(template, scope, own), layout=template.get("layout", "plain")))
            continue
        document = compose(template, facts, lists)
        paper = Paper(kind=kind, stem=files[kind], document=document, layout=template.get("layout", "gbt9704"))
        if kind == "opinions":
            paper.columns = list(template["columns"])
            paper.rows = _lines(template["rows"], facts, lists)
            paper.rows = [row.rstrip("。") for row in paper.rows]
            outro = _points_of(_lines(template.get("outro", []), facts, lists), False)
            document.sections.append(Section(role="closing", intro=outro))
        papers.append(paper)
    return papers


def _colleagues(meeting: MeetingFile, name: str) -> list[dict]:
    slots = common()["slots"]
    me = meeting.member(name)
    return [{"name": other.name, "post": other.post,
             "mine": _points(me.criticisms.get(other.name, [])) or pending(slots["mine"]),
             "theirs": _points(other.criticisms.get(name, [])) or pending(slots["theirs"])}
            for other in meeting.members if other.name != name]
