"""Rebuild a damaged embedded store into a fresh one, then swap it in (the damaged one is kept aside).

The damaged store is never opened through Chroma: a broken vector index can kill the reader (see
kb/health.py). Its ``chroma.sqlite3`` is read directly, read-only, row by row where pages are
damaged:

- passages and document records come from the metadata tables; rows that cannot be read come from
  Chroma's write log (``embeddings_queue``) where it still holds them;
- vectors come from that log where it holds them (exactly what was stored), else from the
  embedding cache, keyed by the very text ingest embedded (``embed_text``), so nothing is computed
  that was computed before; only cache misses run the model;
- a document whose passages are not all readable is read again from its file (``root/source`` of
  its record), as ingest would; one whose file is gone too is reported lost.

The fresh store is written beside the damaged one, checked thoroughly, and swapped in with one
atomic rename (``renameat2(RENAME_EXCHANGE)``; two renames where the file system lacks it). Files
that are not Chroma's (the web app's uploads and audit log) are copied over; derived indexes are
left to be rebuilt.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest.config import IngestConfig
from ingest.load import SourceFile
from kb.config import StoreConfig
from kb.embed import DIM, Embedder
from kb.errors import RepairError
from kb.health import StoreHealth, check_store
from kb.healthfiles import SEGMENT_NAME
from kb.lock import writer_lock
from kb.store import Store, store_lock_path
from kb.sync import ingest_sources

DOCUMENT_KEY = "chroma:document"  # where Chroma keeps a row's text among its metadata
DELETE = 3  # chromadb's Operation enum in the write log: ADD 0, UPDATE 1, UPSERT 2, DELETE 3
RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100

Progress = Callable[[str], None]


def embed_text(text: str, meta: Mapping[str, Any]) -> str:
    """What ingest embedded for a stored passage: its context line, then its text.

    The same context line as ``Chunk.embed_text`` (a test holds them together), so the embedding
    cache, keyed by this text, gives back the very vectors ingest stored.
    """
    from ingest.chunk import context_line

    return f"{context_line(str(meta.get('title') or ''), str(meta.get('section') or ''))}\n{text}"


@dataclass
class RepairReport:
    store: Path
    damaged: Path | None = None  # where the damaged store was kept
    rebuilt: list[str] = field(default_factory=list)  # documents rebuilt from what the store held
    reread: list[str] = field(default_factory=list)  # documents read again from their files
    lost: list[str] = field(default_factory=list)  # "doc_id: why", nothing left to rebuild them from
    passages: int = 0
    vectors_from_log: int = 0
    embedded: int = 0  # model passes (cache misses)
    unreadable_rows: int = 0
    seconds: float = 0.0
    health: StoreHealth | None = None

    def summary(self) -> str:
        lost = f", {len(self.lost)} lost" if self.lost else ""
        return (
            f"{self.store}: rebuilt: {len(self.rebuilt)} documents from the store, {len(self.reread)} read again from their "
            f"files{lost}; {self.passages} passages ({self.vectors_from_log} vectors from Chroma's log, {self.embedded} "
            f"embedded again); the damaged store is kept as {self.damaged}"
        )


def repair_store(
    config: StoreConfig,
    embedder: Embedder,
    ingest: IngestConfig = IngestConfig(),
    progress: Progress = lambda _: None,
) -> RepairReport:
    """Rebuild the embedded store at ``config.path`` (see the module docstring) and swap it in.

    Holds the store's writer lock throughout. Raises RepairError, leaving everything as it was,
    when nothing can be read or the rebuilt store does not pass a thorough check.
    """
    if config.chroma_url:
        raise RepairError(f"{config.chroma_url}: a Chroma server keeps its own files; repair applies to an embedded store")
    path = config.path
    if not (path / "chroma.sqlite3").is_file():
        raise RepairError(f"{path}: no chroma.sqlite3 to rebuild from; ingest the documents again into a new store")
    started = time.perf_counter()
    report = RepairReport(store=path)
    embedded_before = embedder.passages_embedded
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # A name never used before: Chroma caches its clients by path for the life of the process.
    fresh = path.with_name(f".{path.name}.rebuild-{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with writer_lock(store_lock_path(config)):
        progress("reading what the damaged store holds")
        salvage = salvage_store(path / "chroma.sqlite3", config.collection_prefix)
        report.unreadable_rows = salvage.unreadable
        if not salvage.documents and salvage.unreadable:
            raise RepairError(f"{path}: no document record can be read from chroma.sqlite3; ingest the documents again")
        shutil.rmtree(fresh, ignore_errors=True)
        try:
            _carry_over(path, fresh, config.collection_prefix)
            target = Store(StoreConfig(path=fresh, collection_prefix=config.collection_prefix))
            progress(f"writing {len(salvage.documents)} documents into a fresh store")
            _rebuild(salvage, target, embedder, ingest, report)
            report.embedded = embedder.passages_embedded - embedded_before
            report.passages = target.chunk_count()
            del target  # not written to again
            progress("checking the rebuilt store")
            health = check_store(StoreConfig(path=fresh, collection_prefix=config.collection_prefix), thorough=True)
            if not health.ok:
                raise RepairError(
                    f"{path}: the rebuilt store fails its check ({health.problems[0]}); the damaged store is unchanged"
                )
            report.health = replace(health, location=str(path))
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        report.damaged = _swap(path, fresh, stamp)  # outside the clean-up above: after it, ``fresh`` may be the damaged store
    report.seconds = round(time.perf_counter() - started, 3)
    return report


# --- reading the damaged database ----------------------------------------------------------------


@dataclass
class Salvage:
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # doc_id -> record
    chunks: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # chunk_id -> (text, metadata)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # chunk_id -> vector, from the write log
    unreadable: int = 0  # rows of the metadata tables that could not be read (and the log did not hold)


def salvage_store(database: Path, prefix: str) -> Salvage:
    """Everything still readable in a Chroma 1.5 ``chroma.sqlite3``, without Chroma, read-only."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        try:
            collections = dict(db.execute("SELECT name, id FROM collections").fetchall())
            segments = dict(db.execute("SELECT collection, id FROM segments WHERE scope = 'METADATA'").fetchall())
        except sqlite3.DatabaseError as err:
            raise RepairError(
                f"{database}: its table of collections cannot be read ({err}); ingest the documents again"
            ) from None
        salvage = Salvage()
        for name in ("documents", "chunks"):
            collection = collections.get(f"{prefix}_{name}")
            if collection is None:
                continue
            rows, damaged = _read_segment(db, str(segments.get(collection, "")))
            # The write log, where it still holds an id, is its latest history: applied over the tables it
            # gives back rows on damaged pages and writes a crash kept from the tables. With entries of its
            # own unreadable (a delete among them, maybe), it only fills what the tables cannot give.
            logged, complete = _read_log(db, str(collection))
            for row_id, (meta, vector) in logged.items():
                if name == "chunks" and vector is not None:
                    salvage.vectors[row_id] = vector
                if not complete and row_id in rows:
                    continue
                damaged.discard(row_id)
                if meta is None:
                    rows.pop(row_id, None)
                    continue
                rows[row_id] = {**rows.get(row_id, {}), **meta}
            salvage.unreadable += len(damaged)
            for row_id, meta in rows.items():
                text = str(meta.pop(DOCUMENT_KEY, "") or "")
                if name == "documents":
                    salvage.documents[row_id] = meta
                else:
                    salvage.chunks[row_id] = (text, meta)
        return salvage
    finally:
        db.close()


