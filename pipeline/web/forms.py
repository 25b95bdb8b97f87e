"""The workbench form's state, and its two-way conversion with the unit profile (the CLI's YAML format).

The form keeps everything a user typed, even fields the current profile format has no place for yet, so an
autosave never loses text; the YAML carries exactly what the profile model accepts.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator

from pipeline.core.errors import InputError
from pipeline.material.profile import CaseStudy, Problem, Profile, parse_profile
import yaml

ROW_FIELDS = ("problem", "detail", "impact", "cause", "root", "measure", "owner", "deadline")


class Loose(BaseModel):
    # Autosaved form data: unknown keys from an older page are dropped, not an error.
    model_config = ConfigDict(extra="ignore")


class Row(Loose):
    problem: str = ""
    detail: str = ""  # 表现
    facts: list[str] = []  # 事例
    impact: str = ""  # 影响
    cause: str = ""
    root: str = ""  # the root the cause is filed under
    measure: str = ""
    owner: str = ""
    deadline: str = ""
    source: str = ""  # 征求意见 for a row placed from the pasted opinions (a hidden input; the clerk may drop it)

    def empty(self) -> bool:
        return not any(getattr(self, name).strip() for name in ROW_FIELDS) and not any(f.strip() for f in self.facts)


class LastYearRow(Loose):
    """One of last year's problems: typed, or read from last year's material or the kept 整改清单 and confirmed."""

    problem: str = ""
    measure: str = ""  # last year's 整改措施
    owner: str = ""
    deadline: str = ""
    status: str = ""  # 未开始 / 整改中 / 已完成 / 长期坚持
    fixed: str = ""  # 完成情况: the unit's own result
    # Carried, not shown as inputs: where it was read, its aspect and 佐证材料.
    aspect: str = ""
    evidence: str = ""
    source: str = ""


LAST_YEAR_FIELDS = tuple(LastYearRow.model_fields)


def last_year_data(rows: list[LastYearRow]) -> list[dict]:
    """The rows with a problem, in the profile's `last_year` shape (empty fields left out)."""
    return [{name: getattr(r, name).strip() for name in LAST_YEAR_FIELDS if name == "problem" or getattr(r, name).strip()}
            for r in rows if r.problem.strip()]


def last_year_rows(entries) -> list[LastYearRow]:
    return [LastYearRow(**{name: getattr(e, name) for name in LAST_YEAR_FIELDS}) for e in entries]


class CaseStudyForm(Loose):
    title: str = ""
    facts: list[str] = []
    lesson: str = ""
    gaps: list[str] = []  # 对照案例查摆自身差距


class Opinion(Loose):
    text: str
    aspect: str | None = None
    score: float = 0.0


class MemberForm(Loose):
    """One 班子成员 in the meeting form: a member of the meeting file (see material/meeting.py)."""

    name: str = ""
    post: str = ""
    duties: list[str] = []
    aspects: dict[str, list[Row]] = {}
    last_year: list[LastYearRow] = []
    # Colleague name → the points this member raises about them, one per line.
    criticisms: dict[str, list[str]] = {}
    causes: dict[str, str] = {}  # root → the member's own 剖析
    extra: dict = {}  # member fields the form has no inputs for (campaign, case_study …), carried through

    def empty(self) -> bool:
        return (not self.name.strip() and not self.post.strip() and not nonblank_lines(self.duties)
                and all(row.empty() for rows in self.aspects.values() for row in rows)
                and not any(r.problem.strip() for r in self.last_year)
                and not any(nonblank_lines(v) for v in self.criticisms.values())
                and not any(v.strip() for v in self.causes.values()))


