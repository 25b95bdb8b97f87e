"""The seams the runner depends on: a Drafter writes one outline item, a PassageSource finds 范文 passages.

The factory builds the real ones (ModelDrafter / OfflineDrafter, corpus.retrieve.Retriever); tests inject fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from pipeline.corpus.passages import Hit
from pipeline.draft.assemble import ItemDraft
from pipeline.draft.plan import Outline, OutlineItem
from pipeline.material.profile import Profile


@runtime_checkable
class Drafter(Protocol):
    system: str  # "offline" or the model's name: recorded with every draft

    def key(self, item: OutlineItem, outline: Outline, profile: Profile, hits: list[Hit]) -> str:
        """The cache key of this item's draft: every input that changes the answer is in it."""

    async def draft(self, item: OutlineItem, outline: Outline, profile: Profile, hits: list[Hit]) -> ItemDraft:
        """The drafted item (paragraphs, flags, timings)."""


@runtime_checkable
class PassageSource(Protocol):
    embedder: Any  # a LangChain Embeddings: the runner embeds all of a unit's queries in one batch

    def retrieve(self, query: str, role: str | None = None, aspect: str | None = None, k: int = 5,
                 exclude_source: str | Sequence[str] | None = None, *,
                 query_vector: Sequence[float] | None = None) -> list[Hit]:
        """Passages like `query`, best first, filtered by role and aspect."""
