"""Chroma as the store: embedded ``PersistentClient`` or a Chroma server, through one code path.

Two collections: ``<prefix>_chunks`` (one row per passage, with its embedding and citation
metadata) and ``<prefix>_documents`` (one row per document; the row is the commit record that
says which version of the document's chunks is current). Chroma has no transactions, so a document
is replaced in three steps: add the new version's chunks (their ids carry the content hash, so
they never collide with the old ones), then upsert the document row (the commit point), then
delete the old chunks. Readers only trust chunks whose hash matches the committed row, so a crash
at any moment leaves either the old version or the new one visible, never half of one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ingest.records import Chunk, Document
from kb.chroma import ServerCollection, call_server, open_client
from kb.config import StoreConfig
from kb.embed import MODEL_ID
from kb.errors import IncompatibleStoreError, InvalidValue, KBError, StoreUnavailableError
from kb.storemeta import chunk_metadata, document_metadata

SCHEMA_VERSION = 1
REVISION_ID = "revision"
T = TypeVar("T")


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    content_hash: str
    metadata: dict[str, Any]


class Store:
    """The two Chroma collections and the operations ingest and search need."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.client = open_client(config)
        self.max_batch = int(self._request(self.client.get_max_batch_size))
        prefix = config.collection_prefix
        marker = {"embedding_model": MODEL_ID, "schema": SCHEMA_VERSION}
        try:
            # embedding_function=None: we always pass vectors. Chroma's default function would
            # download a model on first use.
            hnsw: dict[str, Any] = {"space": "cosine"}
            if config.ef_search is not None:
                hnsw["ef_search"] = config.ef_search  # applies to a new collection only (see StoreConfig)
            chunks = self._request(
                lambda: self.client.get_or_create_collection(
                    f"{prefix}_chunks", embedding_function=None, configuration={"hnsw": hnsw}, metadata=marker
                )
            )
            documents = self._request(
                lambda: self.client.get_or_create_collection(f"{prefix}_documents", embedding_function=None, metadata=marker)
            )
            # One row whose value changes with every commit: other processes (app workers on the same
            # server) read it to notice that the documents changed, without reading every document row.
            revisions = self._request(lambda: self.client.get_or_create_collection(f"{prefix}_revision", embedding_function=None))
        except KBError:
            raise
        except Exception as err:
            raise StoreUnavailableError(f"cannot open collections in {config.describe()} ({type(err).__name__}: {err})") from err
        if config.chroma_url:
            chunks, documents, revisions = (ServerCollection(c, config) for c in (chunks, documents, revisions))
        self.chunks: Any = chunks
        self.documents: Any = documents
        self._revisions: Any = revisions
        found = self.chunks.metadata or {}
        if found.get("embedding_model") != MODEL_ID or found.get("schema") != SCHEMA_VERSION:
            raise IncompatibleStoreError(
                f"the store at {config.describe()} was built with {found.get('embedding_model')} (schema "
                f"{found.get('schema')}); this version needs {MODEL_ID} (schema {SCHEMA_VERSION}): use a new --store"
            )

    def _request(self, call: Callable[[], T]) -> T:
        return call_server(self.config, call) if self.config.chroma_url else call()

    # --- reading -------------------------------------------------------------------------
    def revision(self) -> str:
        """Changes whenever a document is committed or removed, by any process ("" before the first)."""
        found = self._revisions.get(ids=[REVISION_ID], include=["metadatas"])
        return str(found["metadatas"][0].get("revision", "")) if found["ids"] else ""

    def stored_documents(self) -> dict[str, StoredDocument]:
        docs: dict[str, StoredDocument] = {}
        for ids, metadatas in self._pages(self.documents, include=["metadatas"]):
            for doc_id, meta in zip(ids, metadatas, strict=True):
                docs[doc_id] = StoredDocument(doc_id, str(meta.get("content_hash", "")), dict(meta))
        return docs

    def document(self, doc_id: str) -> StoredDocument | None:
        """One stored document's record, or None."""
        found = self.documents.get(ids=[doc_id], include=["metadatas"])
        if not found["ids"]:
            return None
        meta = dict(found["metadatas"][0])
        return StoredDocument(doc_id, str(meta.get("content_hash", "")), meta)

    def committed_hashes(self) -> dict[str, str]:
        return {doc_id: doc.content_hash for doc_id, doc in self.stored_documents().items()}

    def chunk_count(self) -> int:
        return int(self.chunks.count())

    def query(self, embedding: np.ndarray, n: int, where: dict[str, Any] | None) -> dict[str, Any]:
        found: dict[str, Any] = self.chunks.query(
            query_embeddings=[embedding.tolist()],
            n_results=n,
            where=where,
            include=["metadatas", "documents", "distances"],
        )
        return found

    def iter_chunks(self, with_text: Callable[[str], bool] = lambda _: True) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
        """Every stored chunk as (id, text, metadata); text only where ``with_text(id)`` (saves reading it)."""
        for ids, metadatas in self._pages(self.chunks, include=["metadatas"]):
            wanted = [chunk_id for chunk_id in ids if with_text(chunk_id)]
            texts: dict[str, str] = {}
            for start in range(0, len(wanted), self.max_batch):
                got = self.chunks.get(ids=wanted[start : start + self.max_batch], include=["documents"])
                texts.update(zip(got["ids"], got["documents"], strict=True))
            for chunk_id, meta in zip(ids, metadatas, strict=True):
                yield chunk_id, texts.get(chunk_id), dict(meta)

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of the given chunks (those that exist), by id; an id may be repeated."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        ids = list(dict.fromkeys(ids))  # Chroma rejects a request that names an id twice
        for start in range(0, len(ids), self.max_batch):
            got = self.chunks.get(ids=list(ids[start : start + self.max_batch]), include=["documents", "metadatas"])
            for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                found[chunk_id] = (text or "", dict(meta))
        return found

    def iter_embeddings(self, ids: Sequence[str], size: int = 2000) -> Iterator[tuple[str, np.ndarray]]:
        """Stored embeddings of the given chunks, in batches (for document-level statistics)."""
        for start in range(0, len(ids), min(size, self.max_batch)):
            got = self.chunks.get(ids=list(ids[start : start + min(size, self.max_batch)]), include=["embeddings"])
            for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
                yield chunk_id, np.asarray(vector, dtype=np.float32)

    def nearest(self, embedding: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the ``n`` nearest chunks; no text or metadata is read."""
        result = self.chunks.query(query_embeddings=[embedding.tolist()], n_results=n, where=where, include=["distances"])
        # Chroma computes float32 distances. Embedded, they arrive as those exact values; from a server,
        # as their shortest decimal form, which reads back a few 1e-9 away. Rounding both to float32
        # again gives the same bits in both modes, and so the same rankings, ties included.
        distances = np.asarray(result["distances"][0], dtype=np.float32).tolist()
        return [(chunk_id, 1.0 - distance) for chunk_id, distance in zip(result["ids"][0], distances, strict=True)]

    def _pages(
        self, collection: Any, include: list[str], where: dict[str, Any] | None = None, size: int = 5000
    ) -> Iterator[tuple[list[str], list[Any]]]:
        offset = 0
        while True:
            got = collection.get(include=include, where=where, limit=size, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            yield ids, got["metadatas"]
            offset += len(ids)

    # --- writing -------------------------------------------------------------------------
    def write_document(self, doc: Document, chunks: Sequence[Chunk], embeddings: np.ndarray, root: str) -> None:
        """Replace ``doc``'s chunks with ``chunks``: whole or not at all (see the module docstring)."""
        if len(chunks) != len(embeddings):
            raise InvalidValue("one embedding per chunk")
        for start in range(0, len(chunks), self.max_batch):
            part = chunks[start : start + self.max_batch]
            self.chunks.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=embeddings[start : start + len(part)],
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(doc, c) for c in part],
            )
        self.documents.upsert(
            ids=[doc.doc_id],
            embeddings=[[0.0]],  # the documents collection is a record table; Chroma wants a vector
            metadatas=[document_metadata(doc, root, len(chunks))],
        )
        self._bump_revision()
        self.chunks.delete(where={"$and": [{"doc_id": doc.doc_id}, {"doc_hash": {"$ne": doc.content_hash}}]})

    def delete_document(self, doc_id: str) -> None:
        """Uncommit first, then remove chunks: a crash in between leaves only invisible orphans."""
        self.documents.delete(ids=[doc_id])
        self._bump_revision()
        self.chunks.delete(where={"doc_id": doc_id})

    def _bump_revision(self) -> None:
        # A random value, not a counter: two writers (processes on one server) never need to agree.
        self._revisions.upsert(ids=[REVISION_ID], embeddings=[[0.0]], metadatas=[{"revision": uuid.uuid4().hex}])

    def remove_orphans(self) -> int:
        """Delete chunks no committed document row vouches for (left by an interrupted write)."""
        committed = self.committed_hashes()
        orphans: list[str] = []
        for ids, metadatas in self._pages(self.chunks, include=["metadatas"]):
            orphans.extend(i for i, m in zip(ids, metadatas, strict=True) if committed.get(m.get("doc_id")) != m.get("doc_hash"))
        for start in range(0, len(orphans), self.max_batch):
            self.chunks.delete(ids=orphans[start : start + self.max_batch])
        return len(orphans)

    def commit_rows(self, rows: Sequence[tuple[str, dict[str, Any], Sequence[float]]]) -> None:
        """Write document rows exactly as given, (id, metadata, vector): the commit point of each document whose
        chunks are already written (a restore from a backup, kb.backup.restore), announced like any other commit."""
        for start in range(0, len(rows), self.max_batch):
            part = rows[start : start + self.max_batch]
            self.documents.upsert(
                ids=[doc_id for doc_id, _, _ in part],
                embeddings=[list(vector) for _, _, vector in part],
                metadatas=[meta for _, meta, _ in part],
            )
        if rows:
            self._bump_revision()

    def drop(self) -> None:
        """Delete the store's collections: a throw-away store (an evaluation's) on a shared Chroma server."""
        prefix = self.config.collection_prefix
        for name in ("chunks", "documents", "revision"):
            self._request(lambda name=name: self.client.delete_collection(f"{prefix}_{name}"))  # type: ignore[misc]


def store_lock_path(config: StoreConfig) -> str | None:
    """The writer lock file of an embedded store; a server serialises writes itself."""
    return None if config.chroma_url else os.path.join(str(config.path), "writer.lock")
