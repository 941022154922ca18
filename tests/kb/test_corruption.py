"""Damaged or stale local state is detected and rebuilt, never trusted: real files, really damaged.

The embedding cache (SQLite), the derived lexical index (a folder of arrays), the translation links
(JSON beside it), and Chroma's own files (HNSW vector index and chroma.sqlite3). Bytes are cut or
overwritten in the real files; Chroma's checks run in child processes, as the product runs them.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kb.config import EmbedConfig, StoreConfig
from kb.embed import Embedder, EmbeddingCache, cache_key
from kb.store import Store
from kb.sync import ingest_paths

ONE_DOC = Path("ma") / "evaluation.en.md"


def truncate_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def garbage_header(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.write(os.urandom(100))


def overwrite_page(number: int, size: int = 4096) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        with open(path, "r+b") as handle:
            handle.seek((number - 1) * size)
            handle.write(os.urandom(size))

    return damage


# --- the embedding cache ------------------------------------------------------------------


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory: pytest.TempPathFactory, fixture_docs: Path) -> tuple[Path, int]:
    """A cache holding the passages of one document, closed (its WAL folded in), and their number."""
    folder = tmp_path_factory.mktemp("cache")
    embedder = Embedder(EmbedConfig(cache_path=folder / "embeddings.sqlite"))
    report = ingest_paths([fixture_docs / ONE_DOC], Store(StoreConfig(path=folder / "store")), embedder)
    embedder.close()
    assert not (folder / "embeddings.sqlite-wal").exists()
    return folder / "embeddings.sqlite", report.chunks_written


def _ingest_with_cache(cache: Path, fixture_docs: Path, store: Path) -> tuple[Embedder, int]:
    embedder = Embedder(EmbedConfig(cache_path=cache))
    report = ingest_paths([fixture_docs / ONE_DOC], Store(StoreConfig(path=store)), embedder)
    assert report.ok and report.chunks_written > 0
    return embedder, report.chunks_written


@pytest.mark.parametrize(
    "damage",
    [truncate_half, garbage_header, overwrite_page(2)],
    ids=["truncated", "garbage header", "page 2 overwritten"],
)
def test_a_damaged_embedding_cache_is_set_aside_and_the_ingest_re_embeds(
    damage: Callable[[Path], None], filled_cache: tuple[Path, int], fixture_docs: Path, tmp_path: Path
) -> None:
    source, chunks = filled_cache
    cache = tmp_path / "embeddings.sqlite"
    shutil.copy(source, cache)
    damage(cache)
    embedder, written = _ingest_with_cache(cache, fixture_docs, tmp_path / "store")
    assert embedder.passages_embedded == written == chunks, "every passage was embedded again, none read from damage"
    embedder.close()
    assert (tmp_path / "embeddings.corrupt").is_file(), "the damaged file is kept aside for inspection"
    fresh = EmbeddingCache(cache)
    keys = [cache_key(text, "passage") for text in _embed_texts(tmp_path / "store")]
    assert len(fresh.get_many(keys)) == len(keys), "the fresh cache holds the new vectors"
    fresh.close()


@pytest.mark.parametrize(
    "blob", [b"\0" * 100, np.full(384, np.nan, dtype=np.float32).tobytes(), np.full(384, 3.0, dtype=np.float32).tobytes()]
)
def test_a_damaged_vector_in_the_cache_is_embedded_again_and_replaced(
    blob: bytes, filled_cache: tuple[Path, int], fixture_docs: Path, tmp_path: Path, embedder: Embedder
) -> None:
    source, _ = filled_cache
    cache = tmp_path / "embeddings.sqlite"
    shutil.copy(source, cache)
    with sqlite3.connect(cache) as db:
        # A passage's vector (the cache also holds the sentences ingest read ahead, kb.sync).
        key = min(cache_key(text, "passage") for text in _embed_texts(source.parent / "store"))
        db.execute("UPDATE embedding SET vector = ? WHERE key = ?", (blob, key))
    damaged, _ = _ingest_with_cache(cache, fixture_docs, tmp_path / "store")
    assert damaged.passages_embedded == 1, "only the damaged vector is computed again"
    damaged.close()
    assert not (tmp_path / "embeddings.corrupt").exists(), "one bad row does not throw the cache away"
    with sqlite3.connect(cache) as db:
        (stored,) = db.execute("SELECT vector FROM embedding WHERE key = ?", (key,)).fetchone()
    vector = np.frombuffer(stored, dtype=np.float32)
    assert vector.shape == (384,) and abs(float(vector @ vector) - 1.0) < 1e-3, "the row was replaced by a sound vector"
    assert key in {cache_key(text, "passage") for text in _embed_texts(tmp_path / "store")}


def _embed_texts(store: Path) -> list[str]:
    from kb.rebuild import embed_text

    got = Store(StoreConfig(path=store)).chunks.get(include=["documents", "metadatas"])
    return [embed_text(text, meta) for text, meta in zip(got["documents"], got["metadatas"], strict=True)]


# --- the lexical index ----------------------------------------------------------------------


def _records(store: Store) -> tuple[str, dict[str, dict[str, object]]]:
    from kb.lexical import fingerprint

    records = {doc_id: doc.metadata for doc_id, doc in store.stored_documents().items()}
    return fingerprint({doc_id: str(meta["content_hash"]) for doc_id, meta in records.items()}), records


def _overwrite_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    for i in range(middle, min(middle + 8, len(data))):
        data[i] ^= 0x5A  # a few bytes changed, the length kept: may still parse, with wrong numbers
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory, fixture_docs: Path, embedder: Embedder) -> Path:
    """The fixture documents in an embedded store of this module's own; tests copy it before changing it."""
    path = tmp_path_factory.mktemp("small") / "store"
    assert ingest_paths([fixture_docs], Store(StoreConfig(path=path)), embedder).ok
    return path


