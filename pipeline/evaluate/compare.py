"""Side-by-side comparison of several drafts of one unit: the review metrics of each draft, and the drafts
aligned section by section and aspect by aspect in the spec's order.

Every metric comes from the check (review.check_file / check.check_structure / content): a comparison
shows the same numbers `duizhao check` reports for each draft on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document, count_chars
from pipeline.core.errors import InputError
from pipeline.evaluate.align import Row, align, required_roles
from pipeline.evaluate.judge import Judge, JudgeContext, JudgeResult, judge_drafts
from pipeline.core.resources import lexicon
from pipeline.material.specs import MeetingSpec
from pipeline.material.load import load_document
from pipeline.review.check import meeting_spec
from pipeline.material.budget import section_budgets
from pipeline.review.structure import section_label
from pipeline.material.document import layout
from pipeline.review.content import length_score
from pipeline.review.structure import check_structure
from pipeline.review.check import CheckOptions, check_file
from pipeline.material.profile import load_profile
from pipeline.material.document import render


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DraftInput(Strict):
    label: str
    path: Path
    explicit: bool = False  # the user named it (label=path)


class SectionLength(Strict):
    role: str
    label: str
    chars: int
    length_score: float | None = None


class DraftMetrics(Strict):
    name: str
    path: str
    system: str = ""
    unit: str = ""
    structure_ok: bool = False
    structure_errors: int = 0
    warnings: int = 0
    copy_rate: float | None = None
    specificity: float | None = None
    without_case: int | None = None
    facts_total: int | None = None
    facts_covered: int | None = None
    answered: float | None = None  # share of problems the check counts as answered by a measure
    unmatched_measures: int | None = None
    length_score: float | None = None
    chars: int = 0
    redundancy: int | None = None
    sections: list[SectionLength] = []
    findings: dict[str, int] = {}

    def value(self, key: str):
        if key == "facts":
            return self.facts_covered / self.facts_total if self.facts_total else None
        return getattr(self, key, None)


class MeasureOptions(Strict):
    spec: str | None = None
    profile: Path | None = None
    corpus: Path | None = None
    target_chars: int | None = None


class Comparison(Strict):
    spec: str | None = None
    spec_name: str = ""
    profile: str | None = None
    target_chars: int | None = None
    drafts: list[DraftMetrics]
    rows: list[Row]
    required_roles: list[str] = []  # sections a draft must have; the others may be left out
    best: dict[str, list[int]] = {}
    judge: JudgeResult | None = None


# ---- inputs -------------------------------------------------------------------------------------------

def draft_record(path: Path) -> dict:
    """The runner's JSON record of a draft (system, profile), or {} for any other file."""
    if path.suffix.lower() != ".json":
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) and "document" in data else {}


def parse_draft_args(args: list[str], unique: bool = True) -> list[DraftInput]:
    """`path` or `label=path`; the label defaults to the draft's system (runner JSON) or the file's stem.
    With `unique`, equal labels are told apart by the file's folder and name."""
    inputs = []
    for arg in args:
        label, path = "", Path(arg)
        if "=" in arg and not path.exists():
            label, _, rest = arg.partition("=")
            path = Path(rest)
        if not path.is_file():
            raise InputError(f"稿件文件不存在：{path}")
        inputs.append(DraftInput(label=label.strip() or draft_record(path).get("system") or path.stem, path=path,
                                 explicit=bool(label.strip())))
    if unique:
        disambiguate(inputs, [""] * len(inputs), explicit_too=True)
    return inputs


def disambiguate(inputs: list[DraftInput], groups: list[str], explicit_too: bool = False) -> None:
    """Add folder/name to labels that collide within one group (a unit); labels the user gave are kept
    unless `explicit_too`."""
    clashes = [n for n, item in enumerate(inputs) if (explicit_too or not item.explicit) and any(
        m != n and other.label == item.label and groups[m] == groups[n] for m, other in enumerate(inputs))]
    for n in clashes:
        item = inputs[n]
        item.label = f"{item.label}（{item.path.parent.name or '.'}/{item.path.name}）"


def resolve_spec(options: MeasureOptions, first: Path) -> MeetingSpec | None:
    """The spec named, else the profile's, else the one the first draft fits best."""

    return meeting_spec(options.spec, options.profile) or meeting_spec(document=load_document(first).document)


# ---- metrics ------------------------------------------------------------------------------------------

def section_lengths(document: Document, target: int | None) -> list[SectionLength]:

    blocks = layout(document)
    roles = list(dict.fromkeys(s.role for s in document.sections if s.role != "other"))
    budgets = section_budgets(roles, target) if target and roles else {}
    found = []
    for index, section in enumerate(document.sections):
        chars = sum(count_chars(b.text) for b in blocks if b.section == index)
        score = length_score(budgets[section.role], chars) if section.role in budgets else None
        found.append(SectionLength(role=section.role, label=section_label(section), chars=chars,
                                   length_score=round(score, 1) if score is not None else None))
    return found


