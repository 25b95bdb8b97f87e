"""Content review: what reviewers send drafts back for, on top of the structure check.

`check_content` runs the rules of content_rules.py and answers.py, the copy rate of copyrate.py, the
length score and (with a profile) fact presence over one parsed material, and returns findings, metrics
and the marks the HTML report highlights. No I/O here: the corpus index comes in ready-built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.text.facts import fact_present, numbers  # the drafter's rule: numbers exact, wording may be paraphrased
from pipeline.review.answers import check_answers
from pipeline.material.budget import section_budgets
from pipeline.review.structure import Finding, section_label
from pipeline.review.rules import check_causes, check_redundancy, check_specificity
from pipeline.review.sendback import check_sendback
from pipeline.review.copyrate import CopyCorpus, CopyResult, copy_rate
from pipeline.review.mandated import mandated_phrases
from pipeline.material.document import Block, Document, count_chars, layout
from pipeline.core.resources import lexicon
from pipeline.material.specs import MeetingSpec
from pipeline.review.findings import Mark, RuleResult, Unit, finding, section_units, settings


@dataclass
class ContentResult:
    findings: list[Finding]
    metrics: dict
    blocks: list[Block]
    marks: list[Mark]
    copy: CopyResult | None = None


def rendered_text(blocks: list[Block]) -> str:
    return "\n\n".join(block.text for block in blocks)


def _by_section(blocks: list[Block]) -> dict[int | None, list[Block]]:
    grouped: dict[int | None, list[Block]] = {}
    for block in blocks:
        grouped.setdefault(block.section, []).append(block)
    return grouped


def section_spans(blocks: list[Block], sections: int) -> list[tuple[int, int]]:
    # Grouped once: a scan of all blocks per section was quadratic on materials with thousands of sections.
    grouped = _by_section(blocks)
    spans = []
    for s_index in range(sections):
        mine = grouped.get(s_index, [])
        spans.append((mine[0].start, mine[-1].start + len(mine[-1].text)) if mine else (0, 0))
    return spans


# ---- length -------------------------------------------------------------------------------------------

def length_score(required: int, actual: int) -> float:
    """LongBench-Write S_l: 100 at the target, falling linearly to 0 at 4× too long or 3× too short."""
    if required <= 0 or actual <= 0:
        return 0.0
    if actual > required:
        return 100 * max(0.0, 1 - (actual / required - 1) / 3)
    return 100 * max(0.0, 1 - (required / actual - 1) / 2)


def check_length(document: Document, blocks: list[Block], target: int | None) -> RuleResult:
    result = RuleResult()
    actual = count_chars(rendered_text(blocks))
    result.metrics = {"chars": actual, "target_chars": target, "length_score": None}
    if not target:
        return result
    limits = settings()["length"]
    advice = lexicon("findings")["length-advice"]
    score = length_score(target, actual)
    result.metrics["length_score"] = round(score, 1)
    if score < limits["warning"]:
        result.findings.append(finding("length", "warning", None, location="全文", scope="全文", actual=actual, target=target,
                                       score=f"{score:.0f}", advice=advice["longer" if actual > target else "shorter"]))
    roles = list(dict.fromkeys(s.role for s in document.sections if s.role != "other"))
    budgets = section_budgets(roles, target) if roles else {}
    per_section = []
    grouped = _by_section(blocks)
    for s_index, section in enumerate(document.sections):
        if section.role not in budgets:
            continue
        chars = sum(count_chars(b.text) for b in grouped.get(s_index, []))
        section_score = length_score(budgets[section.role], chars)
        label = section_label(section)
        per_section.append({"section": label, "chars": chars, "target": budgets[section.role],
                            "length_score": round(section_score, 1)})
        short_is_whole = section.role in limits.get("only_too_long", []) and chars <= budgets[section.role]
        if section_score < limits["section_warning"] and not short_is_whole:
            result.findings.append(finding("length", "warning", None, location=label, path=[s_index], scope=f"“{label}”",
                                           actual=chars, target=budgets[section.role], score=f"{section_score:.0f}",
                                           advice=advice["longer" if chars > budgets[section.role] else "shorter"]))
    result.metrics["sections_length"] = per_section
    return result


# ---- facts --------------------------------------------------------------------------------------------

def check_facts(facts: list[str], text: str) -> RuleResult:
    result = RuleResult()
    text_numbers = numbers(text)
    missing = [fact for fact in dict.fromkeys(facts) if fact.strip() and not fact_present(fact, text, text_numbers)]
    for fact in missing:
        result.findings.append(finding("fact-missing", "warning", None, location="单位资料", fact=fact))
    result.metrics = {"facts": len(set(facts)), "facts_missing": len(missing)}
    return result


# ---- copy rate ----------------------------------------------------------------------------------------

def check_copy(document: Document, blocks: list[Block], corpus: CopyCorpus, self_digests: set[str],
               spec: MeetingSpec | None = None, exclude: tuple[str, ...] = (),
               exempt: tuple[str, ...] = ()) -> tuple[RuleResult, CopyResult]:
    """Copy rate against the corpus, the meeting's mandated wording and `exempt` phrases exempt. A section copied
    mostly from another duizhao draft (corpus.drafts) is reported as cross-copy: two units' drafts look alike."""
    limits = settings()["copy_rate"]
    text = rendered_text(blocks)
    # The skeleton's headings (一、存在的主要问题, 上年度…整改落实情况) are the genre's, shared by every material.
    headings = [s.marker + s.heading for s in document.sections
                if s.marker and len(s.heading) <= limits.get("heading_chars", 24)]
    copied = copy_rate(text, section_spans(blocks, len(document.sections)), corpus, self_digests, exclude,
                       mandated_phrases(spec) + headings + list(exempt))
    result = RuleResult()

    def code(source: str) -> str:
        return "cross-copy" if source in corpus.drafts else "copy-rate"

    def level(rate: float) -> tuple[str, float] | None:
        if rate > limits["error"]:
            return "error", limits["error"]
        if rate > limits["warning"]:
            return "warning", limits["warning"]
        return None

    def quote(run: str) -> str:
        run = " ".join(run.split())
        return run if len(run) <= 60 else run[:60] + "…"

    overall = level(copied.rate)
    if overall:
        longest = copied.report.longest()
        main = max(copied.report.by_source, key=copied.report.by_source.get)
        result.findings.append(finding(code(main), overall[0], None, location="全文", scope="全文",
                                       rate=f"{copied.rate:.1%}", level="错误" if overall[0] == "error" else "警告",
                                       limit=f"{overall[1]:.0%}", source=main, run=quote(longest.text if longest else "")))
    sections = []
    for rate, section in zip(copied.sections, document.sections):
        label = section_label(section)
        sections.append({"section": label, "rate": round(rate.rate, 4), "sources": rate.by_source})
        found = level(rate.rate) if rate.total >= limits["min_section_chars"] else None
        if found:
            result.findings.append(finding(code(rate.main_source), found[0], None, location=label, path=[rate.index],
                                           scope=f"“{label}”", rate=f"{rate.rate:.1%}",
                                           level="错误" if found[0] == "error" else "警告", limit=f"{found[1]:.0%}",
                                           source=rate.main_source, run=quote(rate.longest)))
    report = copied.report
    result.metrics = {
        "copy_rate": round(report.rate, 4),
        "copy_sections": sections,
        "copy_sources": {s: round(n / report.total, 4) for s, n in sorted(report.by_source.items(), key=lambda kv: -kv[1])},
        "copy_longest": (lambda r: {"source": r.source, "text": r.text} if r else None)(report.longest()),
        "copy_excluded": copied.excluded,
        "copy_corpus_sources": copied.corpus_sources,
    }
    return result, copied