def test_every_file_of_the_lexical_index_damaged_in_any_way_is_detected_and_rebuilt(small_store: Path, tmp_path: Path) -> None:
    from kb.analysis import analyze
    from kb.lexical import LexicalIndex, ensure_lexical_index

    store = Store(StoreConfig(path=small_store))
    key, records = _records(store)
    saved = tmp_path / "saved"
    built = ensure_lexical_index(store, saved, key, records)
    query = {"fr": analyze("cotisations des membres du pôle", "fr"), "ar": analyze("الإعفاءات الجمركية", "ar")}
    want = built.search(query, None, 5)
    files = sorted(p.relative_to(saved) for p in saved.rglob("*") if p.is_file())
    assert len(files) > 20 and Path("manifest.json") in files
    damages: dict[str, Callable[[Path], object]] = {
        "truncated": truncate_half,
        "bytes changed": _overwrite_middle,
        "emptied": lambda p: p.write_bytes(b""),
    }
    for name in files:
        for kind, damage in damages.items():
            folder = tmp_path / "damaged"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(saved, folder)
            damage(folder / name)
            assert LexicalIndex.load(folder) is None, f"{name} {kind}: the damaged index was loaded"
    # Swapped between language groups: each file whole and valid, in the wrong place.
    folder = tmp_path / "swapped"
    shutil.copytree(saved, folder)
    (folder / "rows-0.npy").write_bytes((saved / "rows-1.npy").read_bytes())
    assert LexicalIndex.load(folder) is None, "rows of another language group"
    rebuilt = ensure_lexical_index(store, folder, key, records)
    assert rebuilt.search(query, None, 5) == want, "the rebuilt index scores as the original"
    assert LexicalIndex.load(folder) is not None, "and was saved in place of the damaged one"


