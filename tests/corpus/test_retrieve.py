"""Hybrid retrieval over the seeds: filters, fusion, diversity, BM25 correctness, caching, bad queries."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from pipeline.models.embed import HashingEmbeddings
from pipeline.core.errors import InputError, StoreError
from pipeline.corpus.passages import tokenize
from pipeline.core.resources import data_dir
from pipeline.corpus.retrieve import CorpusIndex, Retriever, chroma_filter
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import Store

SEEDS = data_dir("corpus")
SEED_001 = "001_5e55ffca6ee2661c.txt"
SEED_002 = "002_b94c01ca5fb1103c.txt"
EMBEDDER = HashingEmbeddings(128)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Store:
    store = Store.open(tmp_path_factory.mktemp("retrieve") / "vectorstore")
    ingest([SEEDS], store, EMBEDDER)
    return store


@pytest.fixture
def retriever(seeded: Store) -> Retriever:
    return Retriever(seeded, EMBEDDER)


def test_role_and_aspect_filters(retriever: Retriever):
    hits = retriever.retrieve("理论学习不深不透，学用结合不够", role="problems", aspect="理论学习", k=4)
    assert len(hits) == 4 and all(h.role == "problems" for h in hits)
    # Three passages have the aspect 理论学习 (two in 001, one in 002); the fourth fills up from the same role.
    assert [h.aspect for h in hits[:3]] == ["理论学习"] * 3 and hits[3].aspect != "理论学习"
    assert {h.source for h in hits[:2]} == {SEED_001, SEED_002}  # one per source first
    strict = retriever.retrieve("理论学习", role="problems", aspect="理论学习", k=5, relax_aspect=False)
    assert strict and all(h.aspect == "理论学习" for h in strict)
    assert retriever.retrieve("理论学习", role="problems", aspect="生活纪律", relax_aspect=False) == []


def test_exclude_source_and_diversity(retriever: Retriever):
    query = "强化理论武装，转变工作作风，坚持正风肃纪"
    hits = retriever.retrieve(query, role="measures", k=4, exclude_source=SEED_001)
    assert len(hits) == 4 and SEED_001 not in {h.source for h in hits}
    assert len({h.source for h in hits}) == 4  # four other seeds, one passage each
    several = retriever.retrieve(query, role="measures", k=4, exclude_source=[SEED_001, SEED_002])
    assert {h.source for h in several}.isdisjoint({SEED_001, SEED_002})
    crowded = Retriever(retriever.store, EMBEDDER, diversify=False).retrieve(query, role="measures", k=4,
                                                                             exclude_source=SEED_001)
    assert len({h.source for h in crowded}) < 4  # without diversity one 范文 dominates


def test_a_passage_finds_itself_in_every_mode(retriever: Retriever):
    index = retriever.index()
    for i in range(0, len(index), 17):
        for mode in ("hybrid", "dense", "bm25"):
            top = retriever.retrieve(index.texts[i], k=1, mode=mode)[0]
            assert top.id == index.ids[i], (mode, index.texts[i][:30])


def test_identical_paragraphs_in_two_files_are_returned_once(tmp_path: Path):
    folder = tmp_path / "dup"
    folder.mkdir()
    shutil.copy(SEEDS / SEED_002, folder / "a.txt")
    shutil.copy(SEEDS / SEED_002, folder / "b.txt")
    store = Store.open(tmp_path / "vs")
    report = ingest([folder], store, EMBEDDER)
    assert report.reused == report.embedded == report.total // 2  # the copy's paragraphs share vectors
    hits = Retriever(store, EMBEDDER).retrieve("工作作风有待进一步加强", k=4)
    assert len({h.text for h in hits}) == len(hits) == 4


def test_vectorised_bm25_matches_rank_bm25(retriever: Retriever):
    index = retriever.index()
    tokens = [str(m["tokens"]).split() for m in index.metas]
    reference = BM25Okapi(tokens, k1=1.2, b=0.9)
    query = "班子成员理论学习不深入，调查研究不够，为民服务意识淡化，理论学习"
    expected = reference.get_scores(sorted(set(tokenize(query))))  # each query word once
    got = dict(index.bm25(tokenize(query), None, len(index)))
    order = np.argsort(-expected)[:10]
    assert [i for i, _ in index.bm25(tokenize(query), None, 10)] == list(order)
    assert all(abs(got[i] - expected[i]) < 1e-3 * max(1.0, expected[i]) for i in order)
    mask = index.mask("causes", None, [])
    assert all(index.metas[i]["role"] == "causes" for i, _ in index.bm25(tokenize(query), mask, 50))


def test_chroma_filter_shapes():
    assert chroma_filter(None, None, []) is None
    assert chroma_filter("problems", None, []) == {"role": "problems"}
    assert chroma_filter("problems", "理论学习", ["a"]) == {
        "$and": [{"role": "problems"}, {"aspect": "理论学习"}, {"source": {"$ne": "a"}}]}
    assert chroma_filter(None, None, ["a", "b"]) == {"source": {"$nin": ["a", "b"]}}


def test_index_is_cached_until_the_store_changes(tmp_path: Path):
    store = Store.open(tmp_path / "vs")
    ingest([SEEDS / SEED_002], store, EMBEDDER)
    retriever = Retriever(store, EMBEDDER)
    first = retriever.index()
    assert retriever.index() is first
    ingest([SEEDS / SEED_002], store, EMBEDDER)  # unchanged: no write, same revision
    assert retriever.index() is first
    ingest([SEEDS / SEED_001, SEEDS / SEED_002], store, EMBEDDER)
    second = retriever.index()
    assert second is not first and len(second) > len(first)
    assert retriever.retrieve("理论学习不深不透", k=1, exclude_source=SEED_002)[0].source == SEED_001


def test_precomputed_query_vector_and_its_dimension(retriever: Retriever):
    vector = EMBEDDER.embed_query("廉洁自律")
    assert retriever.retrieve("廉洁自律", k=2, query_vector=vector) == retriever.retrieve("廉洁自律", k=2)
    with pytest.raises(StoreError, match="维度"):
        retriever.retrieve("廉洁自律", query_vector=[0.1] * 7)


def test_bad_queries(retriever: Retriever, tmp_path: Path):
    with pytest.raises(InputError, match="检索方式"):
        retriever.retrieve("x", mode="sparse")
    with pytest.raises(InputError, match="部分"):
        retriever.retrieve("x", role="problem")
    with pytest.raises(InputError):
        retriever.retrieve("x", k=0)
    with pytest.raises(InputError, match="为空"):
        retriever.retrieve("  ")
    with pytest.raises(StoreError, match="duizhao ingest"):
        Retriever(Store.open(tmp_path / "empty"), EMBEDDER).retrieve("理论学习")


def test_index_codes_and_masks():
    metas = [{"source": "a", "role": "problems", "aspect": "x", "tokens": "学习 理论", "text_hash": "1"},
             {"source": "b", "role": "causes", "aspect": "", "tokens": "宗旨 意识", "text_hash": "2"},
             {"source": "b", "role": "problems", "aspect": "x", "tokens": "学习 作风", "text_hash": "3"}]
    index = CorpusIndex(["1", "2", "3"], ["t1", "t2", "t3"], metas)
    assert index.mask("problems", "x", ["a"]).tolist() == [False, False, True]
    assert index.mask("closing", None, []).tolist() == [False, False, False]
    assert index.mask(None, None, []) is None


def test_langchain_view_agrees_with_the_dense_search(retriever: Retriever):
    query = "深入基层调查研究不够，联系服务群众不经常"
    vector = EMBEDDER.embed_query(query)
    ours = Retriever(retriever.store, EMBEDDER, diversify=False).retrieve(query, role="problems", k=5, mode="dense",
                                                                          exclude_source=SEED_001)
    view = retriever.store.vectorstore(EMBEDDER)
    theirs = view.similarity_search_by_vector_with_relevance_scores(
        vector, k=5, filter=chroma_filter("problems", None, [SEED_001]))
    assert [doc.id for doc, _ in theirs] == [hit.id for hit in ours]
    assert all(abs((1 - distance) - hit.score) < 1e-4 for (_, distance), hit in zip(theirs, ours))


def test_a_passage_tells_a_personal_material_by_its_title():
    from pipeline.corpus.passages import Passage

    def passage(title: str) -> Passage:
        return Passage(id="p", text="……", source="s.txt", role="problems", level="point", title=title, position=0)

    assert passage("张三同志2024年度民主生活会个人对照检查材料").voice == "personal"
    assert passage("民主生活会个人发言提纲").voice == "personal"
    assert passage("某镇领导班子2024年度民主生活会对照检查材料").voice == "collective"
