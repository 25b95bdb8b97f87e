"""A store whose vector index was cut short on disk is reported as damaged (exit 2, with the fix), never used
as if whole; `ingest --reset` repairs it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.core.resources import data_dir
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store
from pipeline.models.embed import HashingEmbeddings

ROOT = Path(__file__).resolve().parents[2]
ENV = {"DUIZHAO_EMBEDDER": "hash", "OPENAI_BASE_URL": None, "OPENAI_API_KEY": None, "DUIZHAO_STORE_DIR": None,
       "DUIZHAO_CHROMA_URL": None, "COLUMNS": "120"}


def persisted_store(folder: Path) -> Path:
    """The packaged corpus in a store whose HNSW index is written to disk (chromadb does that from 1,000
    passages on; a low sync threshold makes the small corpus do the same)."""
    store = Store.open(folder)
    real = store.client.create_collection

    def create(*args, **kwargs):
        kwargs["configuration"] = {"hnsw": {"space": "cosine", "sync_threshold": 10, "batch_size": 10}}
        return real(*args, **kwargs)

    store.client.create_collection = create
    ingest([data_dir("corpus")], store, HashingEmbeddings())
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # the next open reads the files, as a new process would
    return folder


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env=ENV)


@pytest.mark.slow
@pytest.mark.parametrize("part", ["data_level0.bin", "header.bin", "length.bin", "index_metadata.pickle"])
def test_truncated_index_is_reported_and_reset_repairs_it(tmp_path, part):
    folder = persisted_store(tmp_path / "store")
    [segment] = [p for p in folder.iterdir() if p.is_dir() and (p / part).exists()]
    os.truncate(segment / part, (segment / part).stat().st_size // 3)
    for args in (("search", "理论学习不够深入", "--store", folder),
                 ("draft", ROOT / "examples" / "agency-2024-dangji.yaml", "--offline", "--no-docx", "--store", folder,
                  "-o", tmp_path / "out")):
        result = invoke(*args)
        assert result.exit_code == 2, (args[0], result.output)
        errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
        assert len(errors) == 1 and "向量库已损坏，请 `duizhao ingest --reset`" in errors[0], result.stderr
    assert not list((tmp_path / "out").glob("*.md")) if (tmp_path / "out").exists() else True
    assert invoke("ingest", "--reset", "--store", folder).exit_code == 0
    result = invoke("search", "理论学习不够深入", "--store", folder, "--json")
    assert result.exit_code == 0 and "理论学习" in result.stdout
