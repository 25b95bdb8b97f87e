"""Planted-defect benchmark of `duizhao check`: each 督导组 rule's defect (lexicon/planted.yaml) planted alone into
honest offline drafts of several profiles (every example, a fresh hospital profile no example shares, the township
meeting's 班子, members and criticism sheets); per rule, how many plants are found with a finding that quotes them.
Then the findings of those rules on the clean drafts and on the five 范文 (no planted defect: each is a false
finding), and the measure↔problem matcher's precision and recall on a labelled set (every clean draft's own
measures and problems: must not be flagged; an unrelated measure added, or a measure's action replaced by an
unrelated one: must be).

    PYTHONPATH=$PWD .venv/bin/python eval/bench_check.py
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.resources import data_dir
from pipeline.corpus.ingest import ingest
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.store import Store
from pipeline.draft.drafter import OfflineDrafter
from pipeline.evaluate.planted import defects, plant
from pipeline.models.embed import HashingEmbeddings
from pipeline.review.check import CheckOptions, check_file
from pipeline.review.copyrate import load_corpus
from pipeline.review.kinds import kind_of
from pipeline.review.reference import load_reference
from pipeline.run.meeting import draft_meeting
from pipeline.run.runner import DraftOptions, draft_all

ROOT = Path(__file__).resolve().parent.parent
FRESH = ROOT / "tests" / "fixtures" / "review" / "zhongyiyuan-2025.yaml"
MEETING = ROOT / "examples" / "meetings" / "township-2025-niandu.yaml"
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
UNRELATED = "开展“警示教育月”活动，组织全体党员观看警示教育片"
MATCHER = ("measure-unmatched", "problem-unanswered")


@dataclass
class Base:
    name: str
    md: Path
    profile_path: Path
    reference: object
    kind: str
    title: str

    @property
    def profile(self):
        return self.reference.profile_for(kind_of(self.title), self.title)

    @property
    def unit_names(self) -> tuple[str, ...]:
        return tuple(self.reference.unit_names(self.title))


def offline_drafts(workdir: Path) -> tuple[list[tuple[Path, Path]], Path]:
    """Honest offline drafts of every example and the fresh profile ((profile, .md) each) and the township
    meeting's folder, all under `workdir`."""
    store = Store.open(store_dir=workdir / "store")
    embedder = HashingEmbeddings()
    ingest([data_dir("corpus")], store, embedder)
    options = DraftOptions(outdir=workdir / "out", docx=False)
    profiles = [*sorted((ROOT / "examples").glob("*.yaml")), FRESH]
    results = asyncio.run(draft_all(profiles, options, OfflineDrafter, lambda: Retriever(store, embedder)))
    units = []
    for path, result in zip(profiles, results):
        if result.error:
            sys.exit(f"{path}: {result.error}")
        units.append((path, next(Path(o) for o in result.outputs if o.endswith(".md"))))
    meeting = asyncio.run(draft_meeting(MEETING, options.model_copy(update={"outdir": workdir / "meeting"}),
                                        OfflineDrafter, lambda: Retriever(store, embedder)))
    return units, Path(meeting.folder)


def drafts(workdir: Path) -> list[Base]:
    units, folder = offline_drafts(workdir)
    bases = [_base(path.stem, md, path) for path, md in units]
    chosen = [*sorted(folder.glob("班子*.md")), *sorted(folder.glob("个人*.md"))[:3], *sorted(folder.glob("相互*.md"))[:3]]
    return bases + [_base(f"meeting/{p.stem}", p, MEETING) for p in chosen]


def _base(name: str, md: Path, profile_path: Path) -> Base:
    title = md.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    return Base(name, md, profile_path, load_reference(profile_path), kind_of(title).id, title)


def _applies(code: str, kind: str) -> bool:
    kinds = defects()[code].get("kinds")
    return kind in kinds if kinds else kind in ("group", "personal")


def check(path: Path, profile: Path | None, corpus):
    return check_file(path, CheckOptions(profile=profile), corpus=corpus)


