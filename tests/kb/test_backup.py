"""Backups: export a store, verify and restore it (embedded and served), refuse damaged ones, survive interruption."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kb.backup import CHUNKS, DOCUMENTS, EMBEDDINGS, MANIFEST, export_store, restore_store, verify_backup
from kb.config import RetrievalConfig, StoreConfig
from kb.embed import MODEL_ID, Embedder
from kb.errors import BackupError
from kb.search import Filters, Searcher
from kb.stats import collect_stats
from kb.store import SCHEMA_VERSION, Store
from kb.sync import ingest_paths
from tests.chroma_server import chroma_server

POLICYKB = str(Path(sys.executable).with_name("policykb"))

# Arabic, French and English questions, with and without filters.
QUERIES = [
    ("customs exemptions for companies located in technology parks", Filters()),
    ("gouvernance des pôles de compétitivité", Filters(countries=("MA",))),
    ("المؤسسات الناشئة", Filters(langs=("ar",))),
    ("حوافز الاستثمار في الحدائق التكنولوجية", Filters()),
    ("accompagnement des startups", Filters(countries=("TN",), year_min=2015)),
    ("incubated start-ups survival", Filters(langs=("en",))),
]
# Chroma keeps a cosine collection's vectors as unit vectors and their norms (chroma-core/hnswlib), so a
# vector written back is read back within a few float32 ulps of what was exported, and fused scores
# (min-max normalised, rounded to 6 places) move by a few 1e-6. Rankings are compared id by id.
VECTOR_TOLERANCE = 1e-6
SCORE_TOLERANCE = 1e-5


class Interrupted(Exception):
    """Stands for a crash or Ctrl+C in the middle of a restore."""


@pytest.fixture(scope="module")
def backup(shared_index_embedded: tuple[Store, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared fixture store exported once (read-only for the tests: they corrupt copies)."""
    target = tmp_path_factory.mktemp("backup") / "kb"
    export_store(shared_index_embedded[0], target)
    return target


def rankings(store: Store, embedder: Embedder) -> dict[tuple[str, str], list[tuple[str, float]]]:
    searcher = Searcher(store, embedder)
    return {
        (query, mode): [(h.chunk_id, h.score) for h in searcher.search(query, k=10, filters=filters, mode=mode)]
        for query, filters in QUERIES
        for mode in ("dense", "lexical", "hybrid")
    }


def assert_same_rankings(restored: Store, source: Store, embedder: Embedder) -> None:
    expected = rankings(source, embedder)
    for key, found in rankings(restored, embedder).items():
        assert [c for c, _ in found] == [c for c, _ in expected[key]], f"same passages in the same order for {key}"
        assert [s for _, s in found] == pytest.approx([s for _, s in expected[key]], abs=SCORE_TOLERANCE), f"scores of {key}"
    assert any(expected.values()) and expected[(QUERIES[2][0], "lexical")], "the Arabic query finds Arabic passages"


def chunks_of(store: Store) -> dict[str, tuple[str, dict[str, Any], np.ndarray]]:
    got = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    return {
        i: (text, dict(meta), np.asarray(vector, dtype=np.float32))
        for i, text, meta, vector in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
    }


def backup_vectors(path: Path) -> dict[str, np.ndarray]:
    ids = [json.loads(line)["id"] for line in (path / CHUNKS).read_text(encoding="utf-8").splitlines()]
    return dict(zip(ids, np.load(path / EMBEDDINGS), strict=True))


def assert_holds_the_backup(store: Store, source: Store, path: Path) -> None:
    """Same documents, chunk texts and metadata as the source; vectors as in the backup."""
    assert collect_stats(store) == collect_stats(source)
    assert {d: doc.metadata for d, doc in store.stored_documents().items()} == {
        d: doc.metadata for d, doc in source.stored_documents().items()
    }
    restored, original, vectors = chunks_of(store), chunks_of(source), backup_vectors(path)
    assert {i: (t, m) for i, (t, m, _) in restored.items()} == {i: (t, m) for i, (t, m, _) in original.items()}
    for chunk_id, (_, _, vector) in restored.items():
        assert np.allclose(vector, vectors[chunk_id], rtol=0, atol=VECTOR_TOLERANCE), f"vector of {chunk_id} is the backup's"


def data_files(path: Path) -> dict[str, bytes]:
    return {name: (path / name).read_bytes() for name in (DOCUMENTS, CHUNKS)}