# ---- orchestration ------------------------------------------------------------------------------------

def units_of(document: Document, role: str, split_points: bool = True) -> list[Unit]:
    return [u for s, section in enumerate(document.sections) if section.role == role
            for u in section_units(document, s, split_points)]


def check_content(document: Document, spec: MeetingSpec | None = None, corpus: CopyCorpus | None = None,
                  target_chars: int | None = None, facts: list[str] | None = None,
                  self_digests: set[str] = frozenset(), exclude_sources: tuple[str, ...] = (),
                  notes: list[tuple[str, list[str]]] | None = None) -> ContentResult:
    """Content findings and metrics of one material. `corpus=None` skips the copy rate; `facts` come from a profile,
    and `notes`: per problem the profile lists, its title with its facts and cause (what a measure may answer)."""
    blocks = layout(document)
    cap = settings().get("max_units", 2000)
    problems = units_of(document, "problems")
    everything = [u for s in range(len(document.sections)) for u in section_units(document, s)]
    results = [
        check_specificity(problems[:cap]),
        check_answers(units_of(document, "problems", split_points=False)[:cap],
                      units_of(document, "measures", False)[:cap], spec, units_of(document, "causes")[:cap], notes),
        check_causes(units_of(document, "causes")[:cap], problems[:cap]),
        check_redundancy(everything),
        check_length(document, blocks, target_chars),
        *check_sendback(document, problems[:cap], units_of(document, "measures", False)[:cap]),
    ]
    if len(everything) > cap:
        results[4].metrics["units_unchecked"] = len(everything) - cap
    if facts:
        results.append(check_facts(facts, rendered_text(blocks)))
    copied = None
    if corpus is not None:
        copy_result, copied = check_copy(document, blocks, corpus, set(self_digests), spec, exclude_sources)
        results.insert(0, copy_result)
    findings = [f for r in results for f in r.findings]
    metrics: dict = {}
    for r in results:
        metrics.update(r.metrics)
    metrics["specificity_mean"] = metrics.get("specificity", {}).get("mean")
    return ContentResult(findings=findings, metrics=metrics, blocks=blocks, marks=[m for r in results for m in r.marks],
                         copy=copied)