def test_a_save_killed_half_way_leaves_a_folder_the_next_save_removes(small_store: Path, tmp_path: Path) -> None:
    """SIGKILL during LexicalIndex.save leaves its temporary folder; a later save clears it once it is old."""
    import time

    from kb.lexical import ensure_lexical_index

    store = Store(StoreConfig(path=small_store))
    key, records = _records(store)
    abandoned, recent = tmp_path / ".lexical-abandoned", tmp_path / ".lexical-in-progress"
    for folder in (abandoned, recent):
        folder.mkdir()
        (folder / "chunks.json").write_text("{")
    two_days_ago = time.time() - 2 * 86400
    os.utime(abandoned, (two_days_ago, two_days_ago))
    ensure_lexical_index(store, tmp_path / "lexical", key, records)
    assert not abandoned.exists(), "an abandoned save is removed"
    assert recent.exists(), "a save that may still be running in another process is left alone"


def test_a_lexical_index_copied_from_another_store_with_the_same_key_is_rebuilt(
    fixture_docs: Path, embedder: Embedder, tmp_path: Path
) -> None:
    """Same documents (so the same key), chunked otherwise: chunk ids are numbered per document, so the
    copied index even names this store's ids, for other texts. It must not be used."""
    from dataclasses import replace

    from ingest.chunk import ChunkConfig
    from ingest.config import IngestConfig
    from kb.analysis import analyze
    from kb.lexical import build_from_store, ensure_lexical_index

    first = Store(StoreConfig(path=tmp_path / "first"))
    other = Store(StoreConfig(path=tmp_path / "other"))
    law = fixture_docs / "ma" / "loi-poles.fr.pdf"  # articles long enough to be cut otherwise at 64 tokens
    ingest_paths([law], first, embedder)
    ingest_paths([law], other, embedder, replace(IngestConfig(), chunk=ChunkConfig(max_tokens=64)))
    key, records = _records(first)
    other_key, other_records = _records(other)
    assert key == other_key and first.chunks.get()["documents"] != other.chunks.get()["documents"]
    query = {"fr": analyze("cotisations des entreprises membres du pôle", "fr")}
    committed = {doc_id: str(meta["content_hash"]) for doc_id, meta in other_records.items()}
    want = build_from_store(other, key, committed).search(query, None, 5)
    copied = ensure_lexical_index(first, tmp_path / "first-lexical", key, records)
    assert copied.search(query, None, 5) != want, "the premise: the other store's index scores otherwise"
    shutil.copytree(tmp_path / "first-lexical", tmp_path / "other-lexical")
    index = ensure_lexical_index(other, tmp_path / "other-lexical", key, other_records)
    assert index.search(query, None, 5) == want, "the copied index was rebuilt from this store"


# --- the translation links saved beside the lexical index -----------------------------------


def _bad_links(links: dict[str, list[str]]) -> dict[str, object]:
    some, others = next(iter(links.items()))
    return {
        "a string, not a list": {**links, some: "".join(others)},
        "an unknown document": {**links, "xx/gone.pdf": [some]},
        "one-sided": {some: others},
        "a self link": {**links, some: [*others, some]},
        "a list, not a mapping": list(links),
    }