def test_round_trip_into_a_fresh_embedded_store(
    backup: Path, shared_index_embedded: tuple[Store, object], embedder: Embedder, tmp_path: Path
) -> None:
    source = shared_index_embedded[0]
    manifest = verify_backup(backup)
    stats = collect_stats(source)
    assert (manifest.documents, manifest.chunks, manifest.orphans_skipped) == (stats["documents"], stats["chunks"], 0)
    assert (manifest.embedding_model, manifest.schema) == (MODEL_ID, SCHEMA_VERSION)
    assert manifest.source["store"] == str(source.config.path)
    # The backup holds exactly the float32 vectors Chroma returns, bit for bit.
    assert {i: v.tobytes() for i, v in backup_vectors(backup).items()} == {
        i: v.tobytes() for i, (_, _, v) in chunks_of(source).items()
    }

    store = Store(StoreConfig(path=tmp_path / "restored"))
    revision = store.revision()
    report = restore_store(backup, store)
    assert store.revision() != revision, "serving processes see that the documents changed"
    assert (report.documents_written, report.chunks_written, report.documents_kept) == (6, stats["chunks"], 0)
    assert_holds_the_backup(store, source, backup)
    assert_same_rankings(store, source, embedder)
    again = export_store(store, tmp_path / "again")
    assert data_files(again.target) == data_files(backup), "a restored store exports to the same documents and chunks"
    revision = store.revision()
    assert restore_store(backup, store).documents_kept == 6, "restoring the same backup again writes nothing"
    assert store.revision() == revision


@pytest.mark.server
def test_round_trip_through_a_chroma_server(
    backup: Path, shared_index_embedded: tuple[Store, object], embedder: Embedder, tmp_path: Path
) -> None:
    source = shared_index_embedded[0]
    (tmp_path / "chroma").mkdir()
    with chroma_server(tmp_path / "chroma" / "data") as url:
        store = Store(StoreConfig(chroma_url=url, collection_prefix="restored"))
        report = restore_store(backup, store)
        assert report.documents_written == 6
        assert_holds_the_backup(store, source, backup)
        assert_same_rankings(store, source, embedder)
        served = export_store(store, tmp_path / "from-server")
        assert data_files(served.target) == data_files(backup), "export reads a server like an embedded store"
        assert verify_backup(served.target).source["mode"] == "server"


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


def drop_last_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")


def edit_manifest(path: Path, change: dict[str, Any]) -> None:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key, value in change.items():
        if isinstance(value, dict):
            manifest[key].update(value)
        else:
            manifest[key] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")


DAMAGES: dict[str, tuple[str, Callable[[Path], object], str]] = {
    "flipped byte in the embeddings": (EMBEDDINGS, flip_last_byte, "SHA-256 does not match"),
    "truncated chunks": (CHUNKS, drop_last_line, "truncated or damaged"),
    "missing documents": (DOCUMENTS, Path.unlink, "missing"),
    "edited count": (MANIFEST, lambda p: edit_manifest(p, {"counts": {"chunks": 25}}), "says 25 chunks where chunks.jsonl"),
    "another model": (MANIFEST, lambda p: edit_manifest(p, {"embedding_model": "intfloat/e5-large"}), "intfloat/e5-large"),
}


