"""The stock llama-index hybrid retrieves from our passages with our model, offline, without an LLM."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from llama_index.core import Settings

from eval.baseline import COLLECTION, BaselineConfig, LlamaIndexHybrid, _refusing_llm
from kb.embed import Embedder
from kb.store import Store
from kb.sync import ingest_paths


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"the baseline tried to use the network: {args[:2]}")


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name lookups and connections fail for the duration of the test (everything here is in-process)."""
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    monkeypatch.setattr(socket.socket, "connect", _no_network)


@pytest.fixture()
def store(fresh_store: Store, fixture_docs: Path, embedder: Embedder) -> Store:
    """The fixture documents in a store of this test's own (embeddings come from the session cache)."""
    ingest_paths([fixture_docs], fresh_store, embedder)
    return fresh_store


def test_baseline_returns_stored_document_ids_without_llm_or_global_models(
    store: Store, embedder: Embedder, offline: None
) -> None:
    assert Settings._llm is None and Settings._embed_model is None, "precondition: llama-index's globals are unset"
    baseline = LlamaIndexHybrid.from_store(store, embedder, BaselineConfig(candidates=20, top_k=20))
    stored = set(store.stored_documents())
    for query, lang in (
        ("customs exemptions for companies located in technology parks", "en"),
        ("congé pour créer sa start-up", "fr"),
        ("تمويل ميزانية تسيير هيئة حوكمة القطب", "ar"),
    ):
        for mode in ("reciprocal_rerank", "relative_score"):
            docs = baseline.with_mode(mode).retrieve_documents(query, k=3)
            assert docs and len(docs) <= 3 and len(set(docs)) == len(docs), f"{lang} query, {mode}"
            assert set(docs) <= stored, f"{lang} query, {mode}: unknown ids {set(docs) - stored}"
    # Neither the fusion retriever nor the index resolved a default model through the global Settings.
    assert Settings._llm is None and Settings._embed_model is None and Settings._transformations is None


def test_an_english_question_finds_the_english_strategy_first(store: Store, embedder: Embedder, offline: None) -> None:
    baseline = LlamaIndexHybrid.from_store(store, embedder)
    assert baseline.retrieve_documents("credit lines from commercial banks for micro enterprises", k=1) == [
        "eg/strategy.en.docx"
    ], "en->en"


def test_the_llm_it_is_given_refuses_to_run() -> None:
    with pytest.raises(RuntimeError, match="must not call an LLM"):
        _refusing_llm().complete("generate queries")


def test_the_collection_is_filled_once_and_then_reused(store: Store, embedder: Embedder) -> None:
    LlamaIndexHybrid.from_store(store, embedder)
    first = store.client.get_collection(COLLECTION)
    LlamaIndexHybrid.from_store(store, embedder)
    again = store.client.get_collection(COLLECTION)
    assert again.id == first.id and again.count() == store.chunk_count()
    assert store.chunks.count() == again.count(), "the store's own collection is untouched"


def test_the_stock_vector_ranking_is_our_plain_dense_ranking_document_by_document(store: Store, embedder: Embedder) -> None:
    """The fair baseline: over the same vectors, llama-index's vector retriever and our dense mode with its
    scoring choices off (eval.dense_gap.plain) rank the same documents in the same order."""
    from eval.dense_gap import plain
    from kb.config import RetrievalConfig
    from kb.search import Searcher

    baseline = LlamaIndexHybrid.from_store(store, embedder)
    ours = Searcher(store, embedder, plain(RetrievalConfig()))
    for query, pair in (
        ("customs exemptions for companies located in technology parks", "en"),
        ("congé pour créer sa start-up", "fr"),
        ("تمويل ميزانية تسيير هيئة حوكمة القطب", "ar"),
        ("How does Morocco define a small enterprise?", "en, names a country"),
        ("financement des pôles de compétitivité en Tunisie", "fr, names a country"),
    ):
        theirs = baseline.retrieve_documents(query, k=10, part="vector")
        mine = [hit.doc_id for hit in ours.search_documents(query, k=10, mode="dense")]
        assert theirs == mine, f"{pair} query: stock {theirs} != plain dense {mine}"
        assert len(mine) == len(set(store.stored_documents())), f"{pair} query: every document is ranked"
