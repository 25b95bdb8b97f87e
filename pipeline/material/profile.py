"""The unit profile: what a user writes by hand about their unit. A public contract, validated strictly."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.core.errors import InputError
from pipeline.material.specs import MeetingSpec, load_spec
from pipeline.core.resources import lexicon
from pipeline.core.files import describe
from pipeline.core.files import expect_mapping
from pipeline.core.files import read_yaml
from pipeline.material.specs import aspect_for_key
import yaml
from pipeline.core.resources import prompt_text
from pipeline.material.specs import expected_roots, part_heading
from pipeline.text.numbering import count_limit


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Unit(Strict):
    name: str = Field(min_length=1)
    type: str = "党支部"
    # How the text refers to the body: 支部班子 / 班子 / 党组班子 …
    self_name: str = Field("班子", alias="self", min_length=1)


class Meeting(Strict):
    spec: str
    year: int | None = Field(None, ge=2000, le=2100)


class Preparation(Strict):
    talks: int | None = Field(None, ge=0)  # 谈心谈话 人次
    opinions: int | None = Field(None, ge=0)  # 征求意见 条
    study: str | list[str] | None = None
    other: list[str] = []

    def study_items(self) -> list[str]:
        if self.study is None:
            return []
        return [self.study] if isinstance(self.study, str) else list(self.study)


class Problem(Strict):
    problem: str = Field(min_length=1)
    detail: str = ""  # 表现: what exactly, where
    facts: list[str] = []  # 事例: who, when, how many
    impact: str = ""  # 影响
    # The unit's own analysis and commitment for this problem; the measures section is written from these.
    cause: str = ""
    root: str = ""  # the subjective root `cause` belongs to (理想信念 …); empty: filed under the problem's aspect
    measure: str = ""
    owner: str = ""  # 责任人
    deadline: str = ""  # 完成时限
    source: str = ""  # where it was raised: empty (查摆 by the body or member itself) or 征求意见

    @field_validator("root")
    @classmethod
    def _standard_root(cls, value: str) -> str:
        return _check_root(value.strip()) if value.strip() else ""

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        words = lexicon("meeting")["ledger"]
        value = value.strip()
        if value and value not in words["problem_sources"]:
            raise ValueError(words["problem_source_bad"].format(value=value, allowed="、".join(words["problem_sources"])))
        return value

    def raised_in(self) -> str:
        """Where this problem was raised: self (查摆 by the body or member, the default) or opinions (征求意见)."""
        return lexicon("meeting")["ledger"]["problem_sources"].get(self.source, "self")


def causes_mapping(value):
    """The friendly form is a mapping (理想信念: 本单位的分析); a list of {root, note} is accepted too."""
    if isinstance(value, dict):
        return [{"root": root, "note": note or ""} for root, note in value.items()]
    return value or []


def cause_roots() -> list[str]:
    """The standard subjective roots a unit may name under `causes:`, in the genre's order."""

    return [root["name"] for root in lexicon("composer")["causes"]["roots"]]


def _check_root(value: str) -> str:
    roots = cause_roots()
    if value not in roots:
        raise ValueError(f"“{value}”不是标准的主观原因，应为：{'、'.join(roots)}")
    return value


class Cause(Strict):
    """One subjective root (理想信念 …) the unit names as a cause of its problems, with its own note."""

    root: str
    note: str = ""

    @field_validator("root")
    @classmethod
    def _standard_root(cls, value: str) -> str:
        return _check_root(value)


class LastYear(Strict):
    """One of last year's problems: typed here, read from last year's material (`last_year_file`) or from the
    整改清单 the clerk kept (`ledger_file`). `fixed` is the unit's own result; nothing else is ever written as one."""

    problem: str = Field(min_length=1)
    fixed: str = ""  # 整改结果 / 完成情况, in the unit's words
    measure: str = ""  # last year's 整改措施
    owner: str = ""
    deadline: str = ""
    aspect: str = ""
    status: str = ""  # the ledger's 状态: 未开始 / 整改中 / 已完成 / 长期坚持
    evidence: str = ""  # 佐证材料
    who: str = ""  # whose problem in a meeting's ledger: empty for the 班子, else the member's name
    source: str = ""  # where it was read: "上年度材料 X.docx" / "整改清单 X.xlsx 第3行"


class CaseStudy(Strict):
    title: str = ""  # the case; empty means still to fill in (the draft shows 【待补】)
    facts: list[str] = []
    lesson: str = ""
    # The case's causes, and the unit's own gaps measured against it (the two sub-parts some specs ask for).
    causes: list[str] = []
    gaps: list[str] = []


class Signature(Strict):
    name: str | None = None
    date: str | None = None


