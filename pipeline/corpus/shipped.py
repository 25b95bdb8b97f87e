"""Vectors of the packaged 范文, shipped with the package so that a first draft after install embeds nothing.

corpus/vectors.npz holds, for one embedder (its name and version), a float16 vector per passage text, keyed by
the text's hash. Ingest takes a passage's vector from here when the embedder and the text match; a passage
whose text changed since (a new parser, an edited 范文) is embedded as usual. Rebuild after changing the
corpus or the default embedder:

    python -m pipeline.corpus.shipped
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.core.resources import data_dir
from pipeline.corpus.passages import file_passages, read_manifest, scan_corpus
from pipeline.models.embed import embed_texts, embedder_name, make_embedder

VECTORS_FILE = "vectors.npz"


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


@lru_cache(maxsize=4)
def shipped_vectors(embedder: str) -> dict[str, np.ndarray]:
    """text hash → vector (float32) made by `embedder` (its name with version); empty for any other embedder."""
    path = data_dir("corpus") / VECTORS_FILE
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["embedder"]) != embedder:
                return {}
            keys, vectors = data["keys"], data["vectors"].astype(np.float32)
    except (OSError, ValueError, KeyError):
        return {}  # a damaged file only means embedding as usual
    return {str(key): vector for key, vector in zip(keys, vectors)}


def build(out: Path | None = None) -> Path:
    """Embed every passage of the packaged corpus with the default embedder and save the vectors."""

    folder = data_dir("corpus")
    manifest = read_manifest(folder)
    texts: dict[str, str] = {}
    for path in scan_corpus([folder]).files:
        for passage in file_passages(path, manifest.get(path.name)):
            texts.setdefault(text_hash(passage.text), passage.text)
    embedder = make_embedder()
    keys = sorted(texts)
    vectors = embed_texts(embedder, [texts[k] for k in keys]).astype(np.float16)
    target = out or folder / VECTORS_FILE
    np.savez_compressed(target, keys=np.array(keys), vectors=vectors, embedder=np.array(embedder_name(embedder)))
    return target


if __name__ == "__main__":
    print(build())
