"""The meeting's documents other than the materials: each member's 相互批评意见 sheet and the 整改清单 rows.

Pure functions over the meeting file: every word is the member's own, a heading, or a 【待补】 prompt.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pipeline.core.resources import lexicon
from pipeline.material.document import Document, Item, Point, Section
from pipeline.material.meeting import Member, MeetingFile, meeting_label
from pipeline.material.profile import Problem, Profile
from pipeline.material.specs import MeetingSpec, aspect_for_key, spoken_name
from pipeline.text.numbering import level2_marker, shi_marker
from pipeline.text.slots import is_pending


def _words() -> dict:
    return lexicon("meeting")


def criticism_title(meeting: MeetingFile, member: Member, spec: MeetingSpec) -> str:
    return _words()["titles"]["criticism"].format(name=member.name, meeting=meeting_label(meeting, spec))


def criticism_sheet(meeting: MeetingFile, member: Member, spec: MeetingSpec) -> Document:
    """One item per colleague, in the meeting's order, with the member's points (or a 【待补】 for that colleague)."""
    words = _words()["criticism"]
    items = []
    for colleague in (m for m in meeting.members if m.name != member.name):
        points = [p.strip() for p in member.criticisms.get(colleague.name, []) if p and p.strip()]
        if not points:
            points = [words["missing"].format(name=colleague.name)]
        numbered = len(points) > 1
        items.append(Item(marker=level2_marker(len(items) + 1),
                          heading=words["heading"].format(name=colleague.name, post=colleague.post),
                          points=[Point(marker=shi_marker(n) if numbered else "", text=_sentence(text))
                                  for n, text in enumerate(points, 1)]))
    date = meeting.signature.date if meeting.signature else None
    return Document(title=criticism_title(meeting, member, spec),
                    sections=[Section(role="preamble",
                                      intro=[Point(text=words["opening"].format(meeting=meeting_label(meeting, spec)))]),
                              Section(role="other", items=items)],
                    signature=[line for line in (member.name, date) if line])


def _sentence(text: str) -> str:
    text = text.strip().rstrip("；;，,")
    return text if text.endswith(("。", "！", "？", "】")) else text + "。"


class LedgerRow(BaseModel):
    """One row of the 整改清单 (台账). `kind` says where the problem was raised (group, personal, opinions,
    criticism, case, carried); `source` is that as the 来源 column reads; `who` whose problem it is."""

    model_config = ConfigDict(extra="forbid")
    number: int
    problem: str
    who: str  # whose problem: 班子 or a member's name
    aspect: str
    measure: str
    owner: str
    deadline: str
    status: str
    kind: str = "group"
    source: str = ""
    result: str = ""  # 完成情况: the clerk's, never the tool's
    evidence: str = ""  # 佐证材料
    facts: list[str] = []

    def cells(self) -> list[str | int]:
        words = _words()["ledger"]
        return [self.number, self.aspect, self.problem, self.source, self.measure or words["missing_measure"],
                self.owner or words["missing_owner"], self.deadline or words["missing_deadline"], self.status,
                self.result, self.evidence]


def row_status(measure: str, deadline: str) -> str:
    """未开始 while there is no measure; 长期坚持 for a standing measure; 整改中 otherwise."""
    words = _words()["ledger"]
    if not measure.strip() or is_pending(measure):
        return words["status_open"]
    if deadline.strip() and any(deadline.strip().startswith(cue) for cue in words["lasting_cues"]):
        return words["status_lasting"]
    return words["status"]


def _row(rows: list[LedgerRow], **fields) -> None:
    fields["measure"] = fields.get("measure", "").strip().rstrip("。")
    fields.setdefault("deadline", "")
    rows.append(LedgerRow(number=len(rows) + 1, status=row_status(fields["measure"], fields["deadline"]), **fields))


def ledger_rows(sources: list[tuple[str, dict, str]], spec: MeetingSpec) -> list[LedgerRow]:
    """One row per problem, source after source; each source is (whose problems, their aspects, the owner a
    problem without its own 责任人 falls to). Within a source, problems follow the spec's aspect order."""
    words = _words()["ledger"]
    order = {name: index for index, name in enumerate(spec.aspect_names())}

    def ordered(aspects: dict) -> list:
        keyed = [(aspect_for_key(key, spec), problems) for key, problems in aspects.items()]
        return sorted(keyed, key=lambda pair: order.get(pair[0], len(order)))

    rows: list[LedgerRow] = []
    for who, aspects, default_owner in sources:
        group = who == words["group"] or not default_owner
        for aspect, problems in ordered(aspects):
            for problem in problems:
                kind, source = _raised(problem, who, group)
                _row(rows, problem=problem.problem.rstrip("。"), who=who, aspect=aspect, kind=kind, source=source,
                     measure=problem.measure, owner=problem.owner or default_owner, deadline=problem.deadline,
                     facts=list(problem.facts))
    return rows