class Profile(Strict):
    unit: Unit
    meeting: Meeting
    preparation: Preparation = Preparation()
    work: list[str] = []
    aspects: dict[str, list[Problem]] = {}
    causes: list[Cause] = []
    last_year: list[LastYear] = []
    # Last year's 对照检查材料 and 整改清单 to read last_year from (paths relative to this file).
    last_year_file: str | None = None
    ledger_file: str | None = None
    # Fixes made for a study campaign's rectification (学习教育整改整治), same shape as last_year.
    campaign: list[LastYear] = []
    case_study: CaseStudy | None = None
    target_chars: int | None = Field(None, ge=800, le=30000)
    title: str | None = None
    signature: Signature | None = None
    # Strict drafting: a sentence the model wrote without support in this profile is dropped (a 【待补】 left), not marked.
    strict: bool = False

    @field_validator("aspects", mode="before")
    @classmethod
    def _empty_lists(cls, value):
        # An aspect key with nothing under it (YAML null) means "no facts yet", not an error.
        if isinstance(value, dict):
            return {key: (items or []) for key, items in value.items()}
        return value

    @field_validator("aspects")
    @classmethod
    def _aspects_numbered(cls, value: dict[str, list[Problem]]) -> dict[str, list[Problem]]:
        # Checked when read, not after minutes of drafting: beyond this the numbering cannot be written.
        count_limit(len(value), "方面")
        for key, problems in value.items():
            try:
                count_limit(len(problems), "问题")
            except ValueError as error:
                raise ValueError(f"方面“{key}”{error}") from None
        return value

    @field_validator("work", "last_year", "campaign")
    @classmethod
    def _lists_numbered(cls, value: list) -> list:
        count_limit(len(value), "条")
        return value

    _causes = field_validator("causes", mode="before")(classmethod(lambda cls, value: causes_mapping(value)))

    def all_facts(self) -> list[str]:
        facts = [fact for problems in self.aspects.values() for p in problems for fact in p.facts]
        if self.case_study:
            facts += self.case_study.facts
        return facts


_HINT = "至少包括 unit 和 meeting；可用 duizhao profile init --spec 会议规范 生成模板"


def _field_error(path: str | Path, exc: ValidationError) -> InputError:

    return InputError(f"单位资料 {path} {describe(exc, Profile)}")


def parse_profile(data: object, path: str | Path = "<profile>") -> Profile:

    data = expect_mapping(data, path, "单位资料", _HINT)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise _field_error(path, exc) from exc


def load_profile(path: str | Path) -> Profile:

    return parse_profile(read_yaml(path, "单位资料"), path)


def resolve_spec(profile: Profile, base: Path | None = None) -> MeetingSpec:
    """The profile's meeting spec: a built-in id, or a path relative to the profile file."""
    ref = profile.meeting.spec
    candidate = (base / ref) if base is not None and not Path(ref).is_absolute() else Path(ref)
    return load_spec(candidate if candidate.suffix in (".yaml", ".yml") and candidate.exists() else ref)


def validate_against_spec(profile: Profile, spec: MeetingSpec, path: str | Path = "<profile>") -> None:
    """Every aspect key must name one of the spec's aspects or an alias the spec writes (free-aspect specs accept any)."""

    for key in profile.aspects:
        aspect_for_key(key, spec, where=f"单位资料 {path} 字段 aspects.{key} 有误：")


def profile_aspects(profile: Profile, spec: MeetingSpec) -> list[tuple[str, list[Problem]]]:
    """The aspects to draft, in the spec's order, each with the profile's problems (maybe none)."""

    if spec.free_aspects and profile.aspects:
        return [(name, problems) for name, problems in profile.aspects.items()]
    by_aspect: dict[str, list[Problem]] = {name: [] for name in spec.aspect_names()}
    for key, problems in profile.aspects.items():
        by_aspect.setdefault(aspect_for_key(key, spec), []).extend(problems)
    return list(by_aspect.items())


def _scalar(value) -> str:
    """`value` as YAML writes it: quoted when a colon, a leading quote, a `#`, a bracket or a word such as
    yes/null would change its meaning, plain otherwise."""

    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1 << 30)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(text: str) -> str:
    return " ".join(str(text).split())  # a comment ends at the line's end


def profile_template(spec: MeetingSpec, reference: str | None = None) -> str:
    """A commented profile for `spec`, its aspects listed in order, for the user to fill in. Values are written
    by the YAML emitter, so any aspect or meeting name parses back to itself; comments are kept. `reference`
    is what `meeting.spec` says (specs.spec_reference: a spec read from a file is named by its path)."""

    roots = spec_roots(spec)
    problem = prompt_text("profile_problem.yaml").format(roots="、".join(roots)).rstrip("\n")
    lines = []
    for aspect in spec.aspects:
        hint = f"  # {_comment(aspect.hint)}" if aspect.hint else ""
        lines.append(f"  {_scalar(aspect.name)}:{hint}\n{problem}")
    causes = "\n".join(f"  {_scalar(root)}: 【本单位在{root}方面的剖析：联系上面哪些问题、思想上的根源】"
                        for root in expected_roots(spec))
    self_name = "支部班子" if "支部" in spec.body else "班子"
    text = prompt_text("profile_template.yaml").format(
        spec_name=_comment(spec.name), spec_id_comment=_comment(spec.id), spec_id=_scalar(reference or spec.id), body=_scalar(spec.body),
        self_name=_scalar(self_name), year=_scalar(spec.year) if spec.year else "", aspects="\n".join(lines),
        causes=causes, roots="、".join(roots))
    return text + _part_blocks(spec)


def spec_roots(spec: MeetingSpec) -> list[str]:
    """The roots a problem's cause may be filed under, for the form and the template: the spec's own (or the
    usual ones it expects) first, then the other standard roots."""
    expected = expected_roots(spec)
    return expected + [root for root in cause_roots() if root not in expected and not spec.roots]


def _part_blocks(spec: MeetingSpec) -> str:
    """Template blocks for the parts a spec lists itself (campaign, case study with its sub-parts)."""


    blocks = yaml.safe_load(prompt_text("profile_parts.yaml"))
    text = ""
    for part in spec.parts:
        if part.role not in blocks:
            continue
        heading = part_heading(part, spec.meeting, spec.year)
        text += blocks[part.role].format(heading=heading, required="（必填）" if part.required else "（可选）")
        for sub in part.subparts:
            text += blocks[f"{part.role}_sub"].format(key=sub.key, sub_heading=sub.heading, hint=sub.hint)
    return text