class FormState(Loose):
    spec: str = ""
    unit_name: str = ""
    unit_type: str = ""
    self_name: str = ""
    year: str = ""
    title: str = ""
    talks: str = ""
    opinions_count: str = ""
    study: list[str] = []
    other: list[str] = []
    work: list[str] = []
    aspects: dict[str, list[Row]] = {}
    last_year: list[LastYearRow] = []
    case_study: CaseStudyForm = CaseStudyForm()
    target_chars: str = ""
    strict: str = ""  # "1": drop the model's unsupported sentences instead of marking them
    # "1": the model checks each item once more (draft/verify.py). A drafting choice, not a fact of the unit: kept
    # with the form, never written into the profile (which has no such key).
    verify: str = ""
    signature_name: str = ""
    signature_date: str = ""
    # The unit's subjective roots (理想信念 …) with its own note on each, where the profile format has them.
    causes: dict[str, str] = {}
    opinions: list[Opinion] = []
    opinions_text: str = ""  # pasted 征求意见 not yet placed under an aspect: saved as typed
    # A meeting's 班子成员: with any, the form is a whole meeting (the meeting file), not one unit's profile.
    members: list[MemberForm] = []
    # The meeting's own facts (material/meeting_facts.py), field → text or lines; used only with members.
    session: dict[str, str | list[str]] = {}
    outcome: dict[str, str | list[str]] = {}
    # Profile fields the form has no inputs for (from an uploaded YAML): carried through unchanged, so a
    # round trip through the workbench loses nothing.
    extra: dict = {}
    case_extra: dict = {}

    @model_validator(mode="after")
    def _facts_out_of_extra(self):
        # A form saved before the meeting's facts had inputs carried them among the extras: they become the inputs.
        for part in ("session", "outcome"):
            facts = self.extra.get(part)
            if isinstance(facts, dict) and not getattr(self, part):
                setattr(self, part, {key: value if isinstance(value, list) else "" if value is None else str(value)
                                     for key, value in facts.items()})
                self.extra = {key: value for key, value in self.extra.items() if key != part}
        return self


def nonblank_lines(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.splitlines() if v.strip()]


