"""The reviewer's rules on one field of the form while the clerk types it, and how complete each part is.

The same word lists as the check of a whole material (stock phrases, 见人见事 markers, praise, objective causes):
a 万能问题 without a fact, a fact with nothing concrete in it, a 成绩 written as a problem, 长期坚持 as a time
limit, and per part what is still missing (原因分析：缺 理想信念、党性修养 两个方面).
"""

from __future__ import annotations

import re

from pipeline.core.resources import lexicon
from pipeline.review.findings import settings
from pipeline.review.rules import _objective_hits, concrete_markers, stock_clauses

_DATE = re.compile(r"\d{4}年|\d{1,2}月|年底|年内|季度|月底|上半年|下半年")
_NUMERALS = "零一两三四五六七八九十"


def _words() -> dict:
    return lexicon("form")


def _say(code: str, **values) -> str:
    return _words()["messages"][code].format(**values)


def _praise(text: str) -> list[str]:
    return [m.group(0) for p in lexicon("additions")["praise_patterns"] for m in re.finditer(p, text)]


def field_warnings(field: str, text: str, row: dict | None = None) -> list[str]:
    """Warnings on one field of a problem row (problem, detail, facts, impact, cause, measure, deadline) or on a
    root's 剖析 (cause_note), given the rest of its row."""
    row = row or {}
    text = (text or "").strip()
    if not text:
        return []
    found: list[str] = []
    facts = [f for f in (row.get("facts") or []) if f.strip()]
    if field in ("problem", "detail"):
        _, stock = stock_clauses(text)
        if stock and not facts:
            found.append(_say("stock", phrase=stock[0]))
        found += [_say("praise", phrase=p) for p in _praise(text)]
        if field == "problem" and not facts and not concrete_markers(row.get("detail") or ""):
            found.append(_say("no-fact"))
    elif field == "facts":
        for fact in (f.strip() for f in text.splitlines() if f.strip()):
            if not concrete_markers(fact) and not re.search(r"\d|[" + _NUMERALS + r"]+[次人件个名户项]", fact):
                found.append(_say("vague-fact", fact=fact[:20]))
    elif field == "deadline":
        vague = next((w for w in _words()["vague_deadlines"] if w in text), None)
        if vague:
            found.append(_say("vague-deadline", phrase=vague))
        elif not _DATE.search(text):
            found.append(_say("no-date"))
    elif field in ("cause", "cause_note"):
        causes = settings()["causes"]
        found += [_say("objective", phrase=w) for w in _objective_hits(text, causes["objective"], causes["excused"])]
        found += [_say("praise", phrase=p) for p in _praise(text)]
    return found


def _count(n: int) -> str:
    return _NUMERALS[n] if n < 10 else str(n)


def completeness(aspects: dict[str, list[dict]], causes: dict[str, str], expected: list[str]) -> list[dict]:
    """Per part: {part, ok, text} — which aspects have no problem, how many problems lack a fact or a measure,
    which roots the meeting expects have neither a 剖析 nor a problem's cause filed under them."""
    words = _words()["meter"]
    rows = [(name, r) for name, rs in aspects.items() for r in rs if (r.get("problem") or "").strip()]
    result = []

    def line(part: str, missing: str) -> None:
        result.append({"part": part, "ok": not missing, "text": f"{words[part]}：{missing or words['complete']}"})

    empty = [name for name, rs in aspects.items() if not any((r.get("problem") or "").strip() for r in rs)]
    line("problems", words["missing_aspects"].format(names="、".join(empty), count=_count(len(empty))) if empty else "")
    bare = sum(1 for _, r in rows if not [f for f in (r.get("facts") or []) if f.strip()])
    line("facts", words["missing_facts"].format(count=_count(bare)) if bare else "")
    filed = {r.get("root") for _, r in rows if (r.get("cause") or "").strip() and r.get("root")}
    roots = [root for root in expected if not (causes.get(root) or "").strip() and root not in filed]
    line("causes", words["missing_roots"].format(names="、".join(roots), count=_count(len(roots))) if roots else "")
    lacking = []
    for key, label in words["measure_parts"].items():
        n = sum(1 for _, r in rows if not (r.get(key) or "").strip())
        if n:
            lacking.append((n, label))
    text = "；".join(words["missing_measures"].format(count=_count(n), what=label) for n, label in lacking)
    line("measures", text)
    return result
