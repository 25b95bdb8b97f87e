"""The cap on retrieval query text.

A query is a paragraph, or an aspect's problems and facts joined. Past this many characters more text only
costs time (segmenting, BM25 postings over every word) and the embedder reads its first few hundred tokens anyway.
"""

from __future__ import annotations

MAX_QUERY_CHARS = 2000


def clip_query(text: str) -> str:
    return text[:MAX_QUERY_CHARS]
