"""The derived lexical index: built from Chroma, per language, saved atomically, rebuilt when stale."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb.analysis import analyze
from kb.embed import Embedder
from kb.lexical import ChunkRow, LexicalIndex, build_from_store, ensure_lexical_index, fingerprint, update_index
from kb.store import Store
from kb.sync import ingest_paths


def _committed(store: Store) -> tuple[str, dict[str, str], dict[str, dict[str, object]]]:
    records = {doc_id: doc.metadata for doc_id, doc in store.stored_documents().items()}
    committed = {doc_id: str(meta["content_hash"]) for doc_id, meta in records.items()}
    return fingerprint(committed), committed, records


def test_index_holds_every_committed_passage_grouped_by_language(shared_index: tuple[Store, object]) -> None:
    store = shared_index[0]
    key, committed, _ = _committed(store)
    index = build_from_store(store, key, committed)
    assert len(index) == store.chunk_count()
    assert set(index.groups) == {"ar", "fr", "en"}
    assert set(index.doc_ids) == set(committed)


def test_a_french_query_finds_the_french_article_by_its_words(shared_index: tuple[Store, object]) -> None:
    store = shared_index[0]
    key, committed, _ = _committed(store)
    index = build_from_store(store, key, committed)
    found = index.search({"fr": analyze("cotisations des membres du pôle", "fr")}, None, 3)["fr"]
    assert index.doc_ids[found[0][0]] == "ma/loi-poles.fr.pdf", "fr: the law on poles defines member contributions"


def test_save_and_load_give_the_same_scores(shared_index: tuple[Store, object], tmp_path: Path) -> None:
    store = shared_index[0]
    key, committed, _ = _committed(store)
    built = build_from_store(store, key, committed)
    built.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert loaded is not None and loaded.key == key and loaded.chunk_ids == built.chunk_ids
    query = {"ar": analyze("الإعفاءات الجمركية للشركات", "ar"), "en": analyze("survival of incubated start-ups", "en")}
    assert loaded.search(query, None, 5) == built.search(query, None, 5)


def test_a_damaged_index_is_rebuilt_not_trusted(shared_index: tuple[Store, object], tmp_path: Path) -> None:
    store = shared_index[0]
    key, _, records = _committed(store)
    directory = tmp_path / "lexical"
    ensure_lexical_index(store, directory, key, records)
    (directory / "chunks.json").write_text("{not json", encoding="utf-8")
    assert LexicalIndex.load(directory) is None
    rebuilt = ensure_lexical_index(store, directory, key, records)
    assert rebuilt.key == key and len(rebuilt) == store.chunk_count()
    assert LexicalIndex.load(directory) is not None, "the rebuilt index was saved again"


def test_after_an_ingest_only_new_passages_are_analysed(
    fixture_docs: Path, fresh_store: Store, embedder: Embedder, tmp_path: Path
) -> None:
    ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], fresh_store, embedder)
    directory = tmp_path / "lexical"
    first = update_index(fresh_store, directory)
    # Mark the known passages' tokens: a rebuild that reuses them keeps the mark.
    rows = [ChunkRow(first.chunk_ids[i], first.doc_ids[i], first.langs[i]) for i in range(len(first))]
    marked = LexicalIndex.build(first.key, rows, [["reused-token"] for _ in rows])
    ingest_paths([fixture_docs / "tn" / "guide.fr.html"], fresh_store, embedder)
    key, committed, _ = _committed(fresh_store)
    second = build_from_store(fresh_store, key, committed, previous=marked)
    tokens = second.tokens_by_chunk()
    assert all(tokens[chunk_id] == ["reused-token"] for chunk_id in first.chunk_ids)
    new = [chunk_id for chunk_id in second.chunk_ids if chunk_id not in first.position]
    assert new and all(tokens[chunk_id] != ["reused-token"] for chunk_id in new)
    assert update_index(fresh_store, directory).key == key != first.key


def test_chunks_of_an_interrupted_write_are_not_indexed(fixture_docs: Path, fresh_store: Store, embedder: Embedder) -> None:
    ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], fresh_store, embedder)
    doc_id = next(iter(fresh_store.stored_documents()))
    # What a crash between "add chunks" and "commit the record" leaves: chunks of an uncommitted hash.
    fresh_store.chunks.add(
        ids=[f"{doc_id}#deadbeef0000#0000"],
        embeddings=[np.ones(384, dtype=np.float32).tolist()],
        documents=["orphan passage about survival of incubated start-ups"],
        metadatas=[{"doc_id": doc_id, "doc_hash": "deadbeef", "lang": "en"}],
    )
    key, committed, _ = _committed(fresh_store)
    index = build_from_store(fresh_store, key, committed)
    assert f"{doc_id}#deadbeef0000#0000" not in index.position
    assert len(index) == fresh_store.chunk_count() - 1


def test_equal_scores_at_the_cut_keep_the_same_candidates_in_any_passage_order() -> None:
    """Two stores of the same documents may list their passages in another order: a tie across the
    candidate cut is decided by chunk id, not by position, so both keep the same candidates."""
    rows = [ChunkRow(f"doc{i}#{i}", f"doc{i}", "en") for i in range(40)]
    tokens = [analyze("cluster governance body funding", "en") if i % 2 else analyze("tax incentives", "en") for i in range(40)]
    query = {"en": analyze("cluster funding", "en")}
    found = []
    for order in (list(range(40)), list(reversed(range(40))), [i * 7 % 40 for i in range(40)]):
        index = LexicalIndex.build("k", [rows[i] for i in order], [tokens[i] for i in order])
        hits = index.search(query, None, 5)["en"]
        found.append([(index.chunk_ids[position], score) for position, score in hits])
    assert len(found[0]) == 5 and found[0] == found[1] == found[2]
    assert [chunk_id for chunk_id, _ in found[0]] == sorted(f"doc{i}#{i}" for i in range(1, 40, 2))[:5]
