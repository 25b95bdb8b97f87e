"""The 【待补：…】 prompt a draft leaves for the user: written and recognised in one place.

Templates with their own wording (a model's failed item, an owner slot) live in lexicon/; they all open with
PENDING, which is how every stage tells a prompt still to fill from the unit's text.
"""

from __future__ import annotations

PENDING = "【待补"


def pending(request: str) -> str:
    """【待补：request】"""
    return f"{PENDING}：{request}】"


def is_pending(text: str) -> bool:
    return PENDING in text
