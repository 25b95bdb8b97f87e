"""The check stage as users call it: load a material, resolve its spec, read it as its kind, run the structure and
content checks of that kind, the facts against the profile and the 督导组's rules."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document
from pipeline.material.load import load_document
from pipeline.material.parse import ParseResult
from pipeline.material.profile import LastYear, Profile
from pipeline.material.specs import MeetingSpec, load_spec
from pipeline.review.structure import CheckReport, Finding, check_structure, guess_spec
from pipeline.material.load import read_text
from pipeline.text.overlap import content_digest
from pipeline.review.additions import check_additions, check_record
from pipeline.material.document import layout
from pipeline.review.content import ContentResult, check_content, rendered_text
from pipeline.review.copyrate import CopyCorpus, load_corpus
from pipeline.material.parse import assign_aspects
from pipeline.review.report_html import write_report_html
from pipeline.review.unsourced import check_unsourced, mark_findings, recorded
from pipeline.review.kinds import Kind, kind_of
from pipeline.review.kind_rules import check_kind
from pipeline.review.profile_facts import check_profile_facts
from pipeline.review.supervision import check_supervision
from pipeline.review.reference import Reference, load_reference
from pipeline.material.last_year import read_last_year
from pipeline.core.files import read_yaml
from pipeline.review.repeats import check_repeats


class CheckOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: str | None = None
    profile: Path | None = None
    corpus: Path | None = None
    target_chars: int | None = None
    content: bool = True
    html: Path | None = None
    # A 送审稿 check: every slot still to fill (【待补】, XX) is an error, not a warning.
    final: bool = False
    # The kind of material (id or Chinese name, lexicon/kinds.yaml); None: from the title.
    kind: str | None = None
    # Last year's material: a problem raised again (年年提) must say why last year's measure did not work.
    last_year: Path | None = None


def meeting_spec(spec: str | Path | None = None, profile_path: str | Path | None = None,
                 document: Document | None = None) -> MeetingSpec | None:
    """Which meeting spec applies: the one named (id or path), else the profile's (or meeting file's), else the
    best guess from the document; None when none is given and none fits."""
    if spec:
        return load_spec(spec)
    if profile_path is not None:
        return load_reference(profile_path).spec
    return guess_spec(document) if document is not None else None


def _siblings(path: Path, folder: Path | None, sources: list[str]) -> tuple[str, ...]:
    """The checked draft's other forms (.md / .docx of the same name) in the --corpus folder: not another draft."""
    if folder is None or path.resolve().parent != Path(folder).resolve():
        return ()
    return tuple(name for name in sources if Path(name).stem == path.stem)


def _with(report: CheckReport, findings: list[Finding], metrics: dict | None = None) -> CheckReport:
    findings = report.findings + findings
    return report.model_copy(update={"findings": findings, "metrics": {**report.metrics, **(metrics or {})},
                                     "ok": not any(f.severity == "error" for f in findings)})


def _examined(parsed: ParseResult, spec: MeetingSpec | None, profile: Profile | None, content: bool,
              corpus: CopyCorpus | None, target_chars: int | None, final: bool, raw_text: str | None,
              siblings: tuple[str, ...]) -> tuple[CheckReport, ContentResult | None]:
    """A 对照检查材料: the spec's skeleton and the content rules of its problems, causes and measures."""
    report = check_structure(parsed, spec, final=final)
    result = None
    if content:
        document = parsed.document
        content_spec = spec
        if content_spec is None:
            content_spec = guess_spec(document)
            if content_spec is not None:
                document = document.model_copy(deep=True)
                assign_aspects(document, content_spec)
        loaded = corpus if corpus is not None else load_corpus()
        target = target_chars or (profile.target_chars if profile is not None else None)
        facts = profile.all_facts() if profile is not None else None
        digests = {content_digest(rendered_text(layout(document)))}
        if raw_text is not None:
            digests.add(content_digest(raw_text))
        # The unit's own measure for a problem answers it: the profile says so (its words count as the case).
        notes = ([(p.problem, [*p.facts, p.cause, p.measure or ""]) for problems in profile.aspects.values()
                  for p in problems if p.problem] if profile is not None else None)
        result = check_content(document, content_spec, loaded, target, facts, digests, siblings, notes)
        report = _with(report, result.findings, result.metrics)
    return report, result


