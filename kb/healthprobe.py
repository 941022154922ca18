"""The store check's probes: Chroma asked what a reader asks, in a child process, where a crash is a finding.

Part of the store check (kb.health). Each step is told to the parent before it is taken, so that a
child that dies or hangs is reported with the step it was in.
"""

from __future__ import annotations

import sqlite3
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from kb.config import StoreConfig
from kb.embed import DIM
from kb.errors import StoreUnavailableError
from kb.healthfiles import SAMPLE

NEAREST = 4  # of the sampled vectors, how many must find themselves as their own nearest neighbour
FULL_COUNT_UP_TO = 5000  # a quick check compares the two sides' counts exhaustively up to this size


class _Report:
    """The messages to the parent: ("step" | "problem" | "facts" | "done", payload)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def step(self, name: str) -> None:
        self.conn.send(("step", name))

    def problem(self, text: str) -> None:
        self.conn.send(("problem", text))

    def facts(self, facts: dict[str, Any]) -> None:
        self.conn.send(("facts", facts))

    def done(self) -> None:
        self.conn.send(("done", time.time()))


def probe(config: StoreConfig, thorough: bool, conn: Connection) -> None:
    """Ask Chroma what a reader asks, step by step (the child process's target)."""
    report = _Report(conn)
    try:
        if not config.chroma_url:
            report.step("reading every page of chroma.sqlite3")
            problem_found = _sqlite_pages(config.path / "chroma.sqlite3", thorough)
            if problem_found:
                report.problem(problem_found)
        report.step("opening the store")
        from kb.chroma import open_client

        client = open_client(config)
        names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        prefix = config.collection_prefix
        if f"{prefix}_chunks" not in names:
            report.facts({"documents": 0, "chunks": 0, "orphans": 0})
        else:
            chunks = client.get_collection(f"{prefix}_chunks")
            count = _check_counts(chunks, client.get_collection(f"{prefix}_documents"), thorough, report)
            if count:
                _check_vectors(chunks, count, thorough, report)
        report.done()
    except Exception as err:  # reported to the parent, which decides: a check never raises for what it finds
        report.problem(_reading_failed(err))
        report.done()


def _check_counts(chunks: Any, documents: Any, thorough: bool, report: _Report) -> int:
    """The passages the document records commit against those stored; returns how many are stored."""
    report.step("reading the document records")
    records = _all(documents, ["metadatas"])
    committed = {doc_id: str(meta.get("content_hash", "")) for doc_id, meta in records.items()}
    expected = sum(int(meta.get("chunks") or 0) for meta in records.values())
    report.step("counting the passages")
    count = int(chunks.count())
    facts: dict[str, Any] = {"documents": len(records), "chunks": count, "orphans": max(count - expected, 0)}
    if count < expected:
        report.problem(f"{expected - count} of the {expected} committed passages are missing")
    if thorough:
        report.step("reading every passage")
        metas = _all(chunks, ["metadatas"])
        orphans = sum(1 for meta in metas.values() if committed.get(str(meta.get("doc_id"))) != meta.get("doc_hash"))
        facts["orphans"] = orphans
        if count - orphans != expected:
            report.problem(f"{count - orphans} committed passages found, the document records count {expected}")
    report.facts(facts)
    return count


def _check_vectors(chunks: Any, count: int, thorough: bool, report: _Report) -> None:
    """Stored vectors read back sound, find themselves, and (when affordable) the index reaches every passage."""
    report.step("reading stored vectors")
    sample = _sample(chunks, count, thorough)
    bad = [chunk_id for chunk_id, vector in sample.items() if not _sound(vector)]
    if bad:
        report.problem(f"the vector index is damaged ({len(bad)} of {len(sample)} stored vectors read back wrong, e.g. {bad[0]})")
        return
    report.step("querying nearest neighbours")
    for chunk_id, vector in list(sample.items())[:NEAREST]:
        found = chunks.query(query_embeddings=[vector.tolist()], n_results=3, include=["distances"])
        pairs = list(zip(found["ids"][0], found["distances"][0], strict=True))
        if not any(other == chunk_id or distance < 1e-3 for other, distance in pairs):
            report.problem(f"the vector index is damaged ({chunk_id} is not its own nearest neighbour)")
            break
    if thorough or count <= FULL_COUNT_UP_TO:
        report.step("comparing the vector index with the passages")
        vector = next(iter(sample.values()))
        reached = len(chunks.query(query_embeddings=[vector.tolist()], n_results=count, include=[])["ids"][0])
        if reached != count:
            report.problem(f"the vector index holds {reached} vectors for {count} passages")


def _sqlite_pages(path: Path, thorough: bool) -> str | None:
    """SQLite's own check of every page (quick_check: the b-trees; integrity_check: indexes too)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            found = [row[0] for row in db.execute("PRAGMA integrity_check" if thorough else "PRAGMA quick_check").fetchmany(3)]
        finally:
            db.close()
    except sqlite3.DatabaseError as err:
        return f"chroma.sqlite3 is damaged ({err})"
    return None if found == ["ok"] else f"chroma.sqlite3 is damaged ({'; '.join(map(str, found))})"


def _all(collection: Any, include: list[str], size: int = 5000) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    offset = 0
    while True:
        got = collection.get(include=include, limit=size, offset=offset)
        if not got["ids"]:
            return found
        found.update({i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"], strict=True)})
        offset += len(got["ids"])


def _sample(collection: Any, count: int, thorough: bool) -> dict[str, np.ndarray]:
    """Stored vectors of passages spread over the store (all of them when thorough), by id."""
    found: dict[str, np.ndarray] = {}
    if thorough:
        offsets = list(range(0, count, 1000))
        size = 1000
    else:
        size = 4
        offsets = sorted({int(x) for x in np.linspace(0, max(count - size, 0), max(1, SAMPLE // size))})
    for offset in offsets:
        got = collection.get(include=["embeddings"], limit=size, offset=offset)
        for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
            found[chunk_id] = np.asarray(vector, dtype=np.float32)
    return found


def _sound(vector: np.ndarray) -> bool:
    return vector.shape == (DIM,) and bool(np.isfinite(vector).all()) and abs(float(vector @ vector) - 1.0) < 1e-3


def _reading_failed(err: Exception) -> str:
    if isinstance(err, StoreUnavailableError):
        return str(err)  # a server that is down or hung: its own message says what to do
    text = f"{type(err).__name__}: {err}".replace("\n", " ")
    lower = text.lower()
    if "malformed" in lower or "not a database" in lower:
        return f"chroma.sqlite3 is damaged ({text})"
    if any(word in lower for word in ("hnsw", "pickle", "getting embedding", "finding id", "segment reader")):
        return f"the vector index is damaged ({text})"
    return f"reading the store failed ({text})"
