"""Export the knowledge base to a folder and restore it, embeddings included: nothing is re-embedded.

A backup is a plain folder of four files:

``manifest.json``
    format and version, the embedding model and store schema it needs, counts, creation time, the
    source store, and the size and SHA-256 of each of the three other files.
``documents.jsonl``
    one commit record per line: ``{"id", "metadata", "embedding"}`` (the documents collection's row).
``chunks.jsonl``
    one committed chunk per line: ``{"id", "text", "metadata"}``.
``embeddings.npy``
    float32, one row per line of ``chunks.jsonl``, exactly the vectors Chroma held.

Only committed chunks are exported (``doc_hash`` equal to their document's ``content_hash``); the
orphans of interrupted writes are skipped and counted. Both directions stream in batches of the
store's ``max_batch``: a million chunks never sit in memory at once. Restore follows the store's
commit protocol (a document's chunks first, then its row), so an interrupted restore leaves only
invisible orphans and running it again completes it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kb.embed import DIM, MODEL_ID
from kb.errors import BackupError
from kb.lock import writer_lock
from kb.store import SCHEMA_VERSION, Store, store_lock_path

FORMAT = "policykb-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
EMBEDDINGS = "embeddings.npy"
DATA_FILES = (DOCUMENTS, CHUNKS, EMBEDDINGS)
_NPY = {"descr": "<f4", "fortran_order": False}

Progress = Callable[[int, int], None]  # (chunks done, chunks in all), called after each batch


def _no_progress(done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class Manifest:
    """A verified backup: what ``manifest.json`` says, checked against the files."""

    path: Path
    created: str
    embedding_model: str
    schema: int
    dimension: int
    source: dict[str, Any]
    documents: int
    chunks: int
    orphans_skipped: int
    # Per document id: (chunk count, sum of the chunk ids' hashes): compared with a target store's
    # committed chunks to know whether a document there is the backup's own (an interrupted restore).
    chunk_sets: dict[str, tuple[int, int]] = field(repr=False, default_factory=dict)


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


# --- export ------------------------------------------------------------------------------


def export_store(store: Store, target: Path, progress: Progress = _no_progress) -> ExportReport:
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
            "files": {name: {"bytes": (temp / name).stat().st_size, "sha256": _sha256(temp / name)} for name in DATA_FILES},
        }
        with open(temp / MANIFEST, "w", encoding="utf-8") as out:
            json.dump(manifest, out, ensure_ascii=False, indent=2)
            _sync(out)
        _sync_dir(temp)
        os.replace(temp, target)  # atomic; replaces only an empty folder
        _sync_dir(target.parent)
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
    header = _npy_header(0)
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
        vectors.write(_npy_header(written, len(header)))
        _sync(lines)
        _sync(vectors)
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
        _sync(out)
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


def _npy_header(rows: int, length: int | None = None) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {**_NPY, "shape": (rows, DIM)})
    header = buffer.getvalue()
    if length is not None and len(header) != length:  # numpy pads the header for growth; never expected to fail
        raise BackupError(f"cannot rewrite the {EMBEDDINGS} header in place ({len(header)} != {length} bytes)")
    return header


# --- verification ------------------------------------------------------------------------


def verify_backup(path: Path) -> Manifest:
    """Check a backup completely before anything is written: manifest, every checksum, counts, model, schema.

    Raises BackupError naming the file that fails and what to do. Reads every file once.
    """
    path = Path(path)
    manifest_path = path / MANIFEST
    if not path.is_dir():
        raise BackupError(f"{path}: no such folder; give the folder 'policykb export' wrote")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{manifest_path}: missing; {path} is not a complete policykb backup (an export that did not finish leaves "
            "none): use a complete copy or export again"
        ) from None
    except (OSError, ValueError) as err:
        raise BackupError(f"{manifest_path}: unreadable ({err}); use an intact copy of the backup or export again") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BackupError(f"{manifest_path}: not a policykb backup manifest; give the folder 'policykb export' wrote")
    if raw.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{manifest_path}: backup format {raw.get('format_version')!r}, this version of policykb reads format "
            f"{FORMAT_VERSION}; restore it with the policykb version that wrote it"
        )
    if raw.get("embedding_model") != MODEL_ID or raw.get("schema") != SCHEMA_VERSION or raw.get("dimension") != DIM:
        raise BackupError(
            f"{manifest_path}: the backup holds embeddings of {raw.get('embedding_model')} (schema {raw.get('schema')}); "
            f"this version of policykb uses {MODEL_ID} (schema {SCHEMA_VERSION}): restore it with the policykb version "
            "that made it, or ingest the source documents again"
        )
    counts = raw.get("counts")
    files = raw.get("files")
    if not isinstance(counts, dict) or not all(isinstance(counts.get(k), int) for k in ("documents", "chunks")):
        raise BackupError(f"{manifest_path}: 'counts' is missing or damaged; use an intact copy of the backup or export again")
    if not isinstance(files, dict):
        raise BackupError(f"{manifest_path}: 'files' is missing or damaged; use an intact copy of the backup or export again")
    for name in DATA_FILES:
        entry = files.get(name)
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("bytes"), int):
            raise BackupError(f"{manifest_path}: no checksum for {name}; use an intact copy of the backup or export again")
        if not (path / name).is_file():
            raise BackupError(f"{path / name}: missing; the backup is incomplete: copy the whole folder again or export again")
        size = (path / name).stat().st_size
        if size != entry["bytes"]:
            raise BackupError(
                f"{path / name}: {size} bytes where the manifest says {entry['bytes']}: the file is truncated or damaged; "
                "use an intact copy of the backup or export again"
            )

    for name in DATA_FILES:
        if _sha256(path / name) != files[name]["sha256"]:
            raise BackupError(
                f"{path / name}: SHA-256 does not match the manifest: the file is damaged; use an intact copy of the "
                "backup or export again"
            )

    # The files are as export wrote them; now check that the manifest describes them.
    doc_hashes: dict[str, str] = {}
    for _, record in _jsonl(path / DOCUMENTS):
        doc_hashes[record["id"]] = str(record["metadata"].get("content_hash", ""))
    chunk_sets: dict[str, tuple[int, int]] = {doc_id: (0, 0) for doc_id in doc_hashes}
    chunks = 0
    for line, record in _jsonl(path / CHUNKS):
        meta = record["metadata"]
        doc_id = meta.get("doc_id")
        if doc_id not in doc_hashes or meta.get("doc_hash") != doc_hashes[doc_id]:
            raise BackupError(f"{path / CHUNKS}: line {line}: chunk {record['id']} belongs to no document of the backup")
        count, total = chunk_sets[doc_id]
        chunk_sets[doc_id] = (count + 1, (total + _id_hash(record["id"])) % 2**128)
        chunks += 1
    for name, found, said in ((DOCUMENTS, len(doc_hashes), counts["documents"]), (CHUNKS, chunks, counts["chunks"])):
        if found != said:
            raise BackupError(
                f"{manifest_path}: says {said} {name.split('.')[0]} where {name} holds {found}: the manifest was edited or "
                "belongs to another backup; use the backup's own manifest or export again"
            )
    shape = _npy_shape(path / EMBEDDINGS)
    if shape != (chunks, DIM):
        raise BackupError(f"{path / EMBEDDINGS}: holds {shape} vectors where {CHUNKS} needs ({chunks}, {DIM}); export again")
    return Manifest(
        path=path.resolve(),
        created=str(raw.get("created", "")),
        embedding_model=MODEL_ID,
        schema=SCHEMA_VERSION,
        dimension=DIM,
        source=dict(raw.get("source") or {}),
        documents=len(doc_hashes),
        chunks=chunks,
        orphans_skipped=int(counts.get("orphans_skipped") or 0),
        chunk_sets=chunk_sets,
    )


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of a JSONL file whose checksum was verified; a malformed line is still an error."""
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                if not isinstance(record.get("id"), str) or not isinstance(record.get("metadata"), dict):
                    raise ValueError("no id or metadata")
            except (ValueError, AttributeError) as err:
                raise BackupError(f"{path}: line {number} is not a valid record ({err}); export again") from None
            yield number, record