def _read_segment(db: sqlite3.Connection, segment: str) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Rows of a metadata segment as {id: metadata}, and the ids whose rows cannot be read."""
    ids: dict[int, str] = {}
    for _, got in _bisect(db, "SELECT id, embedding_id FROM embeddings WHERE segment_id = ? AND id BETWEEN ? AND ?", segment):
        ids.update({int(number): str(name) for number, name in got or ()})  # unreadable ids: only the log knows them
    rows: dict[int, dict[str, Any]] = {number: {} for number in ids}
    damaged: set[int] = set()
    query = (
        "SELECT m.id, m.key, m.string_value, m.int_value, m.float_value, m.bool_value FROM embedding_metadata m "
        "JOIN embeddings e ON e.id = m.id WHERE e.segment_id = ? AND m.id BETWEEN ? AND ?"
    )
    for span, got in _bisect(db, query, segment):
        if got is None:
            damaged.update(number for number in ids if span[0] <= number <= span[1])
            continue
        for number, key, text, integer, real, flag in got:
            if int(number) in rows:
                rows[int(number)][str(key)] = _value(text, integer, real, flag)
    readable = {ids[n]: meta for n, meta in rows.items() if n not in damaged}
    return readable, {ids[n] for n in damaged}


def _bisect(
    db: sqlite3.Connection, query: str, key: str, bounds: str = "SELECT min(id), max(id) FROM embeddings"
) -> Iterator[tuple[tuple[int, int], list[Any] | None]]:
    """Run ``query`` (parameters: key, low, high) over spans of ids, halving a span that fails down to
    single ids: yields (span, rows), rows None for an id that cannot be read."""
    try:
        low, high = db.execute(bounds).fetchone()
    except sqlite3.DatabaseError:
        low, high = 1, 1 << 40  # the id range itself is unreadable: the spans find what they can
    if low is None:
        return
    spans = [(int(low), int(high))]
    while spans:
        first, last = spans.pop()
        try:
            yield (first, last), db.execute(query, (key, first, last)).fetchall()
        except sqlite3.DatabaseError:
            if first == last:
                yield (first, last), None
            else:
                middle = (first + last) // 2
                spans += [(middle + 1, last), (first, middle)]


def _value(text: Any, integer: Any, real: Any, flag: Any) -> Any:
    if text is not None:
        return text
    if integer is not None:
        return int(integer)
    if real is not None:
        return float(real)
    return bool(flag) if flag is not None else None


def _read_log(db: sqlite3.Connection, collection: str) -> tuple[dict[str, tuple[dict[str, Any] | None, np.ndarray | None]], bool]:
    """The last write of each id still in Chroma's log (metadata with text, or None if deleted; vector),
    and whether every entry of the log could be read."""
    found: dict[str, tuple[dict[str, Any] | None, np.ndarray | None]] = {}
    topic = f"persistent://default/default/{collection}"
    query = (
        "SELECT seq_id, id, operation, vector, encoding, metadata FROM embeddings_queue "
        "WHERE topic = ? AND seq_id BETWEEN ? AND ?"
    )
    spans = list(_bisect(db, query, topic, "SELECT min(seq_id), max(seq_id) FROM embeddings_queue"))
    rows = [row for _, got in spans for row in got or ()]
    complete = all(got is not None for _, got in spans)
    for _, row_id, operation, blob, encoding, metadata in sorted(rows, key=lambda row: int(row[0])):
        if operation == DELETE:
            found[row_id] = (None, None)
            continue
        meta, vector = found.get(row_id, (None, None))
        try:
            update = json.loads(metadata) if metadata else {}
        except ValueError:
            update = {}
        meta = {**(meta or {}), **update}  # an update changes some keys, an upsert gives them all
        if blob is not None and str(encoding or "FLOAT32").upper() == "FLOAT32" and len(blob) == 4 * DIM:
            vector = np.frombuffer(blob, dtype=np.float32).copy()
        found[row_id] = (meta, vector)
    return found, complete


# --- writing the fresh store ------------------------------------------------------------------


def _rebuild(salvage: Salvage, store: Store, embedder: Embedder, ingest: IngestConfig, report: RepairReport) -> None:
    by_doc: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for chunk_id, (text, meta) in salvage.chunks.items():
        by_doc.setdefault(str(meta.get("doc_id")), []).append((chunk_id, text, meta))
    from_files: list[tuple[str, dict[str, Any]]] = []
    for doc_id, record in sorted(salvage.documents.items()):
        # Only the committed version counts (doc_hash = the record's hash): others are orphans of interrupted writes.
        chunks = [c for c in by_doc.get(doc_id, []) if c[2].get("doc_hash") == record.get("content_hash")]
        chunks.sort(key=lambda c: int(c[2].get("index") or 0))
        whole = len(chunks) == int(record.get("chunks") or 0) and [int(c[2].get("index") or 0) for c in chunks] == list(
            range(len(chunks))
        )
        if whole and chunks:
            _write(store, doc_id, record, chunks, salvage.vectors, embedder, report)
            report.rebuilt.append(doc_id)
        else:
            from_files.append((doc_id, record))
    for doc_id, record in from_files:
        root, source = str(record.get("root") or ""), str(record.get("source") or "")
        path = Path(root) / source if root and source else None
        if path is None or not path.is_file():
            report.lost.append(f"{doc_id}: passages unreadable and its file {path or '(none recorded)'} is gone")
            continue
        done = ingest_sources([SourceFile(path=path, root=Path(root))], store, embedder, ingest)
        if done.failed:
            report.lost.append(f"{doc_id}: passages unreadable and reading its file failed ({done.failed[0]})")
        else:
            report.reread.append(doc_id)


def _write(
    store: Store,
    doc_id: str,
    record: dict[str, Any],
    chunks: Sequence[tuple[str, str, dict[str, Any]]],
    logged: Mapping[str, np.ndarray],
    embedder: Embedder,
    report: RepairReport,
) -> None:
    """One document by the store's commit protocol: its passages first, then its record."""
    missing = [i for i, (chunk_id, _, _) in enumerate(chunks) if chunk_id not in logged]
    computed = embedder.embed_passages([embed_text(chunks[i][1], chunks[i][2]) for i in missing])
    vectors = np.zeros((len(chunks), DIM), dtype=np.float32)
    for row, i in enumerate(missing):
        vectors[i] = computed[row]
    for i, (chunk_id, _, _) in enumerate(chunks):
        if chunk_id in logged:
            vectors[i] = logged[chunk_id]
            report.vectors_from_log += 1
    for start in range(0, len(chunks), store.max_batch):
        part = chunks[start : start + store.max_batch]
        store.chunks.upsert(
            ids=[c[0] for c in part],
            embeddings=vectors[start : start + len(part)],
            documents=[c[1] for c in part],
            metadatas=[c[2] for c in part],
        )
    store.documents.upsert(ids=[doc_id], embeddings=[[0.0]], metadatas=[record])


