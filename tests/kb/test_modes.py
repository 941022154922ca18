"""The embedded store and a real Chroma server give the same results: rankings, answers and metrics.

Both hold the whole sample corpus, ingested by the same code (tests/conftest.py); every gold query
is searched in every mode against both, and the assistant answers a multilingual set of questions
from both. The embeddings are the same float32 vectors on both sides (from the embedding cache) and
distances are read back as the same float32 values, so lexical rankings are identical.

Dense candidates come from Chroma's HNSW index, which is approximate with its default search breadth:
two builds of the same vectors (two embedded ingests as much as embedded and server) return slightly
different top 300s for about a third of the queries, and min-max normalisation then lets such a
difference far down the list swap two near-tied passages at the top (a hybrid ranking differed once
in a fresh-clone run). hnswlib guarantees exactness only when its candidate list can hold every
vector: it stops early once ef entries are found, so with ef above the collection's size it visits
every vector. The dense, hybrid, filtered, answer and metric comparisons therefore run on a pair of
stores restored from one backup with ``StoreConfig.ef_search`` above the passage count, where both
sides are exact and must agree bit for bit wherever Chroma returns them the same candidates; the
session's default stores are compared where HNSW plays no part (records, stats, lexical rankings).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from assistant import answer
from eval.beir import load_dataset
from eval.harness import run_evaluation, store_languages
from kb.backup import export_store, restore_store
from kb.config import MODES, RetrievalConfig, StoreConfig
from kb.embed import Embedder
from kb.search import Filters, Searcher
from kb.stats import collect_stats
from kb.store import Store
from kb.sync import IngestReport

pytestmark = pytest.mark.server

ARTIFACTS = Path(os.environ.get("POLICYKB_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts")

QUESTIONS: list[tuple[str, Filters]] = [
    ("How do Morocco and Tunisia fund cluster governance bodies?", Filters()),
    ("Quelles incitations la Tunisie accorde-t-elle aux pôles de compétitivité ?", Filters()),
    ("ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟", Filters()),
    ("Which countries of the region give tax incentives to investors?", Filters()),
    ("gouvernance des pôles", Filters(countries=("MA",))),
    ("حوافز الاستثمار", Filters(langs=("ar",))),
    ("small enterprise development", Filters(countries=("EG", "JO"), year_min=2015)),
]


@pytest.fixture(scope="module")
def searchers(
    corpus_index_embedded: tuple[Store, IngestReport], corpus_index_server: tuple[Store, IngestReport], embedder: Embedder
) -> dict[str, Searcher]:
    """The session's two corpus stores, with Chroma's default (approximate) search."""
    return {
        "embedded": Searcher(corpus_index_embedded[0], embedder, RetrievalConfig()),
        "server": Searcher(corpus_index_server[0], embedder, RetrievalConfig()),
    }


@pytest.fixture(scope="module")
def exact(
    corpus_index_embedded: tuple[Store, IngestReport],
    session_chroma_url: str,
    embedder: Embedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Searcher]:
    """The same corpus restored from one backup into an embedded store and a server store whose HNSW
    search is exhaustive (ef_search above the passage count), so neither side approximates."""
    source = corpus_index_embedded[0]
    backup = tmp_path_factory.mktemp("modes-backup") / "kb"
    export_store(source, backup)
    ef = 2 * source.chunk_count() + 100
    stores = {
        "embedded": Store(StoreConfig(path=tmp_path_factory.mktemp("modes-exact") / "store", ef_search=ef)),
        "server": Store(StoreConfig(chroma_url=session_chroma_url, collection_prefix="exact", ef_search=ef)),
    }
    for store in stores.values():
        restore_store(backup, store)
        assert store.chunks.configuration_json["hnsw"]["ef_search"] == ef
    return {side: Searcher(store, embedder, RetrievalConfig()) for side, store in stores.items()}


def test_both_stores_hold_the_same_corpus(searchers: dict[str, Searcher]) -> None:
    embedded, server = (collect_stats(searchers[mode].store) for mode in ("embedded", "server"))
    assert embedded == server and embedded["documents"] > 0
    records = {mode: searchers[mode].store.committed_hashes() for mode in searchers}
    assert records["embedded"] == records["server"]


def _ranking(searcher: Searcher, text: str, mode: str, filters: Filters = Filters()) -> list[tuple[str, float]]:
    return [(hit.chunk_id, hit.score) for hit in searcher.search(text, k=10, filters=filters, mode=mode)]  # type: ignore[arg-type]


def test_lexical_rankings_are_identical_on_every_gold_query(searchers: dict[str, Searcher]) -> None:
    differences = [
        query.query_id
        for query in load_dataset(None).queries
        if _ranking(searchers["embedded"], query.text, "lexical") != _ranking(searchers["server"], query.text, "lexical")
    ]
    assert not differences, f"lexical rankings differ for {differences[:10]}"


# Even with ef above the passage count, the two stores' dense candidates are Chroma's to give: a
# passage the HNSW graph cannot reach from its entry point in one build, or a batch still searched by
# brute force in one store and by the graph in the other (float32 sums in another order), changes
# them. Rankings are a pure function of the candidates, the lexical index (compared above) and the
# records, so they must be identical wherever the candidates are; the queries where Chroma itself
# gave different candidates are counted, and may be at most this share (a hybrid ranking differed
# once in six fresh-clone runs while the top-10 dense ranking did not).
CHROMA_DIFFERENCES = 0.01


def _candidates(searcher: Searcher, text: str) -> list[tuple[str, float]]:
    vector = searcher.embedder.embed_query(text)
    return searcher.store.nearest(vector, RetrievalConfig().dense_candidates, None)


@pytest.fixture(scope="module")
def chroma_differs(exact: dict[str, Searcher]) -> set[str]:
    """Gold queries for which the two exact stores return different dense candidates."""
    queries = load_dataset(None).queries
    differs = {q.query_id for q in queries if _candidates(exact["embedded"], q.text) != _candidates(exact["server"], q.text)}
    # Kept for the record (a fresh-clone run reports it): how often Chroma itself disagreed.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "modes-chroma-differences.txt").write_text(
        f"{len(differs)} of {len(queries)} gold queries: {' '.join(sorted(differs))}\n", encoding="utf-8"
    )
    return differs


def test_chroma_gives_both_stores_the_same_dense_candidates(chroma_differs: set[str]) -> None:
    total = len(load_dataset(None).queries)
    assert len(chroma_differs) <= CHROMA_DIFFERENCES * total, (
        f"dense candidates differ for {sorted(chroma_differs)[:10]} of {total}"
    )


def test_dense_and_hybrid_rankings_are_identical_when_search_is_exact(
    exact: dict[str, Searcher], chroma_differs: set[str]
) -> None:
    queries = load_dataset(None).queries
    for mode in ("dense", "hybrid"):
        differences = [
            query.query_id
            for query in queries
            if query.query_id not in chroma_differs
            and (
                _ranking(exact["embedded"], query.text, mode) != _ranking(exact["server"], query.text, mode)
                or _documents(exact["embedded"], query.text, mode) != _documents(exact["server"], query.text, mode)
            )
        ]
        assert not differences, (
            f"{mode}: rankings differ for {differences[:10]} of {len(queries)} queries with the same candidates"
        )


def _documents(searcher: Searcher, text: str, mode: str) -> list[tuple[str, float]]:
    return [(hit.doc_id, hit.score) for hit in searcher.search_documents(text, k=10, mode=mode)]  # type: ignore[arg-type]


def test_filtered_searches_rank_the_same(exact: dict[str, Searcher]) -> None:
    for text, filters in QUESTIONS:
        for mode in MODES:
            embedded, server = (_ranking(exact[side], text, mode, filters) for side in ("embedded", "server"))
            assert embedded == server, f"{text!r} {filters} ({mode})"


def test_the_assistant_gives_the_same_answers(exact: dict[str, Searcher]) -> None:
    for text, filters in QUESTIONS:
        embedded, server = (answer(exact[side], text, filters=filters).as_json() for side in ("embedded", "server"))
        for result in (embedded, server):
            result.pop("seconds", None)  # timing, not content
        assert embedded == server, text


def test_the_evaluation_gives_the_same_metrics(exact: dict[str, Searcher], chroma_differs: set[str]) -> None:
    dataset = load_dataset(None)
    summaries: dict[str, dict[str, Any]] = {}
    for side, searcher in exact.items():

        def retrieve(text: str, mode: str, k: int, searcher: Searcher = searcher) -> list[tuple[str, float]]:
            return [(hit.doc_id, hit.score) for hit in searcher.search_documents(text, k=k, mode=mode)]  # type: ignore[arg-type]

        summaries[side] = run_evaluation(dataset, retrieve, doc_langs=store_languages(searcher.store)).summary
    for mode in MODES:
        embedded, server = (summaries[side]["modes"][mode]["overall"] for side in ("embedded", "server"))
        # Exact unless Chroma gave different candidates (CHROMA_DIFFERENCES): one query of 260 moves an
        # average by well under 0.005.
        assert embedded == (server if mode == "lexical" or not chroma_differs else pytest.approx(server, abs=0.005)), mode


def test_the_fixture_store_is_searched_exhaustively(shared_index_embedded: tuple[Store, IngestReport]) -> None:
    """Other tests compare rankings across two builds of the fixture documents (backup and restore,
    crash recovery, embedded against server) id by id. That is exact only because every dense search
    asks for RetrievalConfig.dense_candidates passages, Chroma searches with ef = max(ef_search, k),
    and the fixture store holds fewer passages than that, so hnswlib visits all of them. Past that
    size those comparisons would need the exact stores used above."""
    assert shared_index_embedded[0].chunk_count() <= RetrievalConfig().dense_candidates