@pytest.fixture(scope="module")
def populated(backup: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store that holds documents (restored from the good backup); damaged restores must leave it alone."""
    store = Store(StoreConfig(path=tmp_path_factory.mktemp("populated") / "store"))
    restore_store(backup, store)
    return store


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_or_foreign_backup_is_refused_before_anything_is_written(
    damage: str, backup: Path, populated: Store, tmp_path: Path
) -> None:
    name, apply, reason = DAMAGES[damage]
    copy = tmp_path / "copy"
    shutil.copytree(backup, copy)
    apply(copy / name)
    with pytest.raises(BackupError, match=rf"^{copy / name}: .*{reason}") as refused:
        verify_backup(copy)
    assert "\n" not in str(refused.value) and ("export again" in str(refused.value) or "version" in str(refused.value))

    empty = Store(StoreConfig(path=tmp_path / "empty"))
    with pytest.raises(BackupError, match=name):
        restore_store(copy, empty)
    assert empty.stored_documents() == {} and empty.chunk_count() == 0, "an empty store stays empty"
    before = (collect_stats(populated), sorted(populated.chunks.get(include=[])["ids"]))
    with pytest.raises(BackupError, match=name):
        restore_store(copy, populated, replace=True)
    assert (collect_stats(populated), sorted(populated.chunks.get(include=[])["ids"])) == before, "a store keeps its documents"


def test_export_skips_uncommitted_chunks(backup: Path, tmp_path: Path) -> None:
    store = Store(StoreConfig(path=tmp_path / "store"))
    restore_store(backup, store)
    vector = np.load(backup / EMBEDDINGS)[:1]
    committed = store.stored_documents()["ma/evaluation.en.md"].content_hash
    # What crashes leave: a new version's chunk before its commit, and an old version's chunk after it.
    store.chunks.add(
        ids=["ma/evaluation.en.md#ffffffffffff#0000", "ma/evaluation.en.md#eeeeeeeeeeee#0000"],
        embeddings=np.vstack([vector, vector]),
        documents=["half-written version", "replaced version"],
        metadatas=[
            {"doc_id": "ma/evaluation.en.md", "doc_hash": "f" * 64, "page_start": 1, "page_end": 1},
            {"doc_id": "ma/evaluation.en.md", "doc_hash": "e" * 64, "page_start": 1, "page_end": 1},
        ],
    )
    assert committed not in ("f" * 64, "e" * 64)
    report = export_store(store, tmp_path / "kb")
    assert (report.orphans_skipped, report.chunks) == (2, verify_backup(backup).chunks)
    assert verify_backup(report.target).orphans_skipped == 2
    assert data_files(report.target) == data_files(backup), "orphans leave no trace in the backup"


def test_restore_into_a_store_with_other_documents_needs_replace(
    backup: Path, shared_index_embedded: tuple[Store, object], fixture_docs: Path, embedder: Embedder, tmp_path: Path
) -> None:
    store = Store(StoreConfig(path=tmp_path / "store"))
    ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], store, embedder)  # named "evaluation.en.md": not in the backup
    before = collect_stats(store)
    with pytest.raises(BackupError, match=r"holds 1 document\(s\), 1 of them not as in the backup.*--replace"):
        restore_store(backup, store)
    assert collect_stats(store) == before and set(store.stored_documents()) == {"evaluation.en.md"}, "refused means untouched"

    report = restore_store(backup, store, replace=True)
    assert (report.documents_removed, report.documents_written) == (1, 6)
    assert_holds_the_backup(store, shared_index_embedded[0], backup)


def test_an_interrupted_restore_shows_whole_documents_and_running_it_again_completes_it(
    backup: Path, shared_index_embedded: tuple[Store, object], tmp_path: Path
) -> None:
    store = Store(StoreConfig(path=tmp_path / "store"))
    store.max_batch = 5  # several batches, so the interruption falls between documents and within one
    calls = []

    def crash_on_third_batch(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        restore_store(backup, store, progress=crash_on_third_batch)
    manifest = verify_backup(backup)
    committed = store.stored_documents()
    assert 0 < len(committed) < manifest.documents, "the crash fell half-way"
    visible: dict[str, int] = {}
    for meta in store.chunks.get(include=["metadatas"])["metadatas"]:
        if meta["doc_id"] in committed and committed[meta["doc_id"]].content_hash == meta["doc_hash"]:
            visible[meta["doc_id"]] = visible.get(meta["doc_id"], 0) + 1
    assert visible == {d: manifest.chunk_sets[d][0] for d in committed}, "every visible document is whole"
    assert store.chunk_count() > sum(visible.values()), "the half-written document's chunks are invisible orphans"

    report = restore_store(backup, store)  # no --replace needed: everything there is the backup's own
    assert report.documents_kept == len(committed) and report.orphans_removed > 0
    assert_holds_the_backup(store, shared_index_embedded[0], backup)


def test_export_refuses_a_non_empty_folder_and_leaves_nothing_when_interrupted(
    shared_index_embedded: tuple[Store, object], tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(BackupError, match=r"taken: already exists and is not empty"):
        export_store(shared_index_embedded[0], tmp_path / "taken")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]

    def crash(done: int, total: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        export_store(shared_index_embedded[0], tmp_path / "kb", progress=crash)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"], "no half export, no temporary folder left"
    (tmp_path / "empty").mkdir()
    assert export_store(shared_index_embedded[0], tmp_path / "empty").documents == 6, "an empty folder is fine"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([POLICYKB, *args], env=env, capture_output=True, text=True, timeout=300)


def test_cli_export_and_restore(
    shared_index_embedded: tuple[Store, object], embedder: Embedder, cli_env: dict[str, str], tmp_path: Path
) -> None:
    source = shared_index_embedded[0]
    exported = run(["export", str(tmp_path / "kb"), "--store", str(source.config.path)], cli_env)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith(f"{tmp_path / 'kb'}: 6 documents, {source.chunk_count()} chunks exported")

    restored = run(["restore", str(tmp_path / "kb"), "--store", str(tmp_path / "store"), "--json"], cli_env)
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["documents_written"] == 6
    index_dir = tmp_path / "store" / "policykb_lexical"
    assert (index_dir / "manifest.json").is_file(), "the lexical index follows the restore"
    store = Store(StoreConfig(path=tmp_path / "store"))
    assert collect_stats(store) == collect_stats(source)
    query = "حوافز الاستثمار في الحدائق التكنولوجية"
    hits = Searcher(store, embedder, RetrievalConfig(index_dir=index_dir)).search(query, k=10)
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in Searcher(source, embedder).search(query, k=10)]

    shutil.copytree(tmp_path / "kb", tmp_path / "bad")
    flip_last_byte(tmp_path / "bad" / EMBEDDINGS)
    refused = run(["restore", str(tmp_path / "bad"), "--store", str(tmp_path / "other")], cli_env)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert refused.stderr.startswith(f"policykb: {tmp_path / 'bad' / EMBEDDINGS}: SHA-256 does not match")
    assert not (tmp_path / "other").exists(), "a damaged backup creates no store"
