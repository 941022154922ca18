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
import ssl
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx
import numpy as np

from ingest.load import INGEST_VERSION
from ingest.records import Chunk, Document
from kb.config import StoreConfig
from kb.embed import MODEL_ID
from kb.errors import IncompatibleStoreError, KBError, StoreUnavailableError

SCHEMA_VERSION = 1
REVISION_ID = "revision"
T = TypeVar("T")


def _chroma_settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


def open_client(config: StoreConfig) -> Any:
    """A Chroma client for the configured mode. Telemetry is always off."""
    import chromadb

    if config.chroma_url:
        url = urlparse(config.chroma_url if "://" in config.chroma_url else f"http://{config.chroma_url}")
        if not url.hostname:
            raise StoreUnavailableError(f"--chroma-url '{config.chroma_url}' has no host; use http://HOST:PORT")
        if url.username or url.password:
            raise StoreUnavailableError(
                "--chroma-url carries a user name or password, which would be shown in messages; "
                "give the credential in POLICYKB_CHROMA_TOKEN instead"
            )
        if config.tls_ca is not None and url.scheme != "https":
            raise StoreUnavailableError(
                f"POLICYKB_CHROMA_CA is set but --chroma-url '{config.chroma_url}' is not https; use https://"
            )
        port = url.port or (443 if url.scheme == "https" else 8000)
        headers = dict([config.auth_header]) if config.auth_header else {}
        verify: bool | ssl.SSLContext = ssl.create_default_context(cafile=str(config.tls_ca)) if config.tls_ca else True
        try:
            # The client's constructor already talks to the server, with no time limit: ask first, with one.
            _heartbeat(url.scheme or "http", url.hostname, port, config.timeout_s, headers, verify)
            settings = _chroma_settings()
            settings.chroma_server_ssl_verify = verify
            client = chromadb.HttpClient(
                host=url.hostname,
                port=port,
                ssl=url.scheme == "https",
                headers=headers,
                settings=settings,
                tenant=config.tenant or chromadb.DEFAULT_TENANT,
                database=config.database or chromadb.DEFAULT_DATABASE,
            )
            _bound_requests(client, config.timeout_s)
            client.heartbeat()
        except httpx.HTTPStatusError as err:
            status = err.response.status_code
            if status in (401, 403):
                sent = f"the {config.auth_header[0]} header" if config.auth_header else "no credential"
                raise StoreUnavailableError(
                    f"the Chroma server at {config.chroma_url} refused the request ({status}) with {sent}; "
                    "set POLICYKB_CHROMA_TOKEN (and POLICYKB_CHROMA_AUTH_HEADER if it expects another header)"
                ) from None
            message = f"the Chroma server at {config.chroma_url} answered {status}; check --chroma-url"
            raise StoreUnavailableError(message) from None
        except Exception as err:
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {config.chroma_url} ({type(err).__name__}: {_reason(err)}); start it with "
                f"'chroma run --path DIR --host {url.hostname} --port {port}' or check --chroma-url, the tenant and the database"
            ) from err
        return client
    try:
        config.path.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds every document's text
        return chromadb.PersistentClient(path=str(config.path), settings=_chroma_settings())
    except Exception as err:
        raise StoreUnavailableError(f"cannot open the store at {config.path} ({type(err).__name__}: {err})") from err


def _reason(err: Exception) -> str:
    """The first line of an error, short: Chroma's messages name a missing tenant or database."""
    text = str(err).splitlines()[0] if str(err) else ""
    return text[:200]


def _heartbeat(
    scheme: str, host: str, port: int, timeout_s: float, headers: dict[str, str], verify: bool | ssl.SSLContext
) -> None:
    import httpx

    scheme = "https" if scheme == "https" else "http"
    url = f"{scheme}://{host}:{port}/api/v2/heartbeat"
    httpx.get(url, timeout=timeout_s, headers=headers, verify=verify).raise_for_status()


def _bound_requests(client: Any, timeout_s: float) -> None:
    """Give the Chroma client's HTTP session a time limit (chromadb 1.5 offers no setting for it).

    The session is an internal attribute: if a chromadb release moves it, requests go unbounded
    again, and a test (tests/kb/test_server_faults.py) says so.
    """
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout_s)


