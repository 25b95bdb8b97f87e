"""The check stage as users call it: load a material, resolve its spec, run the structure and content checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document
from pipeline.material.load import load_document
from pipeline.material.profile import load_profile, resolve_spec
from pipeline.material.specs import MeetingSpec, load_spec
from pipeline.review.structure import CheckReport, check_structure, guess_spec
from pipeline.material.load import read_text
from pipeline.text.overlap import content_digest
from pipeline.review.additions import check_additions, check_record
from pipeline.material.document import layout
from pipeline.review.content import check_content, rendered_text
from pipeline.review.copyrate import load_corpus
from pipeline.material.parse import assign_aspects
from pipeline.review.report_html import write_report_html
from pipeline.review.unsourced import check_unsourced


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
        return resolve_spec(load_profile(profile_path), Path(profile_path).parent)
    return guess_spec(document) if document is not None else None


def _siblings(path: Path, folder: Path | None, sources: list[str]) -> tuple[str, ...]:
    """The checked draft's other forms (.md / .docx of the same name) in the --corpus folder: not another draft."""
    if folder is None or path.resolve().parent != Path(folder).resolve():
        return ()
    return tuple(name for name in sources if Path(name).stem == path.stem)


def check_file(path: str | Path, options: CheckOptions | None = None) -> CheckReport:
    options = options or CheckOptions()
    path = Path(path)
    profile = load_profile(options.profile) if options.profile is not None else None
    spec = meeting_spec(options.spec, options.profile)
    parsed = load_document(path, spec)
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
        corpus = load_corpus(options.corpus)
        target = options.target_chars or (profile.target_chars if profile is not None else None)
        facts = profile.all_facts() if profile is not None else None
        digests = _self_digests(path, rendered_text(layout(document)))
        notes = ([(p.problem, [*p.facts, p.cause]) for problems in profile.aspects.values() for p in problems if p.problem]
                 if profile is not None else None)
        content = check_content(document, content_spec, corpus, target, facts, digests,
                                _siblings(path, options.corpus, corpus.index.sources), notes)
        findings = report.findings + content.findings
        metrics = {**report.metrics, **content.metrics}
        report = report.model_copy(update={"findings": findings, "metrics": metrics,
                                           "ok": not any(f.severity == "error" for f in findings)})

    # What the model added or could not write: the marker in any format, the .json record's own flags.
    drafted = path.suffix.lower() == ".json"  # a duizhao record: the draft was made from the profile
    added = check_additions(parsed.document, profile if options.content else None, drafted=drafted)
    if drafted:
        added += check_record(path, parsed.document, added)
    added += check_unsourced(parsed.document, options.final, path)
    if added:
        findings = report.findings + added
        report = report.model_copy(update={"findings": findings,
                                           "ok": not any(f.severity == "error" for f in findings)})
    report.metrics["counts"] = dict(Counter(f.code for f in report.findings))
    if options.html is not None:

        write_report_html(options.html, parsed.document, report, content, source=path.name)
    return report
