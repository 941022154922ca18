"""Is a store readable and whole? Checked before it is trusted, without risking the caller's process.

What chromadb 1.5 does with damaged files (measured on real stores, README "Faults"): a damaged HNSW
header or vector file can kill the process that reads it (SIGSEGV, SIGFPE), raise an InternalError,
or, for ``length.bin`` (the stored vector norms), silently return zero or garbage embeddings and
wrong neighbours; a lost ``chroma.sqlite3`` silently opens as an empty store. So a check runs in
three parts: the files' structure is read in Python (the HNSW header, sizes, norms and links; the
SQLite header), then Chroma itself is asked a few questions in a child process, where a crash in
native code is a finding instead of our death.

A quick check (at ``policykb serve`` start-up) samples the vectors; a thorough one
(``policykb check``) reads every vector, link and passage. Neither writes to the store.
"""

from __future__ import annotations

import multiprocessing as mp
import re
import signal
import sqlite3
import struct
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from kb.config import StoreConfig
from kb.embed import DIM
from kb.errors import StoreUnavailableError

SQLITE_MAGIC = b"SQLite format 3\x00"
SEGMENT_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# hnswlib's saved header, as Chroma writes it (header.bin): persistence version, then the index's
# offsets and sizes. 100 bytes.
HNSW_HEADER = struct.Struct("<iQQQQQQiIQQQdQ")
SAMPLE = 64  # vectors read by a quick check (spread over the store), and rows of data_level0.bin
NEAREST = 4  # of those, how many must find themselves as their own nearest neighbour
FULL_COUNT_UP_TO = 5000  # a quick check compares the two sides' counts exhaustively up to this size


@dataclass(frozen=True)
class StoreHealth:
    """What a check found. ``problems`` are one line each, the most telling first; none means healthy."""

    location: str
    problems: tuple[str, ...] = ()
    documents: int | None = None
    chunks: int | None = None
    orphans: int | None = None  # passages of interrupted writes (harmless: the next ingest removes them)
    thorough: bool = False
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())  # what was checked, for `policykb check`

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        """One line: the state, or the first problem and what to run."""
        if self.ok:
            orphans = f", {self.orphans} passages of an interrupted write (the next ingest removes them)" if self.orphans else ""
            return f"{self.location}: healthy ({self.documents or 0} documents, {self.chunks or 0} passages{orphans})"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        if "://" in self.location:  # a Chroma server keeps its own files: repair is the server's operator's
            return f"{self.location}: {self.problems[0]}{more}"
        return f"{self.location}: {self.problems[0]}{more}; run 'policykb check --repair --store {self.location}'"


def check_store(config: StoreConfig, thorough: bool = False, timeout_s: float = 300.0) -> StoreHealth:
    """Check the store (see the module docstring); never raises for what it finds."""
    return start_check(config, thorough).result(timeout_s)


def start_check(config: StoreConfig, thorough: bool = False) -> StoreCheck:
    """Start a check in the background (``policykb serve`` loads the web app meanwhile)."""
    return StoreCheck(config, thorough)


