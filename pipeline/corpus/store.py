"""The 范文 vector store (chromadb): open it embedded or on a server; ingest lives in ingest.py."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from pipeline.models.embed import embedder_name
from pipeline.core.errors import InputError, PipelineError, StoreError
from pipeline.core.resources import lexicon
from pipeline.corpus.integrity import damaged, disk_full, looks_broken
from pipeline.core.resources import default_store_dir
from pipeline.corpus.storelock import DATA_LOCK, file_lock

DEFAULT_COLLECTION = "duizhao-corpus"


def _one_line(exc: BaseException) -> str:
    """chromadb's English error in Chinese (lexicon/store_errors.yaml); its own text only with DUIZHAO_DEBUG."""
    raw = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    said = next((rule["said"] for rule in lexicon("store_errors") if re.search(rule["pattern"], raw)), "原因不明")
    return f"{said}（{raw}）" if os.environ.get("DUIZHAO_DEBUG") else said


@contextlib.contextmanager
def store_errors(action: str, path: Path | None = None) -> Iterator[None]:
    """Whatever chromadb (or the network under it) raises becomes one StoreError line; a full disk under the
    store (`path`, an embedded store's folder) is said as such, never as damage."""
    try:
        yield
    except PipelineError:
        raise
    except Exception as exc:
        full = disk_full(path, _chain(exc)) if path is not None or isinstance(exc, OSError) else None
        if full is not None:
            raise full from exc
        if looks_broken(str(exc)):
            raise damaged(action.strip(), _one_line(exc), path) from exc
        raise StoreError(f"{action}失败：{_one_line(exc)}") from exc


def _chain(exc: BaseException) -> str:
    """The text of an error and of those it came from (an OSError's errno too)."""
    parts, seen = [], 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        parts.append(f"{current} os error {getattr(current, 'errno', '')}")
        current, seen = current.__cause__ or current.__context__, seen + 1
    return " ".join(parts)


def _settings():
    from chromadb.config import Settings  # lazy: heavy library, loaded only where used

    return Settings(anonymized_telemetry=False)


