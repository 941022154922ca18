"""Ingest into a real Chroma: idempotent, incremental, prunable, all-or-nothing, one writer."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ingest.errors import EncryptedDocumentError, InvalidMetadataError, NoTextError, UnsupportedFormatError
from ingest.sentences import split_sentences
from kb.config import EmbedConfig
from kb.embed import Embedder
from kb.errors import StoreLockedError
from kb.search import Searcher
from kb.store import Store, store_lock_path
from kb.sync import ingest_paths


def chunk_ids(store: Store) -> set[str]:
    return set(store.chunks.get(include=[])["ids"])


def test_shared_index_holds_every_fixture(shared_index: tuple[Store, object]) -> None:
    store, report = shared_index
    assert report.failed == [] and len(report.added) == 6  # type: ignore[attr-defined]
    docs = store.stored_documents()
    assert set(docs) == {
        "ma/loi-poles.fr.pdf",
        "eg/parcs-tech.ar.pdf",
        "tn/startups-gazette.ar.pdf",
        "eg/strategy.en.docx",
        "tn/guide.fr.html",
        "ma/evaluation.en.md",
    }
    assert docs["ma/loi-poles.fr.pdf"].metadata["pages"] == 3
    assert sum(int(d.metadata["chunks"]) for d in docs.values()) == store.chunk_count()


def test_second_ingest_changes_nothing_and_embeds_nothing(docs_copy: Path, fresh_store: Store, embedder: Embedder) -> None:
    first = ingest_paths([docs_copy], fresh_store, embedder)
    before = chunk_ids(fresh_store)
    embedded = embedder.passages_embedded
    second = ingest_paths([docs_copy], fresh_store, embedder)
    assert len(first.added) == 6 and second.added == [] and second.updated == []
    assert len(second.unchanged) == 6
    assert chunk_ids(fresh_store) == before, "re-ingest never duplicates"
    assert embedder.passages_embedded == embedded


def test_ingest_reads_the_quotable_sentences_ahead_into_the_cache(docs_copy: Path, fresh_store: Store, tmp_path: Path) -> None:
    embedder = Embedder(EmbedConfig(cache_path=tmp_path / "embeddings.sqlite"))  # a cache of its own: nothing in it yet
    ingest_paths([docs_copy], fresh_store, embedder)
    assert embedder.texts_read_ahead > 0
    got = fresh_store.chunks.get(include=["documents", "metadatas"])
    sentences = [
        s.text
        for text, meta in zip(got["documents"], got["metadatas"], strict=True)
        if not meta.get("lead")
        for s in split_sentences(text, (str(meta.get("section", "")), str(meta.get("article", ""))))
    ]
    assert len(sentences) > 10
    embedded = embedder.passages_embedded
    embedder.embed_passages(sentences)  # what an answer embeds (assistant.extract.by_meaning)
    assert embedder.passages_embedded == embedded, "every sentence an answer reads was embedded at ingest"
    no_cache = Embedder(EmbedConfig(cache_path=None))
    assert no_cache.read_ahead(sentences[:3]) == 0 and no_cache.texts_read_ahead == 0, "nowhere to keep them: nothing computed"
    embedder.close()


def test_changed_file_replaces_its_chunks_and_reuses_cached_embeddings(
    docs_copy: Path, fresh_store: Store, embedder: Embedder
) -> None:
    ingest_paths([docs_copy], fresh_store, embedder)
    note = docs_copy / "ma/evaluation.en.md"
    old_ids = {i for i in chunk_ids(fresh_store) if i.startswith("ma/evaluation.en.md#")}
    note.write_text(
        note.read_text(encoding="utf-8") + "\n## Recommendation\n\nA regional seed fund should co-invest with business angels.\n",
        encoding="utf-8",
    )
    embedded = embedder.passages_embedded
    report = ingest_paths([docs_copy], fresh_store, embedder)
    assert report.updated == ["ma/evaluation.en.md"] and len(report.unchanged) == 5
    new_ids = {i for i in chunk_ids(fresh_store) if i.startswith("ma/evaluation.en.md#")}
    assert new_ids and not (new_ids & old_ids), "old chunks replaced, none left behind"
    assert embedder.passages_embedded - embedded <= len(new_ids)
    hits = Searcher(fresh_store, embedder).search("seed fund co-investing with business angels", k=1)
    assert hits[0].doc_id == "ma/evaluation.en.md" and "seed fund" in hits[0].text


def test_prune_removes_documents_whose_files_are_gone(docs_copy: Path, fresh_store: Store, embedder: Embedder) -> None:
    ingest_paths([docs_copy], fresh_store, embedder)
    (docs_copy / "tn/guide.fr.html").unlink()
    kept = ingest_paths([docs_copy], fresh_store, embedder)
    assert "tn/guide.fr.html" in fresh_store.stored_documents() and kept.pruned == []
    pruned = ingest_paths([docs_copy], fresh_store, embedder, prune=True)
    assert pruned.pruned == ["tn/guide.fr.html"]
    assert "tn/guide.fr.html" not in fresh_store.stored_documents()
    assert not fresh_store.chunks.get(where={"doc_id": "tn/guide.fr.html"}, include=[])["ids"]


def test_bad_files_are_reported_one_by_one_and_the_rest_is_ingested(
    docs_copy: Path, realpdfs: Path, fresh_store: Store, embedder: Embedder
) -> None:
    bad = docs_copy / "bad"
    bad.mkdir()
    (bad / "locked.pdf").write_bytes((realpdfs / "bad_libreoffice_password.pdf").read_bytes())
    (bad / "notes.xyz").write_text("?")
    (bad / "typo.md").write_text("---\ncontry: MA\n---\n# Typo\n\nText.\n")
    (bad / "blank.txt").write_text("   \n")
    report = ingest_paths([docs_copy], fresh_store, embedder)
    kinds = sorted(type(e).__name__ for e in report.failed)
    assert kinds == sorted(
        [EncryptedDocumentError.__name__, UnsupportedFormatError.__name__, InvalidMetadataError.__name__, NoTextError.__name__]
    )
    assert all("\n" not in str(e) and str(e).startswith(str(bad)) for e in report.failed)
    assert len(report.added) == 6
    stored = fresh_store.stored_documents()
    assert not any(doc_id.startswith("bad/") for doc_id in stored), "nothing stored for a failed file"


def test_a_write_interrupted_before_its_commit_is_invisible_and_cleaned(
    fixture_docs: Path, fresh_store: Store, embedder: Embedder
) -> None:
    ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], fresh_store, embedder)
    searcher = Searcher(fresh_store, embedder)
    before = [h.chunk_id for h in searcher.search("incubated start-ups survival", k=3)]
    # What a crash between "add new chunks" and "commit the document row" leaves behind:
    vector = embedder.embed_passages(["Incubated start-ups survival rates and follow-on funding"])
    fresh_store.chunks.add(
        ids=["evaluation.en.md#ffffffffffff#0000"],
        embeddings=vector,
        documents=["half-written version"],
        metadatas=[{"doc_id": "evaluation.en.md", "doc_hash": "f" * 64, "page_start": 1, "page_end": 1}],
    )
    after = [h.chunk_id for h in Searcher(fresh_store, embedder).search("incubated start-ups survival", k=3)]
    assert after == before, "uncommitted chunks never reach search results"
    assert fresh_store.remove_orphans() == 1
    assert "evaluation.en.md#ffffffffffff#0000" not in chunk_ids(fresh_store)


def test_chroma_writes_respect_its_max_batch_size(fixture_docs: Path, fresh_store: Store, embedder: Embedder) -> None:
    fresh_store.max_batch = 2  # smaller than any document's chunk count: forces several batches
    report = ingest_paths([fixture_docs / "ma" / "loi-poles.fr.pdf"], fresh_store, embedder)
    stored = fresh_store.stored_documents()["loi-poles.fr.pdf"]
    assert report.chunks_written == stored.metadata["chunks"] == fresh_store.chunk_count() > 2


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(
    fresh_store: Store, fixture_docs: Path, embedder: Embedder
) -> None:
    lock = store_lock_path(fresh_store.config)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from kb.lock import writer_lock
            with writer_lock({lock!r}):
                print("locked", flush=True)
                time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLockedError, match=rf"the store is being written by pid {holder.pid}; wait"):
            ingest_paths([fixture_docs], fresh_store, embedder)
    finally:
        holder.kill()
        holder.communicate()  # waits, and closes the pipe (left open, it is a ResourceWarning)
    # The kernel released the dead holder's lock: the next writer goes ahead.
    assert ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], fresh_store, embedder).ok


def test_metadata_is_stored_for_citation(shared_index: tuple[Store, object]) -> None:
    store, _ = shared_index
    meta = store.stored_documents()["ma/loi-poles.fr.pdf"].metadata
    assert meta["country"] == "MA" and meta["doc_type"] == "law" and meta["year"] == 2010
    assert meta["official_source"] == "Test fixture" and meta["parser"].startswith("pypdf")
    got = store.chunks.get(where={"doc_id": "ma/loi-poles.fr.pdf"}, include=["metadatas", "embeddings"])
    assert all(m["page_start"] >= 1 and m["lang"] == "fr" for m in got["metadatas"])
    vectors = np.asarray(got["embeddings"])
    assert vectors.shape[1] == 384 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert json.dumps(meta)  # plain JSON-serialisable values only


def test_a_store_from_an_older_parser_is_parsed_again_without_embedding_unchanged_text(
    docs_copy: Path, fresh_store: Store, embedder: Embedder
) -> None:
    from ingest.load import INGEST_VERSION

    ingest_paths([docs_copy], fresh_store, embedder)
    stored = fresh_store.stored_documents()
    assert {d.metadata["ingest_version"] for d in stored.values()} == {INGEST_VERSION}
    # The records as an older ingest wrote them: its version went into every content hash (ingest.load).
    older = {
        doc_id: {**d.metadata, "content_hash": "older-" + d.content_hash, "ingest_version": "2"} for doc_id, d in stored.items()
    }
    fresh_store.documents.update(ids=list(older), metadatas=list(older.values()))
    embedded = embedder.passages_embedded
    report = ingest_paths([docs_copy], fresh_store, embedder)
    assert sorted(report.updated) == sorted(stored) and report.unchanged == [], "every file parsed again"
    assert {d.metadata["ingest_version"] for d in fresh_store.stored_documents().values()} == {INGEST_VERSION}
    assert embedder.passages_embedded == embedded, "text that did not change is not embedded again"
    orders = {d.metadata["orders"] for doc_id, d in fresh_store.stored_documents().items() if doc_id.endswith(".ar.pdf")}
    assert orders == {"glyphs"}, "ar: Arabic PDF pages put in order by glyph positions"
