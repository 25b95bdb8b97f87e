"""The 范文 corpus: passages, the vector store, ingest, hybrid retrieval."""