class Store:
    """A chromadb client and the name of the collection holding the corpus."""

    def __init__(self, client: Any, collection: str = DEFAULT_COLLECTION, location: str = "",
                 path: Path | None = None):
        self.client = client
        self.name = collection
        self.location = location
        self.path = path  # the folder of an embedded store (None on a server): where its locks live

    def reopen(self) -> None:
        """A fresh embedded client. chromadb's client keeps the vector index it loaded: passages another
        process ingested since are seen in metadata but missed by vector search until the client is rebuilt."""
        if self.path is None:
            return
        import chromadb  # lazy: heavy library, loaded only where used
        from chromadb.api.shared_system_client import SharedSystemClient  # lazy: heavy library, loaded only where used

        with file_lock(self.path, DATA_LOCK, exclusive=False), store_errors(f"打开向量库 {self.path} ", self.path):
            SharedSystemClient.clear_system_cache()  # clients already handed out keep working
            self.client = chromadb.PersistentClient(path=str(self.path), settings=_settings())

    def reading(self):
        """Shared with other readers, exclusive of a write in progress (see storelock)."""
        return file_lock(self.path, DATA_LOCK, exclusive=False)

    @classmethod
    def open(cls, store_dir: str | Path | None = None, chroma_url: str | None = None,
             collection: str | None = None, create: bool = True) -> Store:
        """Embedded store under `store_dir` (default: core.resources.default_store_dir), or a chroma server at `chroma_url`.
        DUIZHAO_STORE_DIR, DUIZHAO_CHROMA_URL and DUIZHAO_COLLECTION give the defaults. Readers pass
        create=False, so a search in the wrong folder does not leave an empty store behind."""
        import chromadb  # lazy: heavy library, loaded only where used

        chroma_url = chroma_url or os.environ.get("DUIZHAO_CHROMA_URL") or None
        collection = collection or os.environ.get("DUIZHAO_COLLECTION") or DEFAULT_COLLECTION
        check_collection_name(collection)
        if chroma_url:
            url = urlparse(chroma_url)
            if url.scheme not in ("http", "https") or not url.hostname:
                raise StoreError(f"Chroma 服务器地址应形如 http://host:8000：{chroma_url}")
            try:
                client = chromadb.HttpClient(host=url.hostname, port=url.port or (443 if url.scheme == "https" else 8000),
                                             ssl=url.scheme == "https", settings=_settings())
            except Exception as exc:
                raise StoreError(f"连不上 Chroma 服务器 {chroma_url}（请确认 chroma run 已启动）：{_one_line(exc)}") from exc
            return cls(client, collection, chroma_url)
        # Resolved here, once: a relative --store or DUIZHAO_STORE_DIR (README's own `--store vectorstore`) is the
        # folder the user meant, whatever later code needs (sqlite URIs, locks, messages).
        path = Path(store_dir or default_store_dir()).expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise StoreError(f"向量库路径不是目录：{path}")
        if not create and not path.exists():
            raise StoreError(f"向量库目录不存在：{path}（请先运行 duizhao ingest，或用 --store 指定）")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"无法创建向量库目录 {path}：{exc.strerror or exc}") from exc
        if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
            raise StoreError(f"向量库目录不可读写：{path}")
        # A new store's first client creates its tables: two processes doing that at once collide.
        with file_lock(path, DATA_LOCK, exclusive=True), store_errors(f"打开向量库 {path} ", path):
            client = chromadb.PersistentClient(path=str(path), settings=_settings())
        return cls(client, collection, str(path), path=path)

    def collection(self, embedder: Embeddings | None = None) -> Any | None:
        """The corpus collection, or None when nothing was ingested. With `embedder`: refuse one that did not build it."""
        from chromadb.errors import NotFoundError  # lazy: heavy library, loaded only where used

        try:
            collection = self.client.get_collection(self.name, embedding_function=None)
        except NotFoundError:
            return None
        except Exception as exc:
            raise StoreError(f"读取向量库 {self.location} 失败：{_one_line(exc)}") from exc
        if embedder is not None:
            check_embedder(collection, embedder, self.name)
        return collection

    def require(self, embedder: Embeddings) -> Any:
        collection = self.collection(embedder)
        with store_errors(f"读取向量库 {self.location} ", self.path):
            empty = collection is None or collection.count() == 0
        if empty:
            raise StoreError(f"向量库 {self.location} 中还没有范文（集合 {self.name}），请先运行 duizhao ingest")
        return collection

    def vectorstore(self, embedder: Embeddings):
        """langchain-chroma's view of the (existing) collection, for dense search."""
        from langchain_chroma import Chroma  # lazy: heavy library, loaded only where used

        self.require(embedder)
        with store_errors("打开向量库集合", self.path):
            return Chroma(collection_name=self.name, client=self.client, embedding_function=embedder)


_COLLECTION_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{1,510})[A-Za-z0-9]")


def check_collection_name(name: str) -> None:
    """chroma's rule for collection names, said in Chinese before chroma says it in English."""
    if not _COLLECTION_NAME.fullmatch(name) or ".." in name:
        raise InputError(f"集合名“{name}”不可用：应为 3–512 个英文字母、数字或 . _ - ，并以字母或数字开头和结尾"
                         "（如 duizhao-corpus、fw-2024）")


def check_embedder(collection: Any, embedder: Embeddings, name: str) -> None:
    built_by = (collection.metadata or {}).get("embedder")
    current = embedder_name(embedder)
    if built_by and built_by != current:
        raise StoreError(f"集合 {name} 由嵌入模型 {built_by} 建立，当前为 {current}，向量不可混用："
                         f"请用 duizhao ingest --reset 重新入库，或用 --collection 另起一个集合名")


def source_texts(store: Store) -> dict[str, str]:
    """Each stored 范文 reassembled from its passages in reading order: the 查重 corpus of what users ingested."""
    collection = store.collection()
    if collection is None:
        return {}
    with store_errors("读取向量库"):
        data = collection.get(include=["documents", "metadatas"])
    parts: dict[str, list[tuple[int, str]]] = {}
    for text, meta in zip(data["documents"], data["metadatas"]):
        meta = meta or {}
        parts.setdefault(str(meta.get("source", "")), []).append((int(meta.get("position", 0) or 0), text))
    return {source: "\n".join(text for _, text in sorted(items)) for source, items in parts.items() if source}
