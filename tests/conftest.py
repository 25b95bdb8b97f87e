"""Shared fixtures, and the markers for tests that need LibreOffice or Chromium."""

from __future__ import annotations

import os
import shutil

import pytest
from stub_server import StubServer

from pipeline.models.embed import HashingEmbeddings
from pipeline.core.resources import data_dir
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store


# What users meet when they render: LibreOffice (and poppler-utils to read its PDFs), headless Chromium.
# On a machine without them these tests skip with the reason; .ci/run installs them and sets
# DUIZHAO_REQUIRE_RENDERERS=1, so there a missing tool fails the run instead of skipping.
RENDERERS = {
    "soffice": ("LibreOffice (soffice) and poppler-utils (pdftoppm, pdftotext, pdfinfo)",
                lambda: (shutil.which("soffice") or shutil.which("libreoffice"))
                and all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo"))),
    "chromium": ("Chromium", lambda: shutil.which("chromium") or shutil.which("chromium-browser")),
}


def pytest_configure(config):
    for name, (what, _) in RENDERERS.items():
        config.addinivalue_line("markers", f"{name}: needs {what}; skipped without it (.ci/install-system.sh)")


def pytest_runtest_setup(item):
    for name, (what, present) in RENDERERS.items():
        if item.get_closest_marker(name) and not present():
            reason = f"{what} not installed (.ci/install-system.sh installs it)"
            if os.environ.get("DUIZHAO_REQUIRE_RENDERERS"):
                pytest.fail(reason)
            pytest.skip(reason)


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