def _raised(problem: Problem, who: str, group: bool) -> tuple[str, str]:
    """The row's kind and 来源: 征求意见 where the problem says so (with the member's name on a member's row, so
    the ledger read back knows whose it is), else 班子查摆 / 个人查摆（name）."""
    sources = _words()["ledger"]["sources"]
    if problem.raised_in() == "opinions":
        return "opinions", sources["opinions"] if group else sources["opinions_personal"].format(name=who)
    return ("group", sources["group"]) if group else ("personal", sources["personal"].format(name=who))


def extra_rows(rows: list[LedgerRow], who: str, profile: Profile | Member, default_owner: str = "") -> None:
    """The case study's gaps and last year's unfinished problems of one body or member, appended to `rows`."""
    words = _words()["ledger"]
    for gap in (profile.case_study.gaps if profile.case_study else []):
        if gap.strip():
            _row(rows, problem=gap.strip().rstrip("。"), who=who, aspect="", kind="case",
                 source=words["sources"]["case"], owner=default_owner)
    for entry in profile.last_year:
        if entry.status in (words["status"], words["status_open"]):
            # Carried over: last year's measure and owner, a new time limit for the clerk to set.
            _row(rows, problem=entry.problem.rstrip("。"), who=who, aspect=entry.aspect, kind="carried",
                 source=words["sources"]["carried"], measure=entry.measure, owner=entry.owner or default_owner,
                 result=entry.fixed)


def criticism_rows(rows: list[LedgerRow], meeting: MeetingFile) -> None:
    """Every criticism a member received, as a row of that member's (measure still to write: 未开始)."""
    words = _words()["ledger"]
    for member in meeting.members:
        for target, points in member.criticisms.items():
            for point in points:
                if point and point.strip() and not is_pending(point):
                    _row(rows, problem=point.strip().rstrip("。"), who=target, aspect="", kind="criticism",
                         source=words["sources"]["criticism"].format(by=member.name, to=target), owner=target)


def meeting_ledger_rows(meeting: MeetingFile, group: Profile, spec: MeetingSpec) -> list[LedgerRow]:
    """The meeting's 整改清单: the 班子's problems first, then each member's (owner: the member), then the
    criticisms each member received, the case study's gaps and last year's unfinished problems."""
    words = _words()["ledger"]
    rows = ledger_rows([(words["group"], group.aspects, "")] + [(m.name, m.aspects, m.name) for m in meeting.members],
                       spec)
    criticism_rows(rows, meeting)
    extra_rows(rows, words["group"], group)
    for member in meeting.members:
        extra_rows(rows, member.name, member, member.name)
    return rows


def unit_ledger_rows(profile: Profile, spec: MeetingSpec) -> list[LedgerRow]:
    """One unit's 整改清单, laid out as a meeting's: the unit's problems, its case gaps, last year's unfinished."""
    rows = ledger_rows([(profile.unit.self_name, profile.aspects, "")], spec)
    extra_rows(rows, profile.unit.self_name, profile)
    return rows


def unit_ledger_title(profile: Profile, spec: MeetingSpec) -> str:
    label = spoken_name(spec, profile.meeting.year)
    return _words()["titles"]["ledger"].format(unit=profile.unit.name, meeting=label)


def ledger_header() -> list[str]:
    return list(_words()["ledger"]["columns"])


def ledger_title(meeting: MeetingFile, spec: MeetingSpec) -> str:
    return _words()["titles"]["ledger"].format(unit=meeting.unit.name, meeting=meeting_label(meeting, spec))