class StoreCheck:
    """A check under way: the file checks are done, the probes run in a child process."""

    def __init__(self, config: StoreConfig, thorough: bool) -> None:
        self.config = config
        self.thorough = thorough
        self.started = time.perf_counter()
        self.location = config.describe()
        self.facts: dict[str, Any] = {}
        self.problems: list[str] = []
        self.notes: list[str] = []
        self._process: Any = None
        self._conn: Connection | None = None
        self.finished: float | None = None
        if not config.chroma_url:
            if not (config.path / "chroma.sqlite3").exists():
                self._no_database()
                return
            self._check_files()
            if self.problems:
                return  # the probes would read what is already known broken (and may crash on it)
        context = mp.get_context("spawn")  # a fresh interpreter: never fork one that holds Chroma and model threads
        parent, child = context.Pipe(duplex=False)
        self._process = context.Process(target=_probe, args=(config, thorough, child), daemon=True)
        self._process.start()
        child.close()
        self._conn = parent

    def _no_database(self) -> None:
        folder = self.config.path
        segments = [p.name for p in _segment_folders(folder) if (p / "header.bin").exists()] if folder.is_dir() else []
        if segments:
            self.problems.append(
                f"chroma.sqlite3 is missing but the folder still holds a vector index ({', '.join(segments)}): "
                "the database was deleted or lost"
            )
        else:
            self.facts.update(documents=0, chunks=0, orphans=0)
            self.notes.append("no store here yet (nothing ingested)")

    def _check_files(self) -> None:
        path = self.config.path
        database = _check_sqlite(path / "chroma.sqlite3")
        if isinstance(database, str):
            self.problems.append(database)
            return
        known, dimensions = database
        for folder in _segment_folders(path):
            if folder.name not in known:
                if (folder / "index_metadata.pickle").exists():
                    # A vector index no collection of this database refers to: the database is not the one that wrote it.
                    self.problems.append(
                        f"{folder.name}: a saved vector index that chroma.sqlite3 does not know (was chroma.sqlite3 replaced?)"
                    )
                continue
            problem = check_hnsw_folder(folder, dimensions.get(folder.name), self.thorough)
            if problem:
                self.problems.append(f"the vector index is damaged ({folder.name}/{problem})")
        self.notes.append(f"files: chroma.sqlite3 and {len(known)} vector segment(s) read")

    def result(self, timeout_s: float = 300.0) -> StoreHealth:
        if self._process is not None and self._conn is not None:
            self._collect(timeout_s)
        return StoreHealth(
            location=self.location,
            problems=tuple(self.problems),
            documents=self.facts.get("documents"),
            chunks=self.facts.get("chunks"),
            orphans=self.facts.get("orphans"),
            thorough=self.thorough,
            seconds=round((self.finished or time.perf_counter()) - self.started, 3),  # the check's own time
            notes=tuple(self.notes),
        )

    def _collect(self, timeout_s: float) -> None:
        assert self._process is not None and self._conn is not None
        step = "starting"
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not self._conn.poll(left):
                    self._process.kill()
                    self.problems.append(f"the check did not finish in {timeout_s:g} s (stuck while {step})")
                    break
                kind, payload = self._conn.recv()
                if kind == "step":
                    step = payload
                elif kind == "problem":
                    self.problems.append(payload)
                elif kind == "facts":
                    self.facts.update(payload)
                elif kind == "done":
                    self.finished = time.perf_counter() - (time.time() - payload)  # when the child finished
                    break
        except (EOFError, OSError):
            self._process.join(timeout=10)
            self.problems.insert(0, _death(self._process.exitcode, step))
        finally:
            self._conn.close()
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()
        if "documents" in self.facts:
            self.notes.append(f"Chroma: {'all' if self.thorough else 'a sample of the'} stored vectors and passages read")


def _death(code: int | None, step: str) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the vector index is damaged (the check died with {name} while {step})"
    return f"the check stopped with exit code {code} while {step}"


# --- file structure ----------------------------------------------------------------------------


def _segment_folders(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and SEGMENT_NAME.match(p.name))