def _carry_over(old: Path, new: Path, prefix: str) -> None:
    """Copy what is not Chroma's and not derived (uploads, the audit log) into the fresh store's folder."""
    new.mkdir(parents=True)
    skipped = {"chroma.sqlite3", "chroma.sqlite3-wal", "chroma.sqlite3-shm", "chroma.sqlite3-journal", "writer.lock"}
    for entry in old.iterdir():
        name = entry.name
        if name in skipped or SEGMENT_NAME.match(name) or name.startswith((f"{prefix}_lexical", f".{prefix}_lexical")):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / name, symlinks=True)
        else:
            shutil.copy2(entry, new / name, follow_symlinks=False)


def _swap(path: Path, fresh: Path, stamp: str) -> Path:
    """Put ``fresh`` at ``path`` and the damaged store at ``<path>.damaged-<stamp>``; returns the latter."""
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        exchanged = libc.renameat2(AT_FDCWD, os.fsencode(fresh), AT_FDCWD, os.fsencode(path), RENAME_EXCHANGE) == 0
    except (OSError, AttributeError):  # no renameat2 in this C library
        exchanged = False
    if exchanged:  # one atomic step: at no moment is there no store at ``path``
        os.rename(fresh, aside)
    else:
        os.rename(path, aside)
        os.rename(fresh, path)
    return aside
