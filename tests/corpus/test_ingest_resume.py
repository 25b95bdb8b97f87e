"""An ingest killed halfway (SIGKILL: no cleanup runs) is finished by the next ingest, file by file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.core.resources import data_dir
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store
from pipeline.models.embed import HashingEmbeddings

ROOT = Path(__file__).resolve().parents[2]

# Writes in batches of 7 passages and is killed by the kernel after the third batch.
KILLED_INGEST = textwrap.dedent("""
    import os, signal, sys
    from pipeline.core.resources import data_dir
    from pipeline.corpus.ingest import ingest
    from pipeline.corpus.store import Store
    from pipeline.models.embed import HashingEmbeddings

    store = Store.open(sys.argv[1])
    store.client.get_max_batch_size = lambda: 7
    real_create = store.client.create_collection
    calls = []

    def create_collection(*args, **kwargs):
        collection = real_create(*args, **kwargs)
        real_add = collection.add

        def add(*a, **k):
            real_add(*a, **k)
            calls.append(1)
            if len(calls) == 3:
                os.kill(os.getpid(), signal.SIGKILL)

        collection.add = add
        return collection

    store.client.create_collection = create_collection
    ingest([data_dir("corpus")], store, HashingEmbeddings())
""")


@pytest.mark.slow
def test_killed_ingest_is_finished_by_the_next_run(tmp_path):
    complete = Store.open(tmp_path / "complete")
    expected = ingest([data_dir("corpus")], complete, HashingEmbeddings()).total

    folder = tmp_path / "killed"
    done = subprocess.run([sys.executable, "-c", KILLED_INGEST, str(folder)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == -9, done.stderr
    store = Store.open(folder)
    partial = store.collection().count()
    assert 0 < partial < expected  # the kill left part of the corpus, part of one file included

    report = ingest([data_dir("corpus")], store, HashingEmbeddings())
    assert report.total == expected
    assert report.added == expected - partial
    ids = set(store.collection().get()["ids"])
    assert ids == set(complete.collection().get()["ids"])
    again = ingest([data_dir("corpus")], store, HashingEmbeddings())
    assert again.added == again.updated == again.embedded == 0 and again.unchanged_files == again.files