def measure_file(item: DraftInput, options: MeasureOptions, spec: MeetingSpec | None) -> tuple[DraftMetrics, Document]:
    """The check's metrics of one draft, and its document with aspects assigned by `spec`."""

    parsed = load_document(item.path, spec)
    structure = check_structure(parsed, spec)
    spec_ref = options.spec or (spec.id if spec is not None else None)
    report = check_file(item.path, CheckOptions(spec=spec_ref, profile=options.profile, corpus=options.corpus,
                                                target_chars=options.target_chars))
    m = report.metrics
    answers = m.get("answers") or {}
    pairs = answers.get("pairs") or []
    record = draft_record(item.path)
    target = options.target_chars or m.get("target_chars")
    metrics = DraftMetrics(
        name=item.label, path=str(item.path), system=record.get("system", ""),
        unit=(record.get("profile") or {}).get("unit", {}).get("name", "") or parsed.document.title,
        structure_ok=structure.ok, structure_errors=structure.count("error"), warnings=report.count("warning"),
        copy_rate=m.get("copy_rate"), specificity=m.get("specificity_mean"),
        without_case=(m.get("specificity") or {}).get("without_case"),
        facts_total=m.get("facts"), facts_covered=(m["facts"] - m["facts_missing"]) if m.get("facts") is not None else None,
        answered=round(sum(p.get("answered", p["similarity"] >= answers["threshold"]) for p in pairs) / len(pairs), 4)
        if pairs else None,
        unmatched_measures=m["counts"].get("measure-unmatched", 0) if pairs else None,
        length_score=m.get("length_score"), chars=m.get("chars") or count_chars(parsed.document.text()),
        redundancy=m.get("redundant_sentences"), sections=section_lengths(parsed.document, target),
        findings=dict(m.get("counts") or {}))
    return metrics, parsed.document


def best_indices(drafts: list[DraftMetrics], key: str, better: str) -> list[int]:
    """Drafts holding the best value of a metric; none when all are equal or the metric ranks nothing."""
    values = [d.value(key) for d in drafts]
    known = [v for v in values if v is not None]
    if better == "none" or len(known) < 2 or len(set(known)) == 1:
        return []
    target = {"higher": max(known), "lower": min(known), "true": True}[better]
    return [n for n, v in enumerate(values) if v is not None and v == target]


# ---- the comparison -----------------------------------------------------------------------------------

def judge_context(spec: MeetingSpec | None, profile: Path | None, documents: list[Document]) -> JudgeContext:
    context = JudgeContext(meeting=spec.name if spec else "", aspects=spec.aspect_names() if spec else [])
    if profile is not None:

        loaded = load_profile(profile)
        context.unit, context.facts = loaded.unit.name, loaded.all_facts()
    else:
        context.unit = next((d.title for d in documents if d.title), "")
    return context


def compare_files(args: list[str], options: MeasureOptions | None = None, judge: Judge | None = None) -> Comparison:

    options = options or MeasureOptions()
    inputs = parse_draft_args(args)
    if len(inputs) < 2:
        raise InputError("并排比较至少需要两份稿件")
    spec = resolve_spec(options, inputs[0].path)
    measured = [measure_file(item, options, spec) for item in inputs]
    drafts = [m for m, _ in measured]
    documents = [d for _, d in measured]
    comparison = Comparison(spec=spec.id if spec else None, spec_name=spec.name if spec else "",
                            profile=str(options.profile) if options.profile else None,
                            target_chars=options.target_chars, drafts=drafts, rows=align(documents, spec),
                            required_roles=required_roles(spec))
    if judge is not None:
        # The no-model notice would tell the judge which system wrote a draft.
        texts = [render(d.model_copy(update={"notice": ""})) for d in documents]
        comparison.judge = judge_drafts(judge, [d.name for d in drafts], texts, judge_context(spec, options.profile, documents))
    for key, spec_row in lexicon("eval")["metrics"].items():
        if key == "judge_win_rate":
            if comparison.judge is not None:
                rates = [s.win_rate for s in comparison.judge.scores]
                top = max(r for r in rates if r is not None) if any(r is not None for r in rates) else None
                comparison.best[key] = [n for n, r in enumerate(rates) if top is not None and r == top and len(set(rates)) > 1]
            continue
        comparison.best[key] = best_indices(drafts, key, spec_row["better"])
    return comparison


def display(draft: DraftMetrics, key: str) -> str:
    """A metric as shown in tables."""
    none = lexicon("eval")["labels"]["no_value"]
    value = draft.value(key)
    if key == "structure_ok":
        return lexicon("eval")["labels"]["pass" if draft.structure_ok else "fail"]
    if value is None:
        return none
    if key == "facts":
        return f"{draft.facts_covered}/{draft.facts_total}"
    if key in ("copy_rate", "answered"):
        return f"{value:.1%}"
    if key == "specificity":
        return f"{value:.2f}"
    if key == "length_score":
        return f"{value:.0f}"
    return str(value)
