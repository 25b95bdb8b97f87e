"""Character budgets: how a target length splits over sections and items."""

from __future__ import annotations

from pipeline.core.resources import lexicon


def default_target() -> int:
    return int(lexicon("budget")["default_target_chars"])


def section_budgets(roles: list[str], target_chars: int | None = None) -> dict[str, int]:
    """Split `target_chars` over the given section roles by their configured shares."""
    shares = lexicon("budget")["shares"]
    target = target_chars or default_target()
    weights = {role: float(shares.get(role, 0.05)) for role in roles}
    total = sum(weights.values()) or 1.0
    return {role: max(60, round(target * weight / total)) for role, weight in weights.items()}


def split_budget(budget: int, parts: int, floor: int = 60) -> list[int]:
    """Equal shares of a section budget for its items."""
    if parts <= 0:
        return []
    return [max(floor, budget // parts)] * parts


def fact_budget(share: int, parts: int, facts: list[str]) -> int:
    """An item's budget: its share of the target, capped by what its `parts` and `facts` can fill."""
    words = lexicon("budget")["fact_budget"]
    chars = sum(len(f.strip()) for f in facts)
    cap = int(words["per_part"] * max(1, parts) + words["per_char"] * chars)
    return max(int(words["floor"]), min(share, cap))