def _check_sqlite(path: Path) -> tuple[set[str], dict[str, int]] | str:
    """The vector segments chroma.sqlite3 knows, with their dimension, or what is wrong with it."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(100)
    if size == 0:
        return "chroma.sqlite3 is empty (0 bytes): the database was truncated"
    if len(header) < 100 or header[:16] != SQLITE_MAGIC:
        return "chroma.sqlite3 is damaged (it does not start like an SQLite database)"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages, change, valid_for = (int.from_bytes(header[i : i + 4], "big") for i in (28, 24, 92))
    if pages and change == valid_for and pages * page_size > size:
        return f"chroma.sqlite3 is damaged (truncated: {size} of {pages * page_size} bytes)"
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            rows = db.execute(
                "SELECT s.id, c.dimension FROM segments s JOIN collections c ON s.collection = c.id WHERE s.scope = 'VECTOR'"
            ).fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as err:
        return f"chroma.sqlite3 is damaged ({err})"
    return {str(segment) for segment, _ in rows}, {str(segment): int(dim or 0) for segment, dim in rows}


def check_hnsw_folder(folder: Path, dimension: int | None, thorough: bool = False) -> str | None:
    """What is wrong with a saved HNSW index (Chroma's hnswlib files), or None.

    A folder without ``index_metadata.pickle`` was never saved (Chroma keeps a small index in its
    log and rebuilds it at start-up): its files are not read. Layout, as Chroma 1.5 writes it:
    ``header.bin`` (HNSW_HEADER); ``data_level0.bin``, one row per vector (link count, neighbours,
    the unit vector, its label); ``length.bin``, each vector's norm as float32; ``link_lists.bin``,
    per vector a byte count and its upper-level links.
    """
    if not (folder / "index_metadata.pickle").exists():
        return None
    try:
        raw = (folder / "header.bin").read_bytes()
    except OSError as err:
        return f"header.bin: {err.strerror}"
    if len(raw) < HNSW_HEADER.size:
        return f"header.bin: {len(raw)} bytes, {HNSW_HEADER.size} expected"
    version, offset0, capacity, count, row, label_at, data_at, max_level, entry, max_m, max_m0, _, mult, _ = HNSW_HEADER.unpack(
        raw[: HNSW_HEADER.size]
    )
    links_per_level = max_m * 4 + 4
    dim = (label_at - data_at) // 4
    if not (
        version == 1
        and offset0 == 0
        and count <= capacity
        and 0 < max_m <= 1024
        and 0 < max_m0 <= 2048
        and data_at == max_m0 * 4 + 4
        and row == label_at + 8
        and label_at > data_at
        and (dimension is None or dim == dimension)
        and -1 <= max_level < 64
        and (count == 0 or entry < count)
        and 0.0 < mult < 10.0
    ):
        return "header.bin: values that do not fit together"
    sizes = {"data_level0.bin": count * row, "length.bin": count * 4}
    for name, expected in sizes.items():
        actual = (folder / name).stat().st_size if (folder / name).exists() else -1
        if actual != expected:
            return f"{name}: {actual if actual >= 0 else 'missing'}, {expected} bytes expected for {count} vectors"
    if count == 0:
        return None
    norms = np.fromfile(folder / "length.bin", dtype=np.float32)
    if not (np.isfinite(norms).all() and (norms > 0).all()):
        return "length.bin: vector norms that are not positive numbers"
    problem = _check_link_lists(folder / "link_lists.bin", count, links_per_level, max_level)
    if problem:
        return problem
    data = np.memmap(folder / "data_level0.bin", dtype=np.uint8, mode="r", shape=(count, row))
    rows = np.arange(count) if thorough else np.unique(np.linspace(0, count - 1, min(SAMPLE, count)).astype(np.int64))
    chosen = np.asarray(data[rows])
    links = chosen[:, 0:2].view(np.uint16)[:, 0]
    neighbours = chosen[:, 4:data_at].view(np.uint32)
    vectors = chosen[:, data_at:label_at].view(np.float32)
    valid = np.arange(max_m0)[None, :] < links[:, None]
    if (links > max_m0).any() or (neighbours[valid] >= count).any():
        return "data_level0.bin: links to vectors that do not exist"
    lengths = np.einsum("ij,ij->i", vectors, vectors)
    # Chroma keeps cosine vectors normalised (their norm is in length.bin); the passages use cosine.
    if dimension == DIM and (not np.isfinite(lengths).all() or (np.abs(lengths - 1.0) > 1e-3).any()):
        return "data_level0.bin: vectors that are not of unit length"
    return None


def _check_link_lists(path: Path, count: int, links_per_level: int, max_level: int) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as err:
        return f"link_lists.bin: {err.strerror}"
    position = 0
    for _ in range(count):
        if position + 4 > len(raw):
            return f"link_lists.bin: ends after {position} bytes, within the list of {count} vectors"
        size = int.from_bytes(raw[position : position + 4], "little")
        if size % links_per_level or size // links_per_level > max(max_level, 0):
            return f"link_lists.bin: a link list of {size} bytes at byte {position}"
        position += 4 + size
    return None if position == len(raw) else f"link_lists.bin: {len(raw) - position} bytes more than {count} link lists"


# --- probes, in the child process --------------------------------------------------------------


def _probe(config: StoreConfig, thorough: bool, conn: Connection) -> None:
    """Ask Chroma what a reader asks, step by step, telling the parent each step before it is taken."""

    def step(name: str) -> None:
        conn.send(("step", name))

    def problem(text: str) -> None:
        conn.send(("problem", text))

    try:
        if not config.chroma_url:
            step("reading every page of chroma.sqlite3")
            problem_found = _sqlite_pages(config.path / "chroma.sqlite3", thorough)
            if problem_found:
                problem(problem_found)
        step("opening the store")
        from kb.store import open_client

        client = open_client(config)
        names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        prefix = config.collection_prefix
        if f"{prefix}_chunks" not in names:
            conn.send(("facts", {"documents": 0, "chunks": 0, "orphans": 0}))
            conn.send(("done", time.time()))
            return
        chunks = client.get_collection(f"{prefix}_chunks")
        documents = client.get_collection(f"{prefix}_documents")
        step("reading the document records")
        records = _all(documents, ["metadatas"])
        committed = {doc_id: str(meta.get("content_hash", "")) for doc_id, meta in records.items()}
        expected = sum(int(meta.get("chunks") or 0) for meta in records.values())
        step("counting the passages")
        count = int(chunks.count())
        facts: dict[str, Any] = {"documents": len(records), "chunks": count, "orphans": max(count - expected, 0)}
        if count < expected:
            problem(f"{expected - count} of the {expected} committed passages are missing")
        if thorough:
            step("reading every passage")
            metas = _all(chunks, ["metadatas"])
            orphans = sum(1 for meta in metas.values() if committed.get(str(meta.get("doc_id"))) != meta.get("doc_hash"))
            facts["orphans"] = orphans
            if count - orphans != expected:
                problem(f"{count - orphans} committed passages found, the document records count {expected}")
        conn.send(("facts", facts))
        if count == 0:
            conn.send(("done", time.time()))
            return
        step("reading stored vectors")
        sample = _sample(chunks, count, thorough)
        bad = [chunk_id for chunk_id, vector in sample.items() if not _sound(vector)]
        if bad:
            problem(f"the vector index is damaged ({len(bad)} of {len(sample)} stored vectors read back wrong, e.g. {bad[0]})")
            conn.send(("done", time.time()))
            return
        step("querying nearest neighbours")
        for chunk_id, vector in list(sample.items())[:NEAREST]:
            found = chunks.query(query_embeddings=[vector.tolist()], n_results=3, include=["distances"])
            pairs = list(zip(found["ids"][0], found["distances"][0], strict=True))
            if not any(other == chunk_id or distance < 1e-3 for other, distance in pairs):
                problem(f"the vector index is damaged ({chunk_id} is not its own nearest neighbour)")
                break
        if thorough or count <= FULL_COUNT_UP_TO:
            step("comparing the vector index with the passages")
            vector = next(iter(sample.values()))
            reached = len(chunks.query(query_embeddings=[vector.tolist()], n_results=count, include=[])["ids"][0])
            if reached != count:
                problem(f"the vector index holds {reached} vectors for {count} passages")
        conn.send(("done", time.time()))
    except Exception as err:  # reported to the parent, which decides: a check never raises for what it finds
        problem(_reading_failed(err))
        conn.send(("done", time.time()))


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


def describe(health: StoreHealth) -> list[str]:
    """Lines for ``policykb check``: the verdict, then each problem and what was checked."""
    lines = [health.message()]
    lines += [f"  problem: {p}" for p in health.problems]
    lines += [f"  checked: {n}" for n in health.notes]
    lines.append(f"  {'thorough' if health.thorough else 'quick'} check, {health.seconds:.2f} s")
    return lines
