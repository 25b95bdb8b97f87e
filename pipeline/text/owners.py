"""Owners a text names for a task (责任人：…, 由…负责): the ones a unit's profile does not give are invented."""

from __future__ import annotations

import re

from pipeline.core.resources import lexicon


def _invented(owner: str, allowed_text: str, self_name: str) -> bool:
    words = lexicon("additions")
    bodies = tuple([*words["owner_allowed"], *([self_name] if self_name else [])])
    # The body itself (社区党支部, 班子成员) or everyone (全体党员) is no one's invention; 党支部书记 is.
    return not ("待补" in owner or owner in allowed_text or owner.endswith(bodies)
                or owner.startswith(tuple(words["owner_allowed_prefixes"])))


def invented_owners(text: str, allowed_text: str, self_name: str = "") -> list[str]:
    """Owners named in `text` that appear neither in `allowed_text` (the profile) nor as the body itself."""
    found = [match.group(1).strip() for pattern in lexicon("additions")["owner_patterns"]
             for match in re.finditer(pattern, text)]
    return [owner for owner in dict.fromkeys(found) if _invented(owner, allowed_text, self_name)]


def swap_invented_owners(text: str, allowed_text: str, replacement: str, self_name: str = "") -> tuple[str, list[str]]:
    """`text` with each invented owner replaced where it is named as the owner (责任人：X), not wherever the same
    words occur ("增加社区工作人员的力量。责任人：社区工作人员" keeps the first)."""
    swapped: list[str] = []

    def swap(match: re.Match) -> str:
        owner = match.group(1).strip()
        if not _invented(owner, allowed_text, self_name):
            return match.group(0)
        swapped.append(owner)
        start, end = match.start(1) - match.start(), match.end(1) - match.start()
        return match.group(0)[:start] + replacement + match.group(0)[end:]

    for pattern in lexicon("additions")["owner_patterns"]:
        text = re.sub(pattern, swap, text)
    return text, list(dict.fromkeys(swapped))


def named_owners(text: str) -> list[str]:
    """Every owner `text` names for a task (责任人：…, 由…负责), invented or not; none inside a 【待补】 slot."""
    found = [match.group(1).strip() for pattern in lexicon("additions")["owner_patterns"]
             for match in re.finditer(pattern, text)]
    return [owner for owner in dict.fromkeys(found) if "待补" not in owner]
