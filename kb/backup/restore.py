"""Restore a verified backup into a store, following the store's commit protocol (see :mod:`kb.backup`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb.backup.folder import CHUNKS, DOCUMENTS, EMBEDDINGS, Manifest, Progress, id_hash, jsonl, no_progress
from kb.backup.verify import verify_backup
from kb.errors import BackupError
from kb.lock import writer_lock
from kb.store import Store, StoredDocument, store_lock_path


@dataclass(frozen=True)
class RestoreReport:
    documents_written: int
    documents_kept: int  # already in the store exactly as in the backup (a repeated or resumed restore)
    documents_removed: int  # with replace: documents that were not in the store as in the backup
    chunks_written: int
    orphans_removed: int
    seconds: float

    def summary(self) -> str:
        return (
            f"{self.documents_written} documents ({self.chunks_written} chunks) restored, {self.documents_kept} already "
            f"identical, {self.documents_removed} removed"
        )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def restore_store(
    path: Path, store: Store, replace: bool = False, progress: Progress = no_progress, verified: Manifest | None = None
) -> RestoreReport:
    """Make ``store`` hold exactly the backup at ``path``; the backup is verified first.

    A store that holds documents is refused unless each of them is in the backup exactly (what an
    interrupted restore of this backup leaves: running it again completes it). With ``replace``,
    documents that differ from the backup are removed first (uncommitted, then their chunks), then
    the backup's are written; at every moment each document is whole or absent, never half. Pass
    ``verified`` (from :func:`verify_backup` on the same path) to skip verifying twice.
    """
    manifest = verified if verified is not None and verified.path == Path(path).resolve() else verify_backup(path)
    started = time.perf_counter()
    where = store.config.describe()
    with writer_lock(store_lock_path(store.config)):
        rows = {record["id"]: record for _, record in jsonl(manifest.path / DOCUMENTS)}
        current = store.stored_documents()
        kept = _kept_documents(store, current, rows, manifest)
        differing = sorted(set(current) - kept)
        if differing and not replace:
            raise BackupError(
                f"{where}: holds {len(current)} document(s), {len(differing)} of them not as in the backup (e.g. "
                f"{differing[0]}); restore never merges: pass --replace to make the store exactly the backup, or restore "
                "into an empty store"
            )
        for doc_id in differing:
            store.delete_document(doc_id)
        orphans = store.remove_orphans()  # leftovers of an interrupted write, e.g. the previous restore
        remaining = {doc_id: manifest.chunk_sets.get(doc_id, (0, 0))[0] for doc_id in rows if doc_id not in kept}
        documents_written = len(remaining)
        written = _write_chunks(store, rows, remaining, manifest, progress)
        after = store.stored_documents()
        if set(after) != set(rows) or store.chunk_count() != manifest.chunks:
            raise BackupError(
                f"{where}: after the restore it holds {len(after)} documents and {store.chunk_count()} chunks where the "
                f"backup has {manifest.documents} and {manifest.chunks}; was another process writing? Run the restore again"
            )
    return RestoreReport(
        documents_written=documents_written,
        documents_kept=len(kept),
        documents_removed=len(differing),
        chunks_written=written,
        orphans_removed=orphans,
        seconds=round(time.perf_counter() - started, 3),
    )


def _kept_documents(
    store: Store, current: Mapping[str, StoredDocument], rows: Mapping[str, dict[str, Any]], manifest: Manifest
) -> set[str]:
    """The stored documents that are the backup's own exactly: same record and same committed chunk set."""
    stored_sets = _stored_chunk_sets(store, {d: doc.content_hash for d, doc in current.items()}) if current else {}
    return {
        doc_id
        for doc_id, doc in current.items()
        if doc_id in rows
        and rows[doc_id]["metadata"] == doc.metadata
        and stored_sets.get(doc_id, (0, 0)) == manifest.chunk_sets.get(doc_id, (0, 0))
    }


def _write_chunks(
    store: Store, rows: Mapping[str, dict[str, Any]], remaining: dict[str, int], manifest: Manifest, progress: Progress
) -> int:
    """Write the chunks of the documents still to restore, in batches, committing each document after its last chunk."""
    _commit(store, rows, [doc_id for doc_id, n in remaining.items() if n == 0])  # nothing to wait for
    vectors = np.load(manifest.path / EMBEDDINGS, mmap_mode="r")
    batch: list[tuple[int, dict[str, Any]]] = []
    written = 0
    for line, record in jsonl(manifest.path / CHUNKS):
        if record["metadata"]["doc_id"] in remaining:
            batch.append((line - 1, record))
        if len(batch) >= store.max_batch:
            written += _write_batch(store, rows, remaining, vectors, batch)
            batch = []
            progress(line, manifest.chunks)
    written += _write_batch(store, rows, remaining, vectors, batch)
    progress(manifest.chunks, manifest.chunks)
    return written


def _stored_chunk_sets(store: Store, committed: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """The committed chunks of each stored document, as (count, id hash sum), read in pages of ids and metadata."""
    sets: dict[str, tuple[int, int]] = {}
    offset = 0
    while True:
        got = store.chunks.get(include=["metadatas"], limit=store.max_batch, offset=offset)
        if not got["ids"]:
            return sets
        offset += len(got["ids"])
        for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            doc_id = meta.get("doc_id")
            if doc_id in committed and committed[doc_id] == meta.get("doc_hash"):
                count, total = sets.get(doc_id, (0, 0))
                sets[doc_id] = (count + 1, (total + id_hash(chunk_id)) % 2**128)


def _write_batch(
    store: Store,
    rows: Mapping[str, dict[str, Any]],
    remaining: dict[str, int],
    vectors: np.ndarray,
    batch: list[tuple[int, dict[str, Any]]],
) -> int:
    """Add one batch of chunks, then commit the documents whose last chunk it held (the commit protocol)."""
    if not batch:
        return 0
    embeddings = np.asarray(vectors[[position for position, _ in batch]], dtype=np.float32)
    texts = [record.get("text") for _, record in batch]
    with_text = [i for i, text in enumerate(texts) if text is not None]
    without = [i for i, text in enumerate(texts) if text is None]  # Chroma takes documents for all rows or none
    for part, documents in ((with_text, True), (without, False)):
        if part:
            store.chunks.upsert(
                ids=[batch[i][1]["id"] for i in part],
                embeddings=embeddings[part],
                documents=[texts[i] for i in part] if documents else None,
                metadatas=[batch[i][1]["metadata"] for i in part],
            )
    finished: list[str] = []
    for _, record in batch:
        doc_id = record["metadata"]["doc_id"]
        remaining[doc_id] -= 1
        if remaining[doc_id] == 0:
            finished.append(doc_id)
    _commit(store, rows, finished)
    return len(batch)


def _commit(store: Store, rows: Mapping[str, dict[str, Any]], doc_ids: list[str]) -> None:
    """Write the rows of documents whose chunks are all in: each row is its document's commit point."""
    store.commit_rows([(d, rows[d]["metadata"], rows[d].get("embedding") or [0.0]) for d in doc_ids])
