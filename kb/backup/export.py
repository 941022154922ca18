"""Export the store's committed documents, chunks and embeddings into a new backup folder (see :mod:`kb.backup`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kb.backup.folder import (
    CHUNKS,
    DATA_FILES,
    DOCUMENTS,
    EMBEDDINGS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    Progress,
    no_progress,
    npy_header,
    sha256,
    sync,
    sync_dir,
)
from kb.embed import DIM, MODEL_ID
from kb.errors import BackupError
from kb.lock import writer_lock
from kb.store import SCHEMA_VERSION, Store, store_lock_path


@dataclass(frozen=True)
class ExportReport:
    target: Path
    documents: int
    chunks: int
    orphans_skipped: int
    bytes: int
    seconds: float

    def summary(self) -> str:
        skipped = f"; {self.orphans_skipped} uncommitted chunk(s) skipped" if self.orphans_skipped else ""
        return f"{self.documents} documents, {self.chunks} chunks exported ({self.bytes / 1e6:.1f} MB){skipped}"

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "target": str(self.target)}


def export_store(store: Store, target: Path, progress: Progress = no_progress) -> ExportReport:
    """Write the store's committed documents, chunks and embeddings into the new folder ``target``.

    Everything is written into a temporary folder beside ``target`` and renamed into place at the
    end, so a crash never leaves a folder that looks like a backup. Holds the store's writer lock
    (embedded store), so that an ingest cannot change the store half-way; a Chroma server has no
    such lock, and a change during the export is detected by the per-document chunk counts.
    """
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target}: already exists and is not empty; export into a new folder (a backup never overwrites)")
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
    try:
        with writer_lock(store_lock_path(store.config)):
            documents, chunks, orphans = _export_data(store, temp, progress)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "embedding_model": MODEL_ID,
            "schema": SCHEMA_VERSION,
            "dimension": DIM,
            "source": {
                "mode": store.config.mode,
                "store": store.config.describe(),
                "collection_prefix": store.config.collection_prefix,
                "policykb": _version(),
            },
            "counts": {"documents": documents, "chunks": chunks, "orphans_skipped": orphans},
            "files": {name: {"bytes": (temp / name).stat().st_size, "sha256": sha256(temp / name)} for name in DATA_FILES},
        }
        with open(temp / MANIFEST, "w", encoding="utf-8") as out:
            json.dump(manifest, out, ensure_ascii=False, indent=2)
            sync(out)
        sync_dir(temp)
        os.replace(temp, target)  # atomic; replaces only an empty folder
        sync_dir(target.parent)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    size = sum((target / name).stat().st_size for name in (*DATA_FILES, MANIFEST))
    return ExportReport(target, documents, chunks, orphans, size, round(time.perf_counter() - started, 3))


def _export_data(store: Store, folder: Path, progress: Progress) -> tuple[int, int, int]:
    """Write the three data files; returns (documents, chunks, orphans skipped)."""
    rows = _document_rows(store)
    committed = {doc_id: str(meta.get("content_hash", "")) for doc_id, (meta, _) in rows.items()}
    exported: Counter[str] = Counter()
    total = int(store.chunks.count())
    done = orphans = written = 0
    header = npy_header(0)
    with open(folder / CHUNKS, "w", encoding="utf-8") as lines, open(folder / EMBEDDINGS, "wb") as vectors:
        vectors.write(header)  # rewritten with the real row count at the end (numpy leaves room for it)
        offset = 0
        while True:
            got = store.chunks.get(include=["documents", "metadatas", "embeddings"], limit=store.max_batch, offset=offset)
            ids = got["ids"]
            if not ids:
                break
            offset += len(ids)
            batch = np.asarray(got["embeddings"], dtype=np.float32).reshape(len(ids), -1)
            if batch.shape[1] != DIM:
                raise BackupError(
                    f"{store.config.describe()}: stored vectors have {batch.shape[1]} dimensions, {MODEL_ID} has {DIM}"
                )
            keep: list[int] = []
            for i, (chunk_id, text, meta) in enumerate(zip(ids, got["documents"], got["metadatas"], strict=True)):
                doc_id = meta.get("doc_id")
                if doc_id not in committed or committed[doc_id] != meta.get("doc_hash"):
                    orphans += 1  # left by an interrupted write: no reader ever sees it
                    continue
                keep.append(i)
                exported[doc_id] += 1
                lines.write(
                    json.dumps({"id": chunk_id, "text": text, "metadata": dict(meta)}, ensure_ascii=False, sort_keys=True) + "\n"
                )
            vectors.write(np.ascontiguousarray(batch[keep], dtype="<f4").tobytes())
            written += len(keep)
            done += len(ids)
            progress(done, total)
        vectors.seek(0)
        vectors.write(npy_header(written, len(header)))
        sync(lines)
        sync(vectors)
    for doc_id, (meta, _) in rows.items():
        expected = meta.get("chunks")
        if isinstance(expected, int) and expected != exported[doc_id]:
            raise BackupError(
                f"{store.config.describe()}: document {doc_id} has {exported[doc_id]} committed chunks where its record "
                f"says {expected}: the store changed during the export; run the export again"
            )
    with open(folder / DOCUMENTS, "w", encoding="utf-8") as out:
        for doc_id in sorted(rows):
            meta, embedding = rows[doc_id]
            out.write(
                json.dumps({"id": doc_id, "metadata": meta, "embedding": embedding}, ensure_ascii=False, sort_keys=True) + "\n"
            )
        sync(out)
    return len(rows), written, orphans


def _document_rows(store: Store) -> dict[str, tuple[dict[str, Any], list[float]]]:
    """Every row of the documents collection: metadata and the (placeholder) vector Chroma requires."""
    rows: dict[str, tuple[dict[str, Any], list[float]]] = {}
    offset = 0
    while True:
        got = store.documents.get(include=["metadatas", "embeddings"], limit=store.max_batch, offset=offset)
        if not got["ids"]:
            return rows
        offset += len(got["ids"])
        for doc_id, meta, vector in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True):
            rows[doc_id] = (dict(meta), np.asarray(vector, dtype=np.float32).tolist())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("policykb")
    except PackageNotFoundError:
        return "unknown"
