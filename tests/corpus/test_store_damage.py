"""A store whose vector index was cut short on disk is reported as damaged (exit 2, with the fix), never used
as if whole; `ingest --reset` repairs it."""

from __future__ import annotations

import os
import random
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


def segment_of(folder: Path) -> Path:
    [segment] = [p for p in folder.iterdir() if p.is_dir() and (p / "link_lists.bin").exists()]
    return segment


@pytest.mark.slow
@pytest.mark.parametrize("keep", [0.5, 0.0])
def test_cut_link_lists_is_reported_before_search_draft_or_ingest(tmp_path, keep):
    """chromadb loads a cut link_lists.bin silently and answers queries as before; the next ingest into it grows
    the file without bound (75 GB measured). Every command that reads or writes the index refuses it instead."""
    folder = persisted_store(tmp_path / "store")
    links = segment_of(folder) / "link_lists.bin"
    whole = links.stat().st_size
    assert whole > 0  # the packaged corpus puts passages above level 0
    os.truncate(links, int(whole * keep))
    for args in (("search", "理论学习不够深入", "--store", folder),
                 ("draft", ROOT / "examples" / "agency-2024-dangji.yaml", "--offline", "--no-docx", "--store", folder,
                  "-o", tmp_path / "out"),
                 ("ingest", data_dir("corpus"), "--store", folder)):
        result = invoke(*args)
        assert result.exit_code == 2, (args[0], result.output)
        errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
        assert len(errors) == 1 and "向量库已损坏，请 `duizhao ingest --reset`" in errors[0], result.stderr
        assert "link_lists.bin 被截断" in errors[0]
    assert links.stat().st_size == int(whole * keep)  # the refused ingest wrote nothing
    assert invoke("ingest", "--reset", "--store", folder).exit_code == 0
    result = invoke("search", "理论学习不够深入", "--store", folder, "--json")
    assert result.exit_code == 0 and "理论学习" in result.stdout


@pytest.mark.slow
def test_whole_index_passes_after_updates_deletes_and_reopening(tmp_path):
    """No false alarm: a persisted index that was added to, updated, pruned and reopened is whole."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from pipeline.corpus.integrity import check_index

    folder = persisted_store(tmp_path / "store")
    extra = tmp_path / "more"
    extra.mkdir()
    seed = data_dir("corpus") / "000_ca829aae0bab2a6c.txt"
    (extra / "改写.txt").write_text(seed.read_text(encoding="utf-8").replace("村", "社区"), encoding="utf-8")
    store = Store.open(folder)
    ingest([data_dir("corpus"), extra], store, HashingEmbeddings())  # adds a file's passages
    ingest([data_dir("corpus")], store, HashingEmbeddings(), prune=True)  # deletes them again
    SharedSystemClient.clear_system_cache()
    store = Store.open(folder)
    collection = store.collection()
    check_index(folder, str(collection.id))
    assert segment_of(folder).joinpath("link_lists.bin").stat().st_size > 0
    assert invoke("search", "理论学习不够深入", "--store", folder).exit_code == 0


@pytest.mark.slow
def test_scrambled_vectors_get_the_same_damaged_store_error(tmp_path):
    """A segment of the right size with garbage inside passes the size checks; chromadb's own complaint
    (Error finding id) is then said the same way: damaged, `ingest --reset`."""
    folder = persisted_store(tmp_path / "store")
    level0 = segment_of(folder) / "data_level0.bin"
    level0.write_bytes(random.Random(1).randbytes(level0.stat().st_size))
    result = invoke("search", "理论学习不够深入", "--store", folder)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 1 and "向量库已损坏，请 `duizhao ingest --reset`" in errors[0], result.stderr