def _swap_measure(markdown: str) -> str | None:
    """A measure's action replaced by an unrelated one, its citation of the problem kept."""
    lines = markdown.splitlines()
    at = next((i for i, line in enumerate(lines) if re.search(r"整改措施|努力方向", line) and line.startswith("#")), None)
    if at is None:
        return None
    for i in range(at + 1, len(lines)):
        match = re.search(r"(“[^”]{4,40}”(?:的问题)?[，：:]?)([^【]*?)(，(?:由|责任人|【|完成时限|时限|限\d)|$)", lines[i])
        if match and lines[i].startswith("（") and len(match.group(2)) > 6:
            lines[i] = lines[i][:match.start(2)] + UNRELATED + lines[i][match.end(2):]
            return "\n".join(lines) + "\n"
    return None


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-check-"))
    started = time.perf_counter()
    bases = drafts(workdir)
    corpus = load_corpus(None)
    rules = set(defects()) | {"speaker-mismatch", "deadline-invented"}
    planted_n, found_n, clean_findings = Counter(), Counter(), Counter()
    missed: dict[str, list[str]] = {}
    labelled = Counter()  # tp, fp, fn
    checks = 0
    for base in bases:
        text = base.md.read_text(encoding="utf-8")
        clean = check(base.md, base.profile_path, corpus)
        checks += 1
        for f in clean.findings:
            if f.code in rules:
                clean_findings[(f.code, f.severity)] += 1
            if f.code in MATCHER:
                labelled["fp"] += 1  # a draft's own measure or problem flagged
        for code in defects():
            if not _applies(code, base.kind):
                continue
            planted = plant(text, code, base.profile, base.unit_names)
            if planted is None:
                continue
            path = workdir / f"{base.md.stem}-{code}.md"
            path.write_text(planted.text, encoding="utf-8")
            report = check(path, base.profile_path, corpus)
            checks += 1
            planted_n[code] += 1
            if any(f.code == code and planted.quote in f.message for f in report.findings):
                found_n[code] += 1
            else:
                missed.setdefault(code, []).append(base.name)
            if code == "measure-unmatched":
                hit = any(f.code in MATCHER and "警示教育" in f.message for f in report.findings)
                labelled["tp" if hit else "fn"] += 1
        swapped = _swap_measure(text) if base.kind in ("group", "personal") else None
        if swapped:
            path = workdir / f"{base.md.stem}-swapped.md"
            path.write_text(swapped, encoding="utf-8")
            report = check(path, base.profile_path, corpus)
            checks += 1
            labelled["tp" if any(f.code in MATCHER for f in report.findings) else "fn"] += 1
    seeds = Counter()
    for seed in SEEDS:
        seeds.update((f.code, f.severity) for f in check(seed, None, corpus).findings if f.code in rules)
    seconds = time.perf_counter() - started

    print(f"{len(bases)} honest offline drafts ({sum(b.kind == 'criticism' for b in bases)} criticism sheets), "
          f"{sum(planted_n.values())} planted defects, {checks} checks")
    print(f"{'rule':<20} {'planted':>7} {'found':>6} {'recall':>7}  missed in")
    for code in defects():
        if planted_n[code]:
            recall = found_n[code] / planted_n[code]
            print(f"{code:<20} {planted_n[code]:>7} {found_n[code]:>6} {recall:>7.0%}  {', '.join(missed.get(code, []))}")
    low = [c for c in defects() if planted_n[c] and found_n[c] / planted_n[c] < 0.9]
    print(f"rules under 90 % recall: {', '.join(low) or 'none'}")
    for label, counts in (("clean drafts", clean_findings), ("five 范文", seeds)):
        errors = sum(n for (_, severity), n in counts.items() if severity == "error")
        shown = ", ".join(f"{code} {severity} {n}" for (code, severity), n in sorted(counts.items())) or "none"
        print(f"findings of these rules on the {label}: {errors} errors; {shown}")
    tp, fp, fn = labelled["tp"], labelled["fp"], labelled["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    print(f"measure↔problem matcher on {tp + fn} unrelated measures and every draft's own: precision {precision:.0%} "
          f"recall {tp / (tp + fn) if tp + fn else 1.0:.0%} (tp {tp}, fp {fp}, fn {fn})")
    print(f"total {seconds:.0f} s")


if __name__ == "__main__":
    main()
