"""The one place that builds the real chat model, embedder, store and retriever from settings.

Tests build the same objects with fakes (a fake chat model, a hashing embedder, a temp store) instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict
from pipeline.models.chat import configured
from pipeline.draft.drafter import ModelDrafter, OfflineDrafter
from pipeline.models.chat import ChatSettings, build_chat_model
from pipeline.corpus.store import Store
from pipeline.models.embed import make_embedder
from pipeline.core.resources import data_dir
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import store_errors


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offline: bool = False
    model: str | None = None
    store_dir: Path | None = None
    chroma_url: str | None = None
    collection: str | None = None


def use_model(settings: Settings) -> bool:

    return not settings.offline and configured()


def drafter_factory(settings: Settings) -> Callable[[], object]:
    """A new drafter per document (the offline composer keeps per-document state)."""

    if not use_model(settings):
        return OfflineDrafter

    chat = ChatSettings.from_env(model=settings.model)
    model = chat_model(chat)
    return lambda: ModelDrafter(model, chat.model, policy=chat.retry_policy())


def chat_model(chat: ChatSettings):
    """Every real chat model (drafting, reading notices, judging) is built here, and only here."""
    return build_chat_model(chat)


def notice_proposer(settings: Settings | None = None):
    """The model's reading of a notice's aspect list, or None offline (the offline reading is used)."""
    settings = settings or Settings()
    if not use_model(settings):
        return None
    from pipeline.draft.notice_model import model_proposer  # lazy: only where a notice is read with a model

    chat = ChatSettings.from_env(model=settings.model)
    return model_proposer(chat, chat_model(chat))


def open_store(settings: Settings):

    return Store.open(store_dir=settings.store_dir, chroma_url=settings.chroma_url, collection=settings.collection)


def retriever_factory(settings: Settings, on_ingest: Callable[[int, int], None] | None = None) -> Callable[[], object]:
    """Opens the store; on first use with an empty store, ingests the packaged 范文 corpus."""

    def build():

        store = open_store(settings)
        embedder = make_embedder()
        collection = store.collection(embedder)
        with store_errors("读取向量库", store.path):
            empty = collection is None or collection.count() == 0
        if empty:
            ingest([data_dir("corpus")], store, embedder, progress=on_ingest)
        return Retriever(store, embedder)

    return build
