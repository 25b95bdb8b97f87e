"""The check stage as users call it: load a material, resolve its spec, run the structure and content checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.material.document import Document
from pipeline.material.load import load_document
from pipeline.material.parse import ParseResult
from pipeline.material.profile import Profile, load_profile, resolve_spec
from pipeline.material.specs import MeetingSpec, load_spec
from pipeline.review.structure import CheckReport, check_structure, guess_spec
from pipeline.material.load import read_text
from pipeline.text.overlap import content_digest
from pipeline.review.additions import check_additions, check_record
from pipeline.material.document import layout
from pipeline.review.content import ContentResult, check_content, rendered_text
from pipeline.review.copyrate import CopyCorpus, load_corpus
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


def check_document(parsed: ParseResult, spec: MeetingSpec | None, profile: Profile | None = None, *,
                   content: bool = True, corpus: CopyCorpus | None = None, target_chars: int | None = None,
                   final: bool = False, raw_text: str | None = None, siblings: tuple[str, ...] = (),
                   record: Path | None = None) -> tuple[CheckReport, ContentResult | None]:
    """The one check pipeline (`duizhao check` and the workbench's review page): structure, content, what the
    model added, the draft record's own flags. `raw_text` is the material as read (to recognise it among the
    范文); `record` a duizhao draft record the document came from."""
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
        notes = ([(p.problem, [*p.facts, p.cause]) for problems in profile.aspects.values() for p in problems if p.problem]
                 if profile is not None else None)
        result = check_content(document, content_spec, loaded, target, facts, digests, siblings, notes)
        findings = report.findings + result.findings
        metrics = {**report.metrics, **result.metrics}
        report = report.model_copy(update={"findings": findings, "metrics": metrics,
                                           "ok": not any(f.severity == "error" for f in findings)})

    # What the model added or could not write: the marker in any format, the .json record's own flags.
    added = check_additions(parsed.document, profile if content else None, drafted=record is not None)
    if record is not None:
        added += check_record(record, parsed.document, added)
    added += check_unsourced(parsed.document, final, record)
    if added:
        findings = report.findings + added
        report = report.model_copy(update={"findings": findings,
                                           "ok": not any(f.severity == "error" for f in findings)})
    report.metrics["counts"] = dict(Counter(f.code for f in report.findings))
    return report, result


def check_file(path: str | Path, options: CheckOptions | None = None) -> CheckReport:
    options = options or CheckOptions()
    path = Path(path)
    profile = load_profile(options.profile) if options.profile is not None else None
    spec = meeting_spec(options.spec, options.profile)
    parsed = load_document(path, spec)
    drafted = path.suffix.lower() == ".json"  # a duizhao record: the draft was made from the profile
    raw = read_text(path) if path.suffix.lower() != ".json" else None
    corpus = load_corpus(options.corpus) if options.content else None
    siblings = _siblings(path, options.corpus, corpus.index.sources) if corpus is not None else ()
    report, content = check_document(parsed, spec, profile, content=options.content, corpus=corpus,
                                     target_chars=options.target_chars, final=options.final, raw_text=raw,
                                     siblings=siblings, record=path if drafted else None)
    if options.html is not None:

        write_report_html(options.html, parsed.document, report, content, source=path.name)
    return report
