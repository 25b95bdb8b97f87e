"""Shared fixtures."""

from __future__ import annotations

import pytest
from stub_server import StubServer

from pipeline.models.embed import HashingEmbeddings
from pipeline.core.resources import data_dir
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store


@pytest.fixture(scope="session", autouse=True)
def user_data_home(tmp_path_factory):
    """The user's data folder (where the default store lives outside a checkout) is a temp folder in tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
        yield


@pytest.fixture
def stub_server():
    """A running OpenAI-compatible stub on 127.0.0.1 (see tests/stub_server.py); script it with .queue()."""
    with StubServer() as server:
        yield server


@pytest.fixture(scope="session")
def retriever(tmp_path_factory):
    """The packaged 范文 in a temp store, embedded by the hashing embedder (fast, deterministic, no model)."""
    store = Store.open(store_dir=tmp_path_factory.mktemp("store"))
    embedder = HashingEmbeddings()
    ingest([data_dir("corpus")], store, embedder)
    return Retriever(store, embedder)