def _number(text: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError(f"“{label}”应为整数，现为：{text}")
    return int(text)


def problem_data(row: Row, aspect: str, number: int, whose: str = "") -> dict:
    if not row.problem.strip():
        raise InputError(f"{whose}“{aspect}”第 {number} 行：请填写问题概括（或删去这一行）")
    data: dict = {"problem": row.problem.strip(), "facts": nonblank_lines(row.facts)}
    # Fields the profile format knows go into the YAML; the rest stays in the form only.
    for name in ("detail", "impact", "cause", "root", "measure", "owner", "deadline", "source"):
        value = getattr(row, name).strip()
        if value and name in Problem.model_fields:
            data[name] = value
    return data


def profile_data(state: FormState) -> dict:
    """The profile mapping (CLI YAML shape) the form describes; raises InputError on a field that cannot fit."""
    if not state.spec:
        raise InputError("请先选择会议规范")
    if not state.unit_name.strip():
        raise InputError("请填写单位名称")
    unit = {"name": state.unit_name.strip()}
    if state.unit_type.strip():
        unit["type"] = state.unit_type.strip()
    if state.self_name.strip():
        unit["self"] = state.self_name.strip()
    meeting: dict = {"spec": state.spec}
    year = _number(state.year, "年度")
    if year is not None:
        meeting["year"] = year
    data: dict = {"unit": unit, "meeting": meeting}
    preparation: dict = {}
    for key, value, label in (("talks", state.talks, "谈心谈话人次"), ("opinions", state.opinions_count, "征求意见条数")):
        number = _number(value, label)
        if number is not None:
            preparation[key] = number
    study = nonblank_lines(state.study)
    if study:
        preparation["study"] = study[0] if len(study) == 1 else study
    if nonblank_lines(state.other):
        preparation["other"] = nonblank_lines(state.other)
    if preparation:
        data["preparation"] = preparation
    if nonblank_lines(state.work):
        data["work"] = nonblank_lines(state.work)
    data["aspects"] = {name: [problem_data(row, name, n) for n, row in enumerate(rows, 1) if not row.empty()]
                       for name, rows in state.aspects.items()}
    last_year = last_year_data(state.last_year)
    if last_year:
        data["last_year"] = last_year
    case = state.case_study
    if case.title.strip() or nonblank_lines(case.facts) or case.lesson.strip() or nonblank_lines(case.gaps) \
            or state.case_extra:
        if not case.title.strip() and "title" in CaseStudy.model_fields and CaseStudy.model_fields["title"].is_required():
            raise InputError("典型案例：请填写案例名称（或清空这一栏）")
        data["case_study"] = {**state.case_extra, "title": case.title.strip(), "facts": nonblank_lines(case.facts),
                              "lesson": case.lesson.strip()}
        if nonblank_lines(case.gaps):
            data["case_study"]["gaps"] = nonblank_lines(case.gaps)
    causes = {root: note.strip() for root, note in state.causes.items() if root.strip()}
    if causes and "causes" in Profile.model_fields:
        data["causes"] = causes
    target = _number(state.target_chars, "目标字数")
    if target is not None:
        data["target_chars"] = target
    if state.title.strip():
        data["title"] = state.title.strip()
    if state.strict.strip():
        data["strict"] = True
    for key, value in state.extra.items():
        data.setdefault(key, value)
    if state.signature_name.strip() or state.signature_date.strip():
        data["signature"] = {k: v.strip() for k, v in (("name", state.signature_name), ("date", state.signature_date))
                             if v.strip()}
    return data


def to_profile(state: FormState) -> Profile:
    return parse_profile(profile_data(state), "（表单）")


def profile_yaml(profile: Profile) -> str:

    data = profile.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data["aspects"] = {name: [p.model_dump(mode="json", exclude_defaults=True) for p in problems]
                       for name, problems in profile.aspects.items()}
    if profile.causes:  # the friendly form a clerk writes: 理想信念: 本单位的剖析
        data["causes"] = {cause.root: cause.note for cause in profile.causes}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


HANDLED = {"members", "unit", "meeting", "preparation", "work", "aspects", "causes", "last_year", "case_study", "target_chars",
           "title", "signature", "strict"}
CASE_HANDLED = {"title", "facts", "lesson", "gaps"}


def from_profile(profile: Profile) -> FormState:
    """The form a profile fills in (an uploaded YAML)."""
    dumped = profile.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    extra = {k: v for k, v in dumped.items() if k not in HANDLED}
    case_extra = {k: v for k, v in (dumped.get("case_study") or {}).items() if k not in CASE_HANDLED}
    prep = profile.preparation
    signature = profile.signature
    case = profile.case_study
    aspects = {name: [Row(problem=p.problem, facts=list(p.facts),
                          **{k: str(getattr(p, k) or "") for k in ("detail", "impact", "cause", "root", "measure",
                                                                    "owner", "deadline", "source")
                             if k in Problem.model_fields}) for p in problems]
               for name, problems in profile.aspects.items()}
    return FormState(
        spec=profile.meeting.spec, unit_name=profile.unit.name, unit_type=profile.unit.type,
        self_name=profile.unit.self_name, year=str(profile.meeting.year or ""), title=profile.title or "",
        talks="" if prep.talks is None else str(prep.talks),
        opinions_count="" if prep.opinions is None else str(prep.opinions),
        study=prep.study_items(), other=list(prep.other), work=list(profile.work), aspects=aspects,
        last_year=last_year_rows(profile.last_year),
        case_study=CaseStudyForm(title=case.title, facts=list(case.facts), lesson=case.lesson, gaps=list(case.gaps))
        if case else CaseStudyForm(),
        target_chars=str(profile.target_chars or ""), strict="1" if profile.strict else "", extra=extra, case_extra=case_extra,
        causes={c.root: c.note for c in getattr(profile, "causes", [])},
        signature_name=(signature.name or "") if signature else "", signature_date=(signature.date or "") if signature else "")
