"""A backup folder's format: its file names, the verified manifest, and the helpers export, verify and restore share.

The folder holds ``manifest.json`` and three data files (:data:`DATA_FILES`); see :mod:`kb.backup`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kb.embed import DIM
from kb.errors import BackupError, InvalidValue

FORMAT = "policykb-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
EMBEDDINGS = "embeddings.npy"
DATA_FILES = (DOCUMENTS, CHUNKS, EMBEDDINGS)
_NPY = {"descr": "<f4", "fortran_order": False}

Progress = Callable[[int, int], None]  # (chunks done, chunks in all), called after each batch


def no_progress(done: int, total: int) -> None:
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


def npy_header(rows: int, length: int | None = None) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {**_NPY, "shape": (rows, DIM)})
    header = buffer.getvalue()
    if length is not None and len(header) != length:  # numpy pads the header for growth; never expected to fail
        raise BackupError(f"cannot rewrite the {EMBEDDINGS} header in place ({len(header)} != {length} bytes)")
    return header


def jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of a JSONL file whose checksum was verified; a malformed line is still an error."""
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                if not isinstance(record.get("id"), str) or not isinstance(record.get("metadata"), dict):
                    raise InvalidValue("no id or metadata")
            except (ValueError, AttributeError) as err:
                raise BackupError(f"{path}: line {number} is not a valid record ({err}); export again") from None
            yield number, record


def npy_shape(path: Path) -> tuple[int, ...]:
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


def id_hash(chunk_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(chunk_id.encode(), digest_size=16).digest(), "big")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sync(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def sync_dir(path: Path) -> None:
    """Make a rename durable: the directory entry itself must reach the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tty_progress(verb: str) -> Progress:
    """``export:  45% 4500/10000 chunks`` on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return no_progress

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r\033[K{verb}: {100 * done // max(total, 1):3d}% {done}/{total} chunks")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
