"""Owners a text names for a task (责任人：…, 由…负责): the ones a unit's profile does not give are invented."""

from __future__ import annotations

import re

from pipeline.core.resources import lexicon


def invented_owners(text: str, allowed_text: str, self_name: str = "") -> list[str]:
    """Owners named in `text` that appear neither in `allowed_text` (the profile) nor as the body itself."""
    words = lexicon("additions")
    bodies = tuple([*words["owner_allowed"], *([self_name] if self_name else [])])
    everyone = tuple(words["owner_allowed_prefixes"])
    found = []
    for pattern in words["owner_patterns"]:
        for match in re.finditer(pattern, text):
            owner = match.group(1).strip()
            # The body itself (社区党支部, 班子成员) or everyone (全体党员) is no one's invention; 党支部书记 is.
            if "待补" in owner or owner in allowed_text or owner.endswith(bodies) or owner.startswith(everyone):
                continue
            found.append(owner)
    return list(dict.fromkeys(found))


def named_owners(text: str) -> list[str]:
    """Every owner `text` names for a task (责任人：…, 由…负责), invented or not; none inside a 【待补】 slot."""
    found = [match.group(1).strip() for pattern in lexicon("additions")["owner_patterns"]
             for match in re.finditer(pattern, text)]
    return [owner for owner in dict.fromkeys(found) if "待补" not in owner]
