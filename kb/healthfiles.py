"""A store's files read in Python, before Chroma is trusted with them: the SQLite header and the saved HNSW indexes.

Part of the store check (kb.health). Nothing here opens Chroma, so nothing here can crash in native code.
"""

from __future__ import annotations

import re
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.embed import DIM

SQLITE_MAGIC = b"SQLite format 3\x00"
SEGMENT_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# hnswlib's saved header, as Chroma writes it (header.bin): persistence version, then the index's
# offsets and sizes. 100 bytes.
HNSW_HEADER = struct.Struct("<iQQQQQQiIQQQdQ")
SAMPLE = 64  # vectors read by a quick check (spread over the store), and rows of data_level0.bin


@dataclass(frozen=True)
class SqliteFindings:
    """What ``chroma.sqlite3`` says: its vector segments with their dimension, or what is wrong with it."""

    problem: str | None = None
    dimensions: dict[str, int] | None = None  # segment id -> dimension, when the file could be read


def segment_folders(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and SEGMENT_NAME.match(p.name))


def check_sqlite(path: Path) -> SqliteFindings:
    """The vector segments chroma.sqlite3 knows, with their dimension, or what is wrong with it."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        header = handle.read(100)
    if size == 0:
        return SqliteFindings("chroma.sqlite3 is empty (0 bytes): the database was truncated")
    if len(header) < 100 or header[:16] != SQLITE_MAGIC:
        return SqliteFindings("chroma.sqlite3 is damaged (it does not start like an SQLite database)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages, change, valid_for = (int.from_bytes(header[i : i + 4], "big") for i in (28, 24, 92))
    if pages and change == valid_for and pages * page_size > size:
        return SqliteFindings(f"chroma.sqlite3 is damaged (truncated: {size} of {pages * page_size} bytes)")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            rows = db.execute(
                "SELECT s.id, c.dimension FROM segments s JOIN collections c ON s.collection = c.id WHERE s.scope = 'VECTOR'"
            ).fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as err:
        return SqliteFindings(f"chroma.sqlite3 is damaged ({err})")
    return SqliteFindings(dimensions={str(segment): int(dim or 0) for segment, dim in rows})


@dataclass(frozen=True)
class _HnswHeader:
    """The fields of header.bin that the checks use."""

    version: int
    offset0: int
    capacity: int
    count: int
    row: int  # bytes per row of data_level0.bin
    label_at: int
    data_at: int
    max_level: int
    entry: int
    max_m: int
    max_m0: int
    mult: float

    @classmethod
    def parse(cls, raw: bytes) -> _HnswHeader:
        version, offset0, capacity, count, row, label_at, data_at, max_level, entry, max_m, max_m0, _, mult, _ = (
            HNSW_HEADER.unpack(raw[: HNSW_HEADER.size])
        )
        return cls(version, offset0, capacity, count, row, label_at, data_at, max_level, entry, max_m, max_m0, mult)

    def fits(self, dimension: int | None) -> bool:
        """Whether the values fit together (and the collection's dimension, when known)."""
        return (
            self.version == 1
            and self.offset0 == 0
            and self.count <= self.capacity
            and 0 < self.max_m <= 1024
            and 0 < self.max_m0 <= 2048
            and self.data_at == self.max_m0 * 4 + 4
            and self.row == self.label_at + 8
            and self.label_at > self.data_at
            and (dimension is None or (self.label_at - self.data_at) // 4 == dimension)
            and -1 <= self.max_level < 64
            and (self.count == 0 or self.entry < self.count)
            and 0.0 < self.mult < 10.0
        )


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
    header = _HnswHeader.parse(raw)
    if not header.fits(dimension):
        return "header.bin: values that do not fit together"
    count = header.count
    sizes = {"data_level0.bin": count * header.row, "length.bin": count * 4}
    for name, expected in sizes.items():
        actual = (folder / name).stat().st_size if (folder / name).exists() else -1
        if actual != expected:
            return f"{name}: {actual if actual >= 0 else 'missing'}, {expected} bytes expected for {count} vectors"
    if count == 0:
        return None
    norms = np.fromfile(folder / "length.bin", dtype=np.float32)
    if not (np.isfinite(norms).all() and (norms > 0).all()):
        return "length.bin: vector norms that are not positive numbers"
    problem = _check_link_lists(folder / "link_lists.bin", count, header.max_m * 4 + 4, header.max_level)
    return problem or _check_rows(folder / "data_level0.bin", header, dimension, thorough)


def _check_rows(path: Path, header: _HnswHeader, dimension: int | None, thorough: bool) -> str | None:
    """data_level0.bin's rows (a sample, or all when thorough): links to existing vectors, unit-length vectors."""
    count, data_at, label_at = header.count, header.data_at, header.label_at
    data = np.memmap(path, dtype=np.uint8, mode="r", shape=(count, header.row))
    rows = np.arange(count) if thorough else np.unique(np.linspace(0, count - 1, min(SAMPLE, count)).astype(np.int64))
    chosen = np.asarray(data[rows])
    links = chosen[:, 0:2].view(np.uint16)[:, 0]
    neighbours = chosen[:, 4:data_at].view(np.uint32)
    vectors = chosen[:, data_at:label_at].view(np.float32)
    valid = np.arange(header.max_m0)[None, :] < links[:, None]
    if (links > header.max_m0).any() or (neighbours[valid] >= count).any():
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
