"""The check stage as users call it: load a material, resolve its spec, run the structure and content checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pipeline.review.structure import CheckReport, check_structure, guess_spec
from pipeline.material.load import load_document
from pipeline.material.specs import load_spec


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
    from pipeline.material.load import read_text
    from pipeline.text.overlap import content_digest

    digests = {content_digest(text)}
    if path.suffix.lower() != ".json":
        digests.add(content_digest(read_text(path)))
    return digests


def check_file(path: str | Path, options: CheckOptions | None = None) -> CheckReport:
    options = options or CheckOptions()
    path = Path(path)
    profile = None
    if options.profile is not None:
        from pipeline.material.profile import load_profile, resolve_spec

        profile = load_profile(options.profile)
    if options.spec:
        spec = load_spec(options.spec)
    else:
        spec = resolve_spec(profile, Path(options.profile).parent) if profile is not None else None
    parsed = load_document(path, spec)
    report = check_structure(parsed, spec, final=options.final)
    content = None
    if options.content:
        from pipeline.review.content import check_content, layout, rendered_text
        from pipeline.review.copyrate import load_corpus
        from pipeline.material.parse import assign_aspects

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
        content = check_content(document, content_spec, corpus, target, facts, digests)
        findings = report.findings + content.findings
        metrics = {**report.metrics, **content.metrics}
        report = report.model_copy(update={"findings": findings, "metrics": metrics,
                                           "ok": not any(f.severity == "error" for f in findings)})
    report.metrics["counts"] = dict(Counter(f.code for f in report.findings))
    if options.html is not None:
        from pipeline.review.report_html import write_report_html

        write_report_html(options.html, parsed.document, report, content, source=path.name)
    return report
