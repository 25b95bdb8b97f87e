"""Per-unit wording: one option of a list, chosen by a stable hash of the unit (and what the phrase introduces).

Seeding by the unit's name, not by position, keeps a unit's draft stable across reruns and edits while two
units, even with the same meeting and the same problems, get different connectives.
"""

from __future__ import annotations

import hashlib


def choose(options: str | list[str], *seed: str) -> str:
    """`options` itself when it is one string; else the option the seed hashes to."""
    if isinstance(options, str):
        return options
    digest = hashlib.sha256("\x1f".join(seed).encode("utf-8")).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]
