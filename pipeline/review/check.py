"""The check stage as users call it: load a material, resolve its spec, run the structure and content checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document
from pipeline.material.load import load_document
from pipeline.material.profile import Profile
from pipeline.material.specs import MeetingSpec, load_spec
from pipeline.review.structure import CheckReport, Finding, check_structure, guess_spec
from pipeline.material.load import read_text
from pipeline.text.overlap import content_digest
from pipeline.review.additions import check_additions, check_record
from pipeline.material.document import layout
from pipeline.review.content import check_content, rendered_text
from pipeline.review.copyrate import load_corpus
from pipeline.material.parse import assign_aspects
from pipeline.review.report_html import write_report_html
from pipeline.review.kinds import Kind, kind_of
from pipeline.review.kind_rules import check_kind
from pipeline.review.profile_facts import check_profile_facts
from pipeline.review.supervision import check_supervision
from pipeline.review.reference import Reference, load_reference


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


def _self_digests(path: Path, text: str) -> set[str]:
    """Content hashes of the material as read and as parsed, to recognise it when it is itself a 范文."""

    digests = {content_digest(text)}
    if path.suffix.lower() != ".json":
        digests.add(content_digest(read_text(path)))
    return digests


def meeting_spec(spec: str | Path | None = None, profile_path: str | Path | None = None,
                 document: Document | None = None) -> MeetingSpec | None:
    """Which meeting spec applies: the one named (id or path), else the profile's, else the best guess from the
    document; None when none is given and none fits."""
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


def check_file(path: str | Path, options: CheckOptions | None = None, corpus=None, parsed=None,
               reference: Reference | None = None) -> CheckReport:
    """Check one material. A caller checking many (`duizhao review`) passes the copy corpus, the material it has
    read already and the profile loaded once."""
    options = options or CheckOptions()
    path = Path(path)
    if reference is None and options.profile is not None:
        reference = load_reference(options.profile)
    spec = load_spec(options.spec) if options.spec else (reference.spec if reference else None)
    parsed = parsed or load_document(path, spec)
    kind = kind_of(parsed.document.title, options.kind)
    profile = reference.profile_for(kind, parsed.document.title) if reference else None
    if kind.examined:
        report, content = _check_examined(path, parsed, spec, profile, options, corpus)
    else:  # a document of its own shape: none of the 对照检查 skeleton's parts is asked of it
        report, content = CheckReport(ok=True, spec=spec.id if spec else None), None
    drafted = path.suffix.lower() == ".json"  # a duizhao record: the draft was made from the profile
    report = _with(report, _kind_findings(path, parsed.document, kind, reference, profile, options, drafted),
                   {"kind": kind.name})
    if kind.examined:
        found, metrics = check_supervision(parsed.document, profile if options.content else None,
                                           reference.unit_names(parsed.document.title) if reference
                                           else [parsed.document.title], reference.post(parsed.document.title)
                                           if reference else "")
        report = _with(report, found if options.content else [], metrics)
    report.metrics["counts"] = dict(Counter(f.code for f in report.findings))
    if options.html is not None:
        write_report_html(options.html, parsed.document, report, content, source=path.name)
    return report


def _kind_findings(path: Path, document: Document, kind: Kind, reference: Reference | None, profile: Profile | None,
                   options: CheckOptions, drafted: bool) -> list[Finding]:
    """The kind's own rules, what the model added or could not write, and the facts against the profile."""
    # What the model added or could not write: the marker in any format, the .json record's own flags.
    added = check_additions(document, profile if options.content else None, drafted=drafted)
    if drafted:
        added += check_record(path, document, added)
    found = check_kind(document, kind.rules) + added
    if options.content:
        found += check_profile_facts(document, reference.facts if reference else None, options.final, drafted)
    return found


def _check_examined(path: Path, parsed, spec, profile, options: CheckOptions, corpus=None):
    report = check_structure(parsed, spec, final=options.final)
    content = None
    if options.content:
        document = parsed.document
        content_spec = spec
        if content_spec is None:
            content_spec = guess_spec(document)
            if content_spec is not None:
                document = document.model_copy(deep=True)
                assign_aspects(document, content_spec)
        corpus = corpus or load_corpus(options.corpus)
        target = options.target_chars or (profile.target_chars if profile is not None else None)
        facts = profile.all_facts() if profile is not None else None
        digests = _self_digests(path, rendered_text(layout(document)))
        notes = ([(p.problem, [*p.facts, p.cause]) for problems in profile.aspects.values() for p in problems if p.problem]
                 if profile is not None else None)
        content = check_content(document, content_spec, corpus, target, facts, digests,
                                _siblings(path, options.corpus, corpus.index.sources), notes)
        report = _with(report, content.findings, content.metrics)
    return report, content
