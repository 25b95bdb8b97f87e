"""Hybrid retrieval of 范文 passages: dense (chromadb) + BM25 over jieba words, fused by reciprocal rank
fusion, filtered by role / aspect / source and spread across source files.

Texts, metadata and BM25 postings are held in memory, built once per store revision: each term keeps
(passage index, BM25 weight) arrays, so a query costs the postings of its own words, not a pass over the
corpus; filters are boolean masks over the same arrays. Chroma answers only the nearest-neighbour part.
For LangChain chains, `Store.vectorstore()` gives a langchain-chroma view and `chroma_filter` its `where`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from pipeline.material.document import ROLES
from pipeline.models.embed import embed_query
from pipeline.core.errors import InputError, StoreError
from pipeline.corpus.passages import Hit, tokenize
from pipeline.corpus.integrity import check_index
from pipeline.corpus.store import Store, store_errors
from pipeline.text.query import clip_query

MODES = ("hybrid", "dense", "bm25")



class CorpusIndex:
    """Everything the retriever keeps in memory for one store revision: metadata codes and BM25 postings."""

    # b above the usual 0.75: passages are short paragraphs, and a long one should not win on length alone.
    def __init__(self, ids: list[str], texts: list[str], metadatas: list[dict], k1: float = 1.2, b: float = 0.9):
        from rank_bm25 import BM25Okapi  # lazy: heavy library, loaded only where used

        self.ids, self.texts, self.metas = ids, texts, metadatas
        self.position = {pid: i for i, pid in enumerate(ids)}
        self.codes: dict[str, dict[str, int]] = {}
        self.columns: dict[str, np.ndarray] = {}
        for key in ("source", "role", "aspect", "text_hash"):
            values = [str(m.get(key, "")) for m in metadatas]
            table = self.codes[key] = {v: n for n, v in enumerate(dict.fromkeys(values))}
            self.columns[key] = np.fromiter((table[v] for v in values), dtype=np.int32, count=len(values))
        tokens = [str(m.get("tokens", "")).split() for m in metadatas]
        # rank-bm25 supplies idf (with its floor for very common words) and lengths; weights are precomputed here.
        bm25 = BM25Okapi([t or ["\0"] for t in tokens], k1=k1, b=b)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for i, freqs in enumerate(bm25.doc_freqs):
            norm = k1 * (1 - b + b * bm25.doc_len[i] / bm25.avgdl)
            for term, tf in freqs.items():
                entry = postings.setdefault(term, ([], []))
                entry[0].append(i)
                entry[1].append(bm25.idf[term] * tf * (k1 + 1) / (tf + norm))
        self.postings = {t: (np.asarray(ix, dtype=np.int32), np.asarray(w, dtype=np.float32))
                         for t, (ix, w) in postings.items()}

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, role: str | None, aspect: str | None, exclude: Sequence[str]) -> np.ndarray | None:
        conditions = []
        for key, value in (("role", role), ("aspect", aspect)):
            if value is not None:
                conditions.append(self.columns[key] == self.codes[key].get(value, -1))
        for source in exclude:
            conditions.append(self.columns["source"] != self.codes["source"].get(source, -1))
        return np.logical_and.reduce(conditions) if conditions else None

    def bm25(self, words: Sequence[str], mask: np.ndarray | None, limit: int) -> list[tuple[int, float]]:
        """(passage index, score) by BM25 for the query `words`, best first, among the passages `mask` admits."""
        scores = np.zeros(len(self.ids), dtype=np.float32)
        # Each query word counts once: queries are whole paragraphs, and repeats in them are style, not intent.
        for term in set(words):
            if term in self.postings:
                ix, weights = self.postings[term]
                scores[ix] += weights
        if mask is not None:
            scores[~mask] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-scores[candidates], limit - 1)[:limit]]
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(int(i), float(scores[i])) for i in order]


def chroma_filter(role: str | None, aspect: str | None, exclude: Sequence[str]) -> dict | None:
    """A chroma `where`: several keys must be wrapped in {"$and": [...]}."""
    conditions: list[dict] = []
    if role is not None:
        conditions.append({"role": role})
    if aspect is not None:
        conditions.append({"aspect": aspect})
    if len(exclude) == 1:
        conditions.append({"source": {"$ne": exclude[0]}})
    elif exclude:
        conditions.append({"source": {"$nin": list(exclude)}})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


class Retriever:
    """`retrieve(query, role, aspect, k)` → a diverse handful of passages. The corpus index is built lazily
    and rebuilt only when an ingest changed the store (its revision)."""

    def __init__(self, store: Store, embedder: Embeddings, *, rrf_k: int = 60, dense_weight: float = 1.0,
                 bm25_weight: float = 1.0, fetch_k: int = 40, diversify: bool = True):
        self.store, self.embedder = store, embedder
        self.rrf_k, self.dense_weight, self.bm25_weight = rrf_k, dense_weight, bm25_weight
        self.fetch_k, self.diversify = fetch_k, diversify
        self._key: tuple | None = None
        self._index: CorpusIndex | None = None
        self._collection: Any = None
        self.dimension: int | None = None

    def index(self) -> CorpusIndex:
        """The in-memory index for the store's current revision."""
        with self.store.reading():
            collection = self.store.collection(self.embedder)
            if collection is None:
                raise StoreError(f"向量库 {self.store.location} 中还没有范文（集合 {self.store.name}），请先运行 duizhao ingest")
            key = (str(collection.id), (collection.metadata or {}).get("revision"))
            if self._key is not None and key != self._key and self.store.path is not None:
                # Changed since we last read it (another process ingested): see its vectors too.
                self.store.reopen()
                collection = self.store.collection(self.embedder)
                if collection is None:
                    raise StoreError(f"向量库 {self.store.location} 中的集合 {self.store.name} 已被删除，请重新运行 duizhao ingest")
                key = (str(collection.id), (collection.metadata or {}).get("revision"))
            data = None
            if key != self._key or self._index is None:
                with store_errors("读取向量库", self.store.path):
                    data = collection.get(include=["documents", "metadatas"])
        if data is not None:
            if not data["ids"]:
                raise StoreError(f"向量库集合 {self.store.name} 是空的，请先运行 duizhao ingest")
            check_index(self.store.path, str(collection.id))
            self._index = CorpusIndex(list(data["ids"]), list(data["documents"]), [m or {} for m in data["metadatas"]])
            self._key = key
            self.dimension = (collection.metadata or {}).get("dimension")
        self._collection = collection
        return self._index

    def retrieve(self, query: str, role: str | None = None, aspect: str | None = None, k: int = 5,
                 exclude_source: str | Sequence[str] | None = None, *, query_vector: Sequence[float] | None = None,
                 mode: str = "hybrid", relax_aspect: bool = True) -> list[Hit]:
        """Passages like `query`. With `aspect` and too few matches, passages of the same role fill up
        (`relax_aspect`); their `aspect` field shows they are not the aspect asked for."""
        if mode not in MODES:
            raise InputError(f"未知的检索方式：{mode}（可用：{'、'.join(MODES)}）")
        if role is not None and role not in ROLES:
            raise InputError(f"未知的部分：{role}（可用：{'、'.join(ROLES)}）")
        if k < 1:
            raise InputError("检索条数 k 应为正整数")
        if not query.strip() and query_vector is None:
            raise InputError("检索内容为空")
        exclude = [exclude_source] if isinstance(exclude_source, str) else list(exclude_source or [])
        query = clip_query(query)
        index = self.index()
        vector = None
        if mode != "bm25":
            vector = (np.asarray(query_vector, dtype=np.float32) if query_vector is not None
                      else embed_query(self.embedder, query))
            if self.dimension and vector.shape[-1] != self.dimension:
                raise StoreError(f"查询向量维度 {vector.shape[-1]} 与向量库的 {self.dimension} 不符：嵌入模型不一致")
        words = tokenize(query) if mode != "dense" else []
        hits = self._search(index, words, vector, role, aspect, exclude, k, mode)
        if aspect is not None and relax_aspect and len(hits) < k:
            taken = {hit.id for hit in hits}
            more = self._search(index, words, vector, role, None, exclude, k + len(hits), mode)
            hits += [hit for hit in more if hit.id not in taken][: k - len(hits)]
        return hits

    def _search(self, index: CorpusIndex, words: list[str], vector: np.ndarray | None, role: str | None,
                aspect: str | None, exclude: list[str], k: int, mode: str) -> list[Hit]:
        fetch = min(len(index), max(self.fetch_k, 4 * k))
        ranked: list[list[tuple[int, float]]] = []
        mask = index.mask(role, aspect, exclude)
        if mode != "bm25":
            ranked.append(self._dense(index, vector, mask, fetch))
        if mode != "dense":
            ranked.append(index.bm25(words, mask, fetch))
        if mode == "hybrid":
            fused: dict[int, float] = {}
            for weight, ranking in zip((self.dense_weight, self.bm25_weight), ranked):
                for rank, (i, _) in enumerate(ranking, 1):
                    fused[i] = fused.get(i, 0.0) + weight / (self.rrf_k + rank)
            order = sorted(fused.items(), key=lambda pair: -pair[1])
        else:
            order = ranked[0]
        return [self._hit(index, i, score) for i, score in self._pick(index, order, k)]

    def _dense(self, index: CorpusIndex, vector: np.ndarray | None, mask: np.ndarray | None, fetch: int) -> list[tuple[int, float]]:
        """Chroma's nearest neighbours among the passages the filter admits. The filter goes in as the ids it
        selects (from the in-memory mask) and only distances come back: a metadata `where` and returning
        documents made each query several times slower at 10k passages."""
        assert vector is not None
        ids = None
        if mask is not None:
            selected = np.flatnonzero(mask)
            if not len(selected):
                return []
            ids = [index.ids[i] for i in selected]
            fetch = min(fetch, len(ids))
        try:
            result = self._query(vector, fetch, ids)
        except StoreError:
            if self.store.path is None:
                raise
            # An embedded client opened before another process's ingest keeps the vector index it loaded, and
            # fails on ids it has not seen: a fresh client sees them.
            self.store.reopen()
            self._collection = self.store.collection(self.embedder)
            result = self._query(vector, fetch, ids)
        # Chroma answers cosine distance; 1 - distance is the similarity.
        return [(index.position[pid], 1.0 - float(distance))
                for pid, distance in zip(result["ids"][0], result["distances"][0]) if pid in index.position]

    def _query(self, vector: np.ndarray, fetch: int, ids: list[str] | None) -> dict:
        with self.store.reading(), store_errors("向量检索", self.store.path):
            return self._collection.query(query_embeddings=[vector], n_results=fetch, ids=ids, include=["distances"])

    def _pick(self, index: CorpusIndex, order: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
        """Best passage of each source first, then the rest by rank; identical texts only once."""
        sources, texts = index.columns["source"], index.columns["text_hash"]
        chosen: list[tuple[int, float]] = []
        later: list[tuple[int, float]] = []
        seen_sources: set[int] = set()
        seen_texts: set[int] = set()
        for i, score in order:
            if texts[i] in seen_texts:
                continue
            if self.diversify and sources[i] in seen_sources:
                later.append((i, score))
                continue
            chosen.append((i, score))
            seen_sources.add(sources[i])
            seen_texts.add(texts[i])
            if len(chosen) == k:
                return chosen
        for i, score in later:
            if len(chosen) == k:
                break
            if texts[i] not in seen_texts:
                chosen.append((i, score))
                seen_texts.add(texts[i])
        return chosen

    @staticmethod
    def _hit(index: CorpusIndex, i: int, score: float) -> Hit:
        meta = index.metas[i]
        return Hit.from_stored(index.ids[i], index.texts[i], meta, score=round(score, 6))
