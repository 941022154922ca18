"""Ingestion: files in, typed records out. Knows nothing of Chroma or embeddings.

The public surface is :func:`ingest.load.load_document` (one file -> :class:`Document`) and
:func:`ingest.chunk.chunk_document` (document -> article-aware chunks).
"""
