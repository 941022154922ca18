"""Verify a backup folder completely before anything is written: manifest, checksums, counts, model, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb.backup.folder import (
    CHUNKS,
    DATA_FILES,
    DOCUMENTS,
    EMBEDDINGS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    Manifest,
    id_hash,
    jsonl,
    npy_shape,
    sha256,
)
from kb.embed import DIM, MODEL_ID
from kb.errors import BackupError
from kb.store import SCHEMA_VERSION


def verify_backup(path: Path) -> Manifest:
    """Check a backup completely before anything is written: manifest, every checksum, counts, model, schema.

    Raises BackupError naming the file that fails and what to do. Reads every file once.
    """
    path = Path(path)
    if not path.is_dir():
        raise BackupError(f"{path}: no such folder; give the folder 'policykb export' wrote")
    raw = _read_manifest(path)
    counts, files = raw["counts"], raw["files"]
    _check_files(path, files)
    # The files are as export wrote them; now check that the manifest describes them.
    doc_hashes, chunk_sets, chunks = _read_records(path)
    for name, found, said in ((DOCUMENTS, len(doc_hashes), counts["documents"]), (CHUNKS, chunks, counts["chunks"])):
        if found != said:
            raise BackupError(
                f"{path / MANIFEST}: says {said} {name.split('.')[0]} where {name} holds {found}: the manifest was edited or "
                "belongs to another backup; use the backup's own manifest or export again"
            )
    shape = npy_shape(path / EMBEDDINGS)
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


def _read_manifest(path: Path) -> dict[str, Any]:
    """``manifest.json``, checked to be ours, of this format, model and schema, with its counts and files."""
    manifest_path = path / MANIFEST
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
    if not isinstance(counts, dict) or not all(isinstance(counts.get(k), int) for k in ("documents", "chunks")):
        raise BackupError(f"{manifest_path}: 'counts' is missing or damaged; use an intact copy of the backup or export again")
    if not isinstance(raw.get("files"), dict):
        raise BackupError(f"{manifest_path}: 'files' is missing or damaged; use an intact copy of the backup or export again")
    return raw


def _check_files(path: Path, files: dict[str, Any]) -> None:
    """Every data file present, of the size and SHA-256 the manifest records (all sizes first: they are cheap)."""
    for name in DATA_FILES:
        entry = files.get(name)
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or not isinstance(entry.get("bytes"), int):
            raise BackupError(f"{path / MANIFEST}: no checksum for {name}; use an intact copy of the backup or export again")
        if not (path / name).is_file():
            raise BackupError(f"{path / name}: missing; the backup is incomplete: copy the whole folder again or export again")
        size = (path / name).stat().st_size
        if size != entry["bytes"]:
            raise BackupError(
                f"{path / name}: {size} bytes where the manifest says {entry['bytes']}: the file is truncated or damaged; "
                "use an intact copy of the backup or export again"
            )
    for name in DATA_FILES:
        if sha256(path / name) != files[name]["sha256"]:
            raise BackupError(
                f"{path / name}: SHA-256 does not match the manifest: the file is damaged; use an intact copy of the "
                "backup or export again"
            )


def _read_records(path: Path) -> tuple[dict[str, str], dict[str, tuple[int, int]], int]:
    """Each document's content hash, each document's chunk set (count, id hash sum), and the number of chunks."""
    doc_hashes: dict[str, str] = {}
    for _, record in jsonl(path / DOCUMENTS):
        doc_hashes[record["id"]] = str(record["metadata"].get("content_hash", ""))
    chunk_sets: dict[str, tuple[int, int]] = {doc_id: (0, 0) for doc_id in doc_hashes}
    chunks = 0
    for line, record in jsonl(path / CHUNKS):
        meta = record["metadata"]
        doc_id = meta.get("doc_id")
        if doc_id not in doc_hashes or meta.get("doc_hash") != doc_hashes[doc_id]:
            raise BackupError(f"{path / CHUNKS}: line {line}: chunk {record['id']} belongs to no document of the backup")
        count, total = chunk_sets[doc_id]
        chunk_sets[doc_id] = (count + 1, (total + id_hash(record["id"])) % 2**128)
        chunks += 1
    return doc_hashes, chunk_sets, chunks
