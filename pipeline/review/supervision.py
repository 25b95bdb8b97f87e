"""The 督导组's list as rules, each finding quoting the text: 万能问题 / 老三样 without a fact, 年年提 (a problem the
profile's `last_year` lists raised again as new), excuses inside 存在的问题, a political aspect's problem told only
in work metrics, identity words of another kind of unit (and a speaker's role not the signer's), a sentence frame
repeated, 套话 density per 1,000 字. Word lists and limits: lexicon/supervision.yaml."""

from __future__ import annotations

import re
from collections import defaultdict

from pipeline.core.resources import lexicon
from pipeline.material.document import Document, layout
from pipeline.material.profile import Profile
from pipeline.review.findings import content_length, settings
from pipeline.review.mandated import composer_formulae
from pipeline.review.profile_facts import PROMPT, clauses, finding, short, units, words
from pipeline.review.rules import objective_hits, specificity, stock_clauses
from pipeline.review.repeats import match_last_year
from pipeline.review.structure import Finding
from pipeline.text.overlap import normalise

_SENTENCE = re.compile(r"[^。！？；!?;\n]+")


def _problems(document: Document):
    return [unit for _, unit in units(document, ("problems",))]


def check_generic(document: Document) -> list[Finding]:
    """A 万能问题 (理论学习不够深入, 调研不深, 创新不足) whose sentence and the one after it (主要表现在：…) carry no
    number, time, place, name or role of the unit's own."""
    patterns = [re.compile(p) for p in words()["generic_problems"]]
    findings = []
    for unit in _problems(document):
        sentences = [s for s in _SENTENCE.findall(unit.text) if s.strip()]
        for index, sentence in enumerate(sentences):
            match = next((m for m in (p.search(sentence) for p in patterns) if m), None)
            if match is None:
                continue
            context = "。".join(sentences[index:index + 2])
            if PROMPT.search(context):
                continue  # the fact is still to be written: the 【待补】 rule names it
            if not specificity(context.replace(match.group(0), ""))["scored"]:
                findings.append(finding("generic-problem", "warning", unit, clause=short(sentence)))
                break
    return findings


def _shared(a: str, b: str, run: int) -> bool:
    a, b = normalise(a)[0], normalise(b)[0]
    return len(b) >= run and any(b[i:i + run] in a for i in range(len(b) - run + 1))


def check_recurring(document: Document, last_year: list[str]) -> list[Finding]:
    """A problem of last year's list raised again under 存在的问题 without saying that it recurs."""
    admits = tuple(words()["recurrence_words"])
    findings = []
    for unit in _problems(document):
        for clause in clauses(PROMPT.sub("", unit.text)):
            # The words shared, or the same problem in other words (the 年年提 matcher of review/repeats.py).
            last = next((p for p in last_year if _shared(clause, p, min(6, len(normalise(p)[0])))), None) \
                or match_last_year(clause, last_year)
            if last and not any(w in unit.text for w in admits):
                findings.append(finding("recurring-problem", "warning", unit, clause=short(clause), last=last))
                break
    return findings


def check_excuses(document: Document) -> list[Finding]:
    """Objective conditions (任务重、人手不足) told inside a problem: the problem excused, not examined."""
    causes = settings()["causes"]
    findings = []
    for unit in _problems(document):
        hits = objective_hits(unit.text, causes["objective"], causes["excused"])
        if hits:
            clause = next((c for c in clauses(unit.text) if hits[0] in c), hits[0])
            findings.append(finding("problem-excuse", "warning", unit, words="、".join(hits), clause=short(clause)))
    return findings


def check_political(document: Document) -> list[Finding]:
    """Under a political aspect (政治忠诚、政治能力 …), a problem told only in work metrics (产值、招商、完成率)."""
    aspects, political, metrics = (tuple(words()[k]) for k in ("political_aspects", "political_words", "work_metrics"))
    findings = []
    for unit in _problems(document):
        heading = (unit.aspect or "") + unit.heading
        if not any(a in heading for a in aspects):
            continue
        body = PROMPT.sub("", unit.text.replace(unit.heading, "", 1))
        if any(m in body for m in metrics) and not any(w in body for w in political):
            findings.append(finding("political-as-work", "warning", unit, clause=short(clauses(body)[0] if clauses(body) else body)))
    return findings


def unit_type(*names: str) -> str | None:
    """The kind of unit (乡镇、医院、学校 …) of the first name that says one: the cue that ends latest in it is the
    unit's own ("青山县农业农村局党组" is a 局, "城关镇东山村党支部" a 村)."""
    for name in names:
        name = re.split(r"\d{4}|二〇", name or "")[0]
        found = [(name.rfind(cue) + len(cue), len(cue), kind) for kind, cues in words()["identity"].items()
                 for cue in cues["unit"] if cue in name]
        if found:
            return max(found)[2]
    return None


