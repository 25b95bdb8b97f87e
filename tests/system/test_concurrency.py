"""Several processes on one embedded store: concurrent ingests, and drafting or searching while an ingest runs.

chromadb's embedded client is not safe with two writers in two processes; duizhao serialises ingests with a
file lock and lets readers wait only for the write itself (pipeline/storelock.py). Afterwards the store must
be consistent: counts add up, no id twice, and a retriever (also a long-lived one) reads all of it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.models.embed import HashingEmbeddings
from pipeline.core.resources import data_dir
from pipeline.corpus.retrieve import Retriever
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store
from pipeline.corpus.storelock import WRITE_LOCK

ROOT = Path(__file__).resolve().parents[2]
DUIZHAO = Path(sys.executable).parent / "duizhao"
SEEDS = sorted(data_dir("corpus").glob("*.txt"))
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DUIZHAO_"))},
       "DUIZHAO_EMBEDDER": "hash", "COLUMNS": "120"}

# Ingest in a process of its own with an embedder that takes its time (same name as the CLI's hash embedder,
# so the CLI accepts the store it builds): the window in which other processes act.
SLOW_INGEST = """
import sys, time
from pipeline.models.embed import HashingEmbeddings
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store

class Slow(HashingEmbeddings):
    def embed_documents(self, texts):
        time.sleep(0.05 * len(texts))
        return super().embed_documents(texts)

report = ingest([sys.argv[2]], Store.open(sys.argv[1]), Slow())
print(report.added, report.total)
"""


def corpus(folder: Path, seeds: list[Path]) -> Path:
    folder.mkdir()
    for seed in seeds:
        shutil.copy(seed, folder / seed.name)
    return folder


def stored(store_dir: Path) -> tuple[int, list[str], set[str]]:
    collection = Store.open(store_dir).collection()
    data = collection.get(include=["metadatas"])
    return collection.count(), list(data["ids"]), {m["source"] for m in data["metadatas"]}


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([str(DUIZHAO), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=ENV)


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def expected_total(folders: list[Path], tmp_path: Path) -> int:
    single = tmp_path / "reference-store"
    return ingest(folders, Store.open(single), HashingEmbeddings()).total


@pytest.mark.slow
def test_two_ingests_at_once_into_a_new_store(tmp_path):
    first = corpus(tmp_path / "a", SEEDS[:3])
    second = corpus(tmp_path / "b", SEEDS[3:])
    store = tmp_path / "store"
    runs = [cli("ingest", first, "--store", store), cli("ingest", second, "--store", store),
            cli("ingest", first, "--store", store)]
    results = [finish(p) for p in runs]
    assert all(code == 0 for code, _, _ in results), results
    count, ids, sources = stored(store)
    assert count == len(ids) == len(set(ids)) == expected_total([first, second], tmp_path)
    assert sources == {seed.name for seed in SEEDS}
    hits = Retriever(Store.open(store), HashingEmbeddings()).retrieve("理论学习不够深入", k=5, mode="dense")
    assert len(hits) == 5


@pytest.mark.slow
def test_draft_and_search_while_an_ingest_runs(tmp_path):
    store = tmp_path / "store"
    base = corpus(tmp_path / "base", SEEDS[:2])
    ingest([base], Store.open(store), HashingEmbeddings())
    more = corpus(tmp_path / "more", SEEDS[2:])
    reader = Retriever(Store.open(store), HashingEmbeddings())  # a long-lived reader in this process
    assert {h.source for h in reader.retrieve("对照检查", k=10, mode="dense")} <= {s.name for s in SEEDS[:2]}

    writer = subprocess.Popen([sys.executable, "-c", SLOW_INGEST, str(store), str(more)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=ENV)
    time.sleep(0.5)  # the writer is embedding now
    drafting = cli("draft", ROOT / "examples" / "village-2023-zhuti.yaml", "-o", tmp_path / "out", "--offline",
                   "--no-docx", "--store", store)
    searches = [cli("search", "理论学习", "--store", store, "-k", "3", "--json") for _ in range(3)]
    draft_code, _, draft_err = finish(drafting)
    search_results = [finish(p) for p in searches]
    writer_code, writer_out, writer_err = finish(writer)
    assert writer_code == 0, writer_err
    assert draft_code == 0, draft_err
    assert all(code == 0 for code, _, _ in search_results), search_results
    assert (tmp_path / "out" / "城关镇东山村党支部.md").is_file()
    count, ids, sources = stored(store)
    assert count == len(set(ids)) == expected_total([base, more], tmp_path)
    assert sources == {seed.name for seed in SEEDS}
    # The reader opened before the ingest sees what the other process added, vectors included.
    dense = reader.retrieve("对照上级部署要求，党史学习教育", k=40, mode="dense")
    assert {h.source for h in dense} - {s.name for s in SEEDS[:2]}


def test_a_waiting_ingest_runs_when_the_other_finishes(tmp_path, monkeypatch):
    store = Store.open(tmp_path / "store")
    monkeypatch.setenv("DUIZHAO_LOCK_TIMEOUT", "20")
    held = open(tmp_path / "store" / WRITE_LOCK, "a+b")
    fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another ingest is running
    releaser = threading.Timer(0.6, lambda: (fcntl.flock(held.fileno(), fcntl.LOCK_UN), held.close()))
    releaser.start()
    started = time.monotonic()
    report = ingest([SEEDS[1]], store, HashingEmbeddings())
    assert time.monotonic() - started >= 0.5 and report.total == report.added > 0
    releaser.join()


def test_reader_opened_before_another_process_ingests(tmp_path):
    """The reader's client was made before the write, its index read after it: the ids it filters on are new
    to the client's vector index (chromadb: "Error finding id") until the client is rebuilt."""
    store = tmp_path / "store"
    ingest([corpus(tmp_path / "base", SEEDS[:1])], Store.open(store), HashingEmbeddings())
    reader = Retriever(Store.open(store), HashingEmbeddings())
    reader.store.collection().count()  # the client has seen the store as it was
    more = corpus(tmp_path / "more", SEEDS[1:3])
    done = subprocess.run([sys.executable, "-c", SLOW_INGEST.replace("0.05", "0"), str(store), str(more)],
                          capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr
    hits = reader.retrieve("理论学习不够深入", role="problems", k=8, mode="dense")
    assert {h.source for h in hits} & {s.name for s in SEEDS[1:3]}
