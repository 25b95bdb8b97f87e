"""Each kind's own rules, by the rule-set names lexicon/kinds.yaml gives a kind: the personal material speaks as
我 (meeting_rules.check_personal); the 相互批评意见 criticises every colleague with a concrete episode, never with
praise dressed as criticism (太拼命、不注意身体、要求太严 …)."""

from __future__ import annotations

import re

from pipeline.material.document import Document, Item
from pipeline.review.meeting_papers import check_parts
from pipeline.review.meeting_rules import check_criticisms, check_personal
from pipeline.review.profile_facts import finding, short, words
from pipeline.review.rules import specificity
from pipeline.review.structure import Finding
from pipeline.text.slots import is_pending


def _colleague(item: Item) -> str:
    return re.sub(r"^对|同志.*$", "", item.heading)


def check_criticism_bite(sheet: Document) -> list[Finding]:
    """Praise as criticism (error) and a colleague criticised with no concrete episode (warning)."""
    patterns = [re.compile(p) for p in words()["criticism_praise"]]
    findings = []
    for section in sheet.sections:
        for item in section.items:
            location = f"{item.marker}{item.heading}"
            texts = [p.text for p in item.points if p.text.strip() and not is_pending(p.text)]
            for text in texts:
                match = next((m for m in (p.search(text) for p in patterns) if m), None)
                if match:
                    findings.append(finding("criticism-praise", "error", None, phrase=match.group(0), text=short(text)))
                    findings[-1].location = location
            episodes = [re.compile(p) for p in words()["criticism_episode"]]
            if texts and not any(specificity(t)["scored"] or any(e.search(t) for e in episodes) for t in texts):
                findings.append(finding("criticism-vague", "warning", None, name=_colleague(item), text=short(texts[0])))
                findings[-1].location = location
    return findings


def _criticism(document: Document) -> list[Finding]:
    return check_criticisms(document) + check_criticism_bite(document)


RULE_SETS = {
    "personal": check_personal,
    "criticism": _criticism,
    "group": lambda document: [],
    # The meeting's other documents: the parts each must hold (review/meeting_papers.py).
    **{f"meeting-{kind}": (lambda document, kind=kind: check_parts(document, kind))
       for kind in ("plan", "opinions", "talks", "host", "rectification", "report")},
}


def check_kind(document: Document, rules: list[str]) -> list[Finding]:
    return [f for name in rules for f in RULE_SETS[name](document)]