def call_server(config: StoreConfig, call: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """One request to the Chroma server, asked again with backoff while the server refuses or drops
    connections (restarting, briefly overloaded); then a StoreUnavailableError that says what to do.
    Every transport failure of httpx leaves here as a StoreUnavailableError: none reaches the caller raw.

    A timeout is not retried: a hung server would only multiply the wait (StoreConfig.timeout_s).
    """
    wait, waited = config.retry_wait_s, 0.0
    for attempt in range(config.retries + 1):
        try:
            return call()
        except httpx.TimeoutException as err:
            raise StoreUnavailableError(
                f"the Chroma server at {config.chroma_url} did not answer within {config.timeout_s:g} s "
                f"({type(err).__name__}); check that it is not stuck or overloaded, then try again"
            ) from err
        except (httpx.NetworkError, httpx.RemoteProtocolError) as err:
            if attempt == config.retries:
                raise StoreUnavailableError(
                    f"the Chroma server at {config.chroma_url} is not answering ({type(err).__name__}; "
                    f"{attempt + 1} attempts over {waited:.1f} s); check that it runs, then try again"
                ) from err
            sleep(wait)
            waited += wait
            wait *= 2
        except httpx.TransportError as err:  # the rest (a proxy, a protocol or scheme the client refuses): not retried
            raise StoreUnavailableError(
                f"cannot talk to the Chroma server at {config.chroma_url} ({type(err).__name__}: {_reason(err)}); "
                "check --chroma-url and any proxy between, then try again"
            ) from err
    raise AssertionError("unreachable")


class _ServerCollection:
    """A Chroma collection on a server whose requests go through :func:`call_server`."""

    _REQUESTS = frozenset({"add", "count", "delete", "get", "modify", "peek", "query", "update", "upsert"})

    def __init__(self, collection: Any, config: StoreConfig) -> None:
        self._collection = collection
        self._config = config

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._collection, name)
        if name not in self._REQUESTS:
            return found
        return lambda *args, **kwargs: call_server(self._config, lambda: found(*args, **kwargs))


@dataclass(frozen=True)
class StoredDocument:
    doc_id: str
    content_hash: str
    metadata: dict[str, Any]


def _chunk_metadata(doc: Document, chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "doc_hash": doc.content_hash,
        "index": chunk.index,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "article": chunk.article,
        "section": chunk.section,
        "lang": chunk.lang,
        "doc_lang": doc.meta.lang,
        "country": doc.meta.country,
        "doc_type": doc.meta.doc_type,
        "title": doc.meta.title,
        "source": doc.source,
        "ocr": chunk.ocr,
        "repair": chunk.repair,
        "lead": chunk.lead,
    }
    if doc.meta.year is not None:
        meta["year"] = doc.meta.year  # absent rather than a fake value: a year filter then excludes it
    return meta


def _document_metadata(doc: Document, root: str, chunk_count: int) -> dict[str, Any]:
    meta = doc.meta
    record: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "content_hash": doc.content_hash,
        "title": meta.title,
        "country": meta.country,
        "doc_type": meta.doc_type,
        "lang": meta.lang,
        "issuer": meta.issuer,
        "date": meta.date,
        "official_source": meta.source,
        "summary_of": meta.summary_of,
        "notice": meta.notice,
        "translation_of": meta.translation_of,
        "source": doc.source,
        "root": root,
        "parser": doc.parser,
        # What version of ingest parsed the file: a store written by an older one is re-parsed (the
        # version is part of content_hash), and only passages whose text changed are embedded again.
        "ingest_version": INGEST_VERSION,
        # How each page was put in reading order ("stream", "glyphs"), comma-separated, for PDFs.
        "orders": ",".join(sorted({page.order for page in doc.pages if page.order})),
        "pages": len(doc.pages),
        "chunks": chunk_count,
        "repairs": ",".join(sorted({page.repair for page in doc.pages if page.repair != "none"})),
        "ocr_pages": sum(1 for page in doc.pages if page.ocr),
        "pages_skipped": sum(1 for page in doc.pages if page.skipped and page.skipped != "no text"),
    }
    if meta.year is not None:
        record["year"] = meta.year
    return record


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
            chunks, documents, revisions = (_ServerCollection(c, config) for c in (chunks, documents, revisions))
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
        return self.chunks.query(
            query_embeddings=[embedding.tolist()],
            n_results=n,
            where=where,
            include=["metadatas", "documents", "distances"],
        )

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
            raise ValueError("one embedding per chunk")
        for start in range(0, len(chunks), self.max_batch):
            part = chunks[start : start + self.max_batch]
            self.chunks.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=embeddings[start : start + len(part)],
                documents=[c.text for c in part],
                metadatas=[_chunk_metadata(doc, c) for c in part],
            )
        self.documents.upsert(
            ids=[doc.doc_id],
            embeddings=[[0.0]],  # the documents collection is a record table; Chroma wants a vector
            metadatas=[_document_metadata(doc, root, len(chunks))],
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
        chunks are already written (a restore from a backup, kb/backup.py), announced like any other commit."""
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