def test_damaged_or_foreign_translation_links_are_found_again(small_store: Path, tmp_path: Path) -> None:
    import json

    from kb.lexical import ensure_lexical_index
    from kb.translations import find_translations, load_or_find_translations

    store = Store(StoreConfig(path=small_store))
    key, records = _records(store)
    directory = tmp_path / "lexical"
    index = ensure_lexical_index(store, directory, key, records)
    # The fixture documents translate none of each other: declare two pairs.
    records["ma/loi-poles.fr.pdf"] = {**records["ma/loi-poles.fr.pdf"], "translation_of": "ma/evaluation.en.md"}
    records["tn/guide.fr.html"] = {**records["tn/guide.fr.html"], "translation_of": "tn/startups-gazette.ar"}
    want = find_translations(records, store, index)
    assert len(want) == 4
    path = tmp_path / "lexical.translations.json"
    assert load_or_find_translations(records, store, index, directory) == want and path.is_file()
    good = path.read_bytes()
    saved_links = json.loads(good)["links"]
    cases: dict[str, bytes] = {
        "truncated": good[: len(good) // 2],
        "garbage": os.urandom(len(good)),
        "emptied": b"",
        "not an object": b"[1, 2]",
    }
    cases.update({name: json.dumps({"key": key, "links": links}).encode() for name, links in _bad_links(saved_links).items()})
    for name, content in cases.items():
        path.write_bytes(content)
        assert load_or_find_translations(records, store, index, directory) == want, f"{name}: links found again"
        assert json.loads(path.read_bytes())["links"] == saved_links, f"{name}: and saved again"
    assert not list(tmp_path.glob(".lexical.translations.json-*")), "no temporary file left behind"


# --- Chroma's own files: check and repair --------------------------------------------------------
#
# Chroma saves its HNSW vector index to files only once a collection passes 1,000 vectors (below,
# it keeps the vectors in its SQLite log and rebuilds the index at start-up), so damage to the index
# files needs a store past that size: synthetic documents, written by Store.write_document, whose
# vectors are seeded in an embedding cache under the very keys ingest would use.

SYNTHETIC_DOCS = 21  # x 50 passages: past Chroma's 1,000-vector save threshold
PER_DOC = 50


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store of 1,050 passages with its HNSW index saved to files, and the cache folder holding its vectors."""
    import hashlib

    from ingest.records import Chunk, DocMeta, Document, Page
    from kb.rebuild import embed_text

    base = tmp_path_factory.mktemp("big")
    store = Store(StoreConfig(path=base / "store"))
    cache = EmbeddingCache(base / "cache" / "embeddings.sqlite")
    rng = np.random.default_rng(9)
    for d in range(SYNTHETIC_DOCS):
        doc_id = f"xx/report-{d:02d}.en.md"
        digest = hashlib.sha256(doc_id.encode()).hexdigest()
        meta = DocMeta(title=f"Synthetic report {d}", country="MA", doc_type="report", lang="en", year=2020)
        doc = Document(doc_id=doc_id, source=doc_id, content_hash=digest, meta=meta, pages=(Page(number=1, text="."),))
        chunks = [
            Chunk(
                f"{doc_id}#{digest[:12]}#{i:04d}", doc_id, i, 1, 1, f"Article {i}", "Part 1", "en", f"Passage {i} of report {d}."
            )
            for i in range(PER_DOC)
        ]
        vectors = rng.normal(size=(PER_DOC, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        stored = {"title": meta.title, "section": "Part 1"}
        cache.put_many({cache_key(embed_text(c.text, stored), "passage"): v for c, v in zip(chunks, vectors, strict=True)})
        store.write_document(doc, chunks, vectors, root=str(base / "no-such-folder"))
    cache.close()
    saved = [p for p in (base / "store").iterdir() if (p / "index_metadata.pickle").is_file()]
    assert len(saved) == 1, "the passages' HNSW index was saved to files"
    return base / "store", base / "cache"


def _segment(store: Path) -> Path:
    return next(p for p in store.iterdir() if (p / "index_metadata.pickle").is_file())


def _flip_middle(path: Path, length: int = 4096) -> None:
    with open(path, "r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        handle.write(b"\xff" * length)


# (file, damage, what chromadb 1.5 itself does when a reader opens the store (measured), what the check says)
CHROMA_DAMAGE = [
    ("header.bin", truncate_half, "SIGSEGV", "header.bin: 50 bytes, 100 expected"),
    ("header.bin", _flip_middle, "SIGFPE", "header.bin: values that do not fit together"),
    ("data_level0.bin", _flip_middle, "SIGSEGV", "the check died with SIGSEGV"),
    (
        "data_level0.bin",
        truncate_half,
        "InternalError: Error getting embedding",
        "data_level0.bin: 796100, 1592200 bytes expected",
    ),
    ("length.bin", garbage_header, "zero or garbage vectors, wrong neighbours", "length.bin: vector norms"),
    ("link_lists.bin", truncate_half, "nothing visible", "link_lists.bin: ends after"),
    ("index_metadata.pickle", truncate_half, "InternalError: Error deserializing pickle file", "Error deserializing pickle"),
    ("chroma.sqlite3", overwrite_page(40), "InternalError: database disk image is malformed", "chroma.sqlite3 is damaged"),
    ("chroma.sqlite3", truncate_half, "StoreUnavailableError: database disk image is malformed", "chroma.sqlite3 is damaged"),
    ("chroma.sqlite3", lambda p: p.unlink(), "an empty store, silently", "chroma.sqlite3 is missing"),
]


@pytest.mark.parametrize(("name", "damage", "chroma", "found"), CHROMA_DAMAGE, ids=[f"{c[0]} {c[2]}" for c in CHROMA_DAMAGE])
def test_the_check_names_each_kind_of_damage_and_survives_chromas_crashes(
    name: str, damage: Callable[[Path], None], chroma: str, found: str, big_store: tuple[Path, Path], tmp_path: Path
) -> None:
    from kb.health import check_store

    store = tmp_path / "store"
    shutil.copytree(big_store[0], store)
    damage(store / name if name == "chroma.sqlite3" else _segment(store) / name)
    health = check_store(StoreConfig(path=store))
    assert not health.ok, f"{name} ({chroma} in Chroma): not detected"
    assert found in health.message(), health.message()
    assert health.message().endswith(f"; run 'policykb check --repair --store {store}'") and "\n" not in health.message()


def test_healthy_stores_pass_the_quick_and_the_thorough_check(big_store: tuple[Path, Path], small_store: Path) -> None:
    from kb.health import check_store

    quick = check_store(StoreConfig(path=big_store[0]))
    assert quick.ok and (quick.documents, quick.chunks, quick.orphans) == (SYNTHETIC_DOCS, SYNTHETIC_DOCS * PER_DOC, 0), quick
    thorough = check_store(StoreConfig(path=small_store), thorough=True)
    assert thorough.ok and thorough.documents == 6 and thorough.orphans == 0, thorough.message()


def _store_contents(path: Path) -> tuple[dict[str, dict[str, object]], dict[str, tuple[str, dict[str, object], bytes]]]:
    store = Store(StoreConfig(path=path))
    docs = {doc_id: doc.metadata for doc_id, doc in store.stored_documents().items()}
    got = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    chunks = {
        chunk_id: (text, dict(meta), np.asarray(vector, dtype=np.float32).tobytes())
        for chunk_id, text, meta, vector in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
    }
    return docs, chunks


POLICYKB = str(Path(sys.executable).with_name("policykb"))


def test_serve_refuses_a_store_whose_vector_index_crashes_chroma_with_one_line(
    big_store: tuple[Path, Path], cli_env: dict[str, str], tmp_path: Path
) -> None:
    import subprocess

    from tests.chroma_server import free_port

    store = tmp_path / "store"
    shutil.copytree(big_store[0], store)
    _flip_middle(_segment(store) / "data_level0.bin")  # Chroma dies with SIGSEGV at its first read
    result = subprocess.run(
        [POLICYKB, "serve", "--store", str(store), "--port", str(free_port())],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().split("\n")[-1]
    # Where Chroma crashes depends on the graph its threads built: the step varies, the verdict does not.
    assert re.fullmatch(
        rf"policykb: {re.escape(str(store))}: the vector index is damaged \(the check died with SIGSEGV while [a-z ]+\); "
        rf"run 'policykb check --repair --store {re.escape(str(store))}'",
        last,
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_check_repair_rebuilds_a_crashing_store_from_its_log_and_the_embedding_cache(
    big_store: tuple[Path, Path], cli_env: dict[str, str], tmp_path: Path
) -> None:
    import subprocess

    pristine, cache = big_store
    store = tmp_path / "store"
    shutil.copytree(pristine, store)
    _flip_middle(_segment(store) / "data_level0.bin")
    damaged = (_segment(store) / "data_level0.bin").read_bytes()
    env = {**cli_env, "POLICYKB_CACHE_DIR": str(cache)}
    repaired = subprocess.run([POLICYKB, "check", "--repair", "--store", str(store)], env=env, capture_output=True, text=True)
    assert repaired.returncode == 0, repaired.stderr
    # The thorough check reads every row of data_level0.bin itself, so it names the damage before Chroma crashes on it.
    assert f"{store}: the vector index is damaged ({_segment(pristine).name}/data_level0.bin: " in repaired.stdout
    assert f"{SYNTHETIC_DOCS} documents from the store, 0 read again" in repaired.stdout
    assert "0 embedded again" in repaired.stdout, "every vector came from Chroma's log or the cache"
    (aside,) = tmp_path.glob("store.damaged-*")
    assert (_segment(aside) / "data_level0.bin").read_bytes() == damaged, "the damaged store is kept aside as it was"
    assert _store_contents(store) == _store_contents(pristine), "the rebuilt store holds exactly what the damaged one held"
    again = subprocess.run([POLICYKB, "check", "--store", str(store)], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.startswith(f"{store}: healthy ({SYNTHETIC_DOCS} documents"), again.stdout
    assert (store / "policykb_lexical" / "manifest.json").is_file(), "the lexical index was built for the new store"


def _overwrite_pages_holding(database: Path, text: str) -> int:
    """Overwrite every SQLite page that holds ``text`` (the passage's row, its log entry, its full-text copy)."""
    data = bytearray(database.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    needle = text.encode()
    pages = {start // size for start in _find_all(bytes(data), needle)}
    for page in pages:
        data[page * size : (page + 1) * size] = os.urandom(size)
    database.write_bytes(bytes(data))
    return len(pages)


def _find_all(data: bytes, needle: bytes) -> list[int]:
    found, start = [], data.find(needle)
    while start >= 0:
        found.append(start)
        start = data.find(needle, start + 1)
    return found


def test_repair_reads_a_document_again_from_its_file_and_reports_one_whose_file_is_gone(
    docs_copy: Path, embedder: Embedder, tmp_path: Path
) -> None:
    from kb.rebuild import repair_store

    pristine = tmp_path / "pristine"
    assert ingest_paths([docs_copy], Store(StoreConfig(path=pristine)), embedder).ok
    store = tmp_path / "store"
    shutil.copytree(pristine, store)
    kept, gone = "ma/evaluation.en.md", "tn/guide.fr.html"
    _, chunks = _store_contents(pristine)
    for doc_id in (kept, gone):
        text = next(t for t, m, _ in chunks.values() if m["doc_id"] == doc_id and m["index"] == 0)
        assert _overwrite_pages_holding(store / "chroma.sqlite3", text[-40:]) > 0
    (docs_copy / gone).unlink()
    embedded = embedder.passages_embedded
    report = repair_store(StoreConfig(path=store), embedder)
    assert kept in report.reread and report.lost == [f"{gone}: passages unreadable and its file {docs_copy / gone} is gone"]
    assert embedder.passages_embedded == embedded, "the file read again was embedded from the cache"
    assert report.health is not None and report.health.ok
    docs, chunks_now = _store_contents(store)
    want_docs, want_chunks = _store_contents(pristine)
    assert docs == {k: v for k, v in want_docs.items() if k != gone}
    assert chunks_now == {k: v for k, v in want_chunks.items() if v[1]["doc_id"] != gone}


def test_the_text_repair_embeds_is_the_text_ingest_embedded(small_store: Path, cache_dir: Path) -> None:
    """Every stored passage's reconstructed text is a key of the cache the ingest filled, with the stored vector."""
    from kb.rebuild import embed_text

    got = Store(StoreConfig(path=small_store)).chunks.get(include=["documents", "metadatas", "embeddings"])
    keys = [cache_key(embed_text(text, meta), "passage") for text, meta in zip(got["documents"], got["metadatas"], strict=True)]
    cache = EmbeddingCache(cache_dir / "embeddings.sqlite")
    try:
        cached = cache.get_many(keys)
    finally:
        cache.close()
    assert len(cached) == len(keys) and any(meta["section"] for meta in got["metadatas"]), "sections are part of the text"
    for key, vector in zip(keys, got["embeddings"], strict=True):
        # Chroma stores a cosine vector normalised, with its norm apart: it comes back within rounding.
        assert np.allclose(cached[key], np.asarray(vector, dtype=np.float32), atol=1e-6)