def _npy_shape(path: Path) -> tuple[int, ...]:
    with open(path, "rb") as data:
        try:
            version = np.lib.format.read_magic(data)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read(data)
        except ValueError as err:
            raise BackupError(f"{path}: not a NumPy array file ({err}); export again") from None
    if fortran or dtype != np.dtype("<f4"):
        raise BackupError(f"{path}: holds {dtype} vectors, float32 expected; export again")
    return tuple(shape)


def _id_hash(chunk_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(chunk_id.encode(), digest_size=16).digest(), "big")


# --- restore -----------------------------------------------------------------------------


def restore_store(
    path: Path, store: Store, replace: bool = False, progress: Progress = _no_progress, verified: Manifest | None = None
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
        rows = {record["id"]: record for _, record in _jsonl(manifest.path / DOCUMENTS)}
        current = store.stored_documents()
        stored_sets = _stored_chunk_sets(store, {d: doc.content_hash for d, doc in current.items()}) if current else {}
        kept = {
            doc_id
            for doc_id, doc in current.items()
            if doc_id in rows
            and rows[doc_id]["metadata"] == doc.metadata
            and stored_sets.get(doc_id, (0, 0)) == manifest.chunk_sets.get(doc_id, (0, 0))
        }
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
        _commit(store, rows, [doc_id for doc_id, n in remaining.items() if n == 0])  # nothing to wait for
        vectors = np.load(manifest.path / EMBEDDINGS, mmap_mode="r")
        batch: list[tuple[int, dict[str, Any]]] = []
        written = 0
        for line, record in _jsonl(manifest.path / CHUNKS):
            if record["metadata"]["doc_id"] in remaining:
                batch.append((line - 1, record))
            if len(batch) >= store.max_batch:
                written += _write_batch(store, rows, remaining, vectors, batch)
                batch = []
                progress(line, manifest.chunks)
        written += _write_batch(store, rows, remaining, vectors, batch)
        progress(manifest.chunks, manifest.chunks)

        after = store.stored_documents()
        if set(after) != set(rows) or store.chunk_count() != manifest.chunks:
            raise BackupError(
                f"{where}: after the restore it holds {len(after)} documents and {store.chunk_count()} chunks where the "
                f"backup has {manifest.documents} and {manifest.chunks}; was another process writing? Run the restore again"
            )
    return RestoreReport(
        documents_written=len(remaining),
        documents_kept=len(kept),
        documents_removed=len(differing),
        chunks_written=written,
        orphans_removed=orphans,
        seconds=round(time.perf_counter() - started, 3),
    )


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
                sets[doc_id] = (count + 1, (total + _id_hash(chunk_id)) % 2**128)


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


# --- helpers -----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sync(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _sync_dir(path: Path) -> None:
    """Make a rename durable: the directory entry itself must reach the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("policykb")
    except PackageNotFoundError:
        return "unknown"


def tty_progress(verb: str) -> Progress:
    """``export:  45% 4500/10000 chunks`` on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return _no_progress

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r\033[K{verb}: {100 * done // max(total, 1):3d}% {done}/{total} chunks")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
