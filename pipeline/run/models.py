"""The models and the 范文 store, as the CLI and the workbench reach them. Everything is built by draft/factory.py
(tests patch it there): this module only looks the factory up at call time."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pipeline.corpus.ingest import ingest as ingest_corpus
from pipeline.corpus.passages import scan_corpus
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.store import Store
from pipeline.core.resources import data_dir
from pipeline.draft import factory
from pipeline.draft.drafter import OfflineDrafter
from pipeline.draft.factory import Settings
from pipeline.models.embed import EmbedSettings, embed_texts, make_embedder
from pipeline.text.query import MAX_QUERY_CHARS

__all__ = ["Settings", "offline_drafter", "model_drafter", "model_configured", "use_model", "retriever_factory",
           "notice_proposer", "embed_texts", "ingest", "search", "MAX_QUERY_CHARS"]


def offline_drafter() -> Callable[[], object]:
    return OfflineDrafter


def model_drafter(settings: Settings | None = None) -> Callable[[], object]:
    return factory.drafter_factory(settings or Settings())


def model_configured(settings: Settings | None = None) -> bool:
    return factory.use_model(settings or Settings())


def use_model(settings: Settings) -> bool:
    return factory.use_model(settings)


def retriever_factory(settings: Settings | None = None, on_ingest=None) -> Callable[[], object]:
    return factory.retriever_factory(settings or Settings(), on_ingest)


def notice_proposer(offline: bool = False):
    return factory.notice_proposer(Settings(offline=offline))


def ingest(paths: list[Path] | None, store: Path | None, chroma_url: str | None, collection: str | None,
           embedder: str | None, prune: bool = False, reset: bool = False, progress=None):
    """范文 into the store (the packaged corpus when no path is given); a wrong path fails before a store is made."""
    sources = paths or [data_dir("corpus")]
    scan_corpus(sources)
    model = make_embedder(EmbedSettings.from_env(kind=embedder))
    target = Store.open(store, chroma_url, collection)
    return ingest_corpus(sources, target, model, prune=prune, reset=reset, progress=progress)


def search(query: str, role: str | None, aspect: str | None, k: int, store: Path | None, chroma_url: str | None,
           collection: str | None, embedder: str | None) -> list:
    model = make_embedder(EmbedSettings.from_env(kind=embedder))
    target = Store.open(store, chroma_url, collection, create=False)
    return Retriever(target, model).retrieve(query, role=role, aspect=aspect, k=k)