def _own_word(phrase: str, names: list[str]) -> bool:
    """我院 in 县人民法院's material: the unit's own name says 院, so 我院 is the unit itself."""
    core = re.sub(r"^[我本全]|(?:党委|党组|领导班子|两委班子|机关|班子)$", "", phrase)
    return bool(core) and any(core in re.split(r"\d{4}|二〇", name or "")[0] for name in names)


def check_identity(document: Document, unit_names: list[str], post: str = "") -> list[Finding]:
    """Self-references of another kind of unit (我镇 in a hospital's material), and "作为…书记" naming a role of
    another unit or not the signer's (`post`: the member's post, for a personal material)."""
    own = unit_type(*unit_names)
    identity = words()["identity"]
    findings, seen = [], set()
    if own is None:
        return []
    for _, unit in units(document):
        text = PROMPT.sub("", unit.text)
        for kind, cues in identity.items():
            if kind == own or kind == "村" and own in ("乡镇", "社区"):
                continue
            for phrase in cues["self"]:
                if phrase in text and phrase not in seen and not _own_word(phrase, unit_names):
                    seen.add(phrase)
                    findings.append(finding("identity-mismatch", "error", unit, phrase=phrase, own=own, other=kind))
        for match in re.finditer(words()["speaker_pattern"], text):
            role = match.group(1)
            other = unit_type(role) if any(c in role for k in identity.values() for c in k["unit"]) else None
            other = other or next((k for k, cues in identity.items() if any(role.endswith(r) for r in cues["roles"])), None)
            if other and other != own and role not in seen:
                seen.add(role)
                findings.append(finding("identity-mismatch", "error", unit, phrase=match.group(0), own=own, other=other))
            elif post and role not in seen and not (role in post or post in role or role.endswith(("主任",))):
                seen.add(role)
                findings.append(finding("speaker-mismatch", "warning", unit, role=role, post=post))
    return findings


def _exempt(frame: str) -> bool:
    starts = tuple(words()["frame"]["exempt_starts"])
    return frame.startswith(starts) or any(frame in formula for formula in composer_formulae())


def _paragraphs(document: Document) -> list[tuple[str, str]]:
    """(part's label, text) of every paragraph of the body: intros, items and points, no headings."""
    labels = {i: (section.marker + section.heading) for i, section in enumerate(document.sections)}
    return [(labels.get(block.section, ""), block.text) for block in layout(document)
            if block.kind in ("intro", "item") and block.level == 0]


def check_frames(document: Document) -> list[Finding]:
    """The same sentence opening (这一问题的实质是……) used again and again."""
    limits = words()["frame"]
    openings: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for label, text in _paragraphs(document):
        for sentence in _SENTENCE.findall(PROMPT.sub("", text)):
            sentence = re.sub(r"^[\s（(]*[一二三四五六七八九十\d]+[、.．)）]\s*", "", sentence.strip())
            if len(normalise(sentence)[0]) > limits["prefix"]:
                openings[sentence[:limits["prefix"]]].append((sentence, label))
    findings = []
    for frame, found in openings.items():
        if len(found) < limits["repeats"] or _exempt(frame):
            continue
        sentences = [s for s, _ in found]
        common = sentences[0]
        for s in sentences[1:]:
            while not s.startswith(common):
                common = common[:-1]
        if _exempt(common):
            continue
        where = "、".join(dict.fromkeys(label for _, label in found))
        findings.append(finding("frame-repeated", "warning", None, frame=common, count=len(found), where=where))
        findings[-1].location = found[0][1]
    return findings


def stock_density(document: Document) -> tuple[float, list[str], int]:
    text = "\n".join(text for _, text in _paragraphs(document))
    text = PROMPT.sub("", text)
    _, hits = stock_clauses(text)
    chars = content_length(text)
    return (len(hits) * words()["stock_density"]["per_chars"] / chars if chars else 0.0), hits, chars


def check_stock_density(document: Document) -> tuple[list[Finding], float]:
    limits = words()["stock_density"]
    density, hits, chars = stock_density(document)
    if chars < limits["min_chars"] or density <= limits["limit"]:
        return [], round(density, 2)
    phrases = "、".join(dict.fromkeys(hits))[:60]
    return [finding("stock-density", "warning", None, density=density, limit=limits["limit"], phrases=phrases)], round(density, 2)


def check_supervision(document: Document, profile: Profile | None = None, unit_names: list[str] = (),
                      post: str = "") -> tuple[list[Finding], dict]:
    """Every rule above; 年年提 needs the profile's `last_year`."""
    findings = check_generic(document) + check_excuses(document) + check_political(document)
    if profile is not None and profile.last_year:
        findings += check_recurring(document, [e.problem for e in profile.last_year])
    findings += check_identity(document, list(unit_names), post) + check_frames(document)
    stock, density = check_stock_density(document)
    return findings + stock, {"stock_per_1000": density}
