"""The meeting's documents other than the materials: each member's 相互批评意见 sheet and the 整改清单 rows.

Pure functions over the meeting file: every word is the member's own, a heading, or a 【待补】 prompt.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pipeline.core.resources import lexicon
from pipeline.material.document import Document, Item, Point, Section
from pipeline.material.meeting import Member, MeetingFile, meeting_label
from pipeline.material.profile import Profile
from pipeline.material.specs import MeetingSpec, aspect_for_key, spoken_name
from pipeline.text.numbering import level2_marker, shi_marker


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
    model_config = ConfigDict(extra="forbid")
    number: int
    problem: str
    who: str  # whose problem: 班子 or a member's name
    aspect: str
    measure: str
    owner: str
    deadline: str
    status: str
    facts: list[str] = []

    def cells(self) -> list[str | int]:
        words = _words()["ledger"]
        return [self.number, words["problem"].format(problem=self.problem, who=self.who),
                self.measure or words["missing_measure"], self.owner or words["missing_owner"],
                self.deadline or words["missing_deadline"], self.status]


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
        for aspect, problems in ordered(aspects):
            for problem in problems:
                rows.append(LedgerRow(number=len(rows) + 1, problem=problem.problem.rstrip("。"), who=who, aspect=aspect,
                                      measure=problem.measure.rstrip("。"), owner=problem.owner or default_owner,
                                      deadline=problem.deadline, status=words["status"], facts=list(problem.facts)))
    return rows


def meeting_ledger_rows(meeting: MeetingFile, group: Profile, spec: MeetingSpec) -> list[LedgerRow]:
    """The meeting's 整改清单: the 班子's problems first, then each member's (owner: the member)."""
    words = _words()["ledger"]
    return ledger_rows([(words["group"], group.aspects, "")] + [(m.name, m.aspects, m.name) for m in meeting.members],
                       spec)


def unit_ledger_rows(profile: Profile, spec: MeetingSpec) -> list[LedgerRow]:
    """One unit's 整改清单, laid out as a meeting's: the unit's problems under the name the text calls it by."""
    return ledger_rows([(profile.unit.self_name, profile.aspects, "")], spec)


def unit_ledger_title(profile: Profile, spec: MeetingSpec) -> str:
    label = spoken_name(spec, profile.meeting.year)
    return _words()["titles"]["ledger"].format(unit=profile.unit.name, meeting=label)


def ledger_header() -> list[str]:
    return list(_words()["ledger"]["columns"])


def ledger_title(meeting: MeetingFile, spec: MeetingSpec) -> str:
    return _words()["titles"]["ledger"].format(unit=meeting.unit.name, meeting=meeting_label(meeting, spec))