def check_document(parsed: ParseResult, spec: MeetingSpec | None, profile: Profile | None = None, *,
                   content: bool = True, corpus: CopyCorpus | None = None, target_chars: int | None = None,
                   final: bool = False, raw_text: str | None = None, siblings: tuple[str, ...] = (),
                   record: Path | None = None, kind: str | None = None,
                   reference: Reference | None = None, sibling_record: Path | None = None,
                   last_year: list[LastYear] = ()) -> tuple[CheckReport, ContentResult | None]:
    """The one check pipeline (`duizhao check`, `duizhao review` and the workbench's review page): the material
    read as its kind (`kind`, else its title); for a 对照检查材料 structure and content; the kind's own rules, what
    the model added, the draft record's own flags; the facts against the profile and the 督导组's rules. `raw_text`
    is the material as read (to recognise it among the 范文); `record` a duizhao draft record the document came
    from; `reference` a unit profile or meeting file (a member's material is held to the member's own profile)."""
    document = parsed.document
    found_kind: Kind = kind_of(document.title, kind)
    if reference is not None:
        profile = reference.profile_for(found_kind, document.title)
    if found_kind.examined:
        report, result = _examined(parsed, spec, profile, content, corpus, target_chars, final, raw_text, siblings)
    else:  # a document of its own shape: none of the 对照检查 skeleton's parts is asked of it
        report, result = CheckReport(ok=True, spec=spec.id if spec else None), None
    # What the model added or could not write: the marker in any format, the .json record's own flags.
    added = check_additions(document, profile if content else None, drafted=record is not None, final=final)
    if record is not None:
        added += check_record(record, document, added)
    elif sibling_record is not None:  # the draft's own record beside a .md / .docx: which items the model failed
        added += check_record(sibling_record, document, added, sibling=True)
    added += check_unsourced(document, final, record)
    added += check_kind(document, found_kind.rules)
    if content:
        facts = reference.facts if reference is not None else profile
        added += check_profile_facts(document, facts, final, drafted=record is not None)
    report = _with(report, added, {"kind": found_kind.name})
    if found_kind.examined and content:
        names = reference.unit_names(document.title) if reference else [profile.unit.name, profile.unit.type or ""] \
            if profile else []
        post = reference.post(document.title) if reference else ""
        supervised, metrics = check_supervision(document, profile, [*names, document.title], post)
        report = _with(report, supervised, metrics)
        if last_year:
            # Last year's material (`last_year`, read from its file): the same matcher as the profile's 年年提
            # rule, with last year's measure quoted. (The profile's own last_year is check_supervision's.)
            causes = {p.problem: p.cause for ps in profile.aspects.values() for p in ps} if profile else None
            report = _with(report, check_repeats(document, list(last_year), causes))
    report.metrics["counts"] = dict(Counter(f.code for f in report.findings))
    # What a finding quotes from a sentence the model wrote unsupported carries the sentence's mark.
    report.findings = mark_findings(report.findings, [*document.unsourced, *recorded(record)])
    return report, result


def check_file(path: str | Path, options: CheckOptions | None = None, corpus: CopyCorpus | None = None,
               parsed: ParseResult | None = None, reference: Reference | None = None) -> CheckReport:
    """Check one material. A caller checking many (`duizhao review`) passes the copy corpus, the material it has
    read already and the profile (or meeting file) loaded once."""
    options = options or CheckOptions()
    path = Path(path)
    if reference is None and options.profile is not None:
        reference = load_reference(options.profile)
    spec = load_spec(options.spec) if options.spec else (reference.spec if reference else None)
    parsed = parsed or load_document(path, spec)
    drafted = path.suffix.lower() == ".json"  # a duizhao record: the draft was made from the profile
    sibling = path.with_suffix(".json")
    raw = read_text(path) if path.suffix.lower() != ".json" else None
    if options.content and corpus is None:
        corpus = load_corpus(options.corpus)
    siblings = _siblings(path, options.corpus, corpus.index.sources) if corpus is not None else ()
    report, content = check_document(parsed, spec, None, content=options.content, corpus=corpus,
                                     target_chars=options.target_chars, final=options.final, raw_text=raw,
                                     siblings=siblings, record=path if drafted else None, kind=options.kind,
                                     reference=reference, last_year=_last_year(reference, options),
                                     sibling_record=sibling if not drafted and sibling.is_file() else None)
    if options.html is not None:
        write_report_html(options.html, parsed.document, report, content, source=path.name)
    return report


def _last_year(reference: Reference | None, options: CheckOptions) -> list[LastYear]:
    """Last year's problems read from --last-year's material, else from the profile's `last_year_file`."""
    if options.last_year is not None:
        return read_last_year(options.last_year)
    data = read_yaml(options.profile, "单位资料") if options.profile is not None else None
    key = data.get("last_year_file") if isinstance(data, dict) else None
    if isinstance(key, str) and key:
        return read_last_year(Path(key) if Path(key).is_absolute() else Path(options.profile).parent / key)
    return []
