"""Retrieval quality on the gold set (thresholds, not timings), through the evaluation harness.

The store is the session's ingest of the whole sample corpus; the queries and judgements are
eval/gold. The thresholds are the product's: hybrid nDCG@10 >= 0.80 and Recall@10 >= 0.90; on
cross-lingual queries hybrid within 0.01 of dense; on same-language queries hybrid above both.
"""

from __future__ import annotations

from typing import Any

import pytest

from eval.beir import load_dataset
from eval.harness import run_evaluation, store_languages
from kb.config import RetrievalConfig
from kb.embed import Embedder
from kb.search import Searcher
from kb.store import Store


@pytest.fixture(scope="module")
def gold_report(corpus_index: tuple[Store, object], embedder: Embedder) -> dict[str, Any]:
    store = corpus_index[0]
    searcher = Searcher(store, embedder, RetrievalConfig())

    def retrieve(text: str, mode: str, k: int) -> list[tuple[str, float]]:
        return [(hit.doc_id, hit.score) for hit in searcher.search_documents(text, k=k, mode=mode)]  # type: ignore[arg-type]

    return run_evaluation(load_dataset(None), retrieve, doc_langs=store_languages(store)).summary


def test_hybrid_meets_the_quality_thresholds(gold_report: dict[str, Any]) -> None:
    overall = gold_report["modes"]["hybrid"]["overall"]
    assert overall["ndcg@10"] >= 0.80, f"hybrid nDCG@10 {overall['ndcg@10']:.3f}"
    assert overall["recall@10"] >= 0.90, f"hybrid Recall@10 {overall['recall@10']:.3f}"


def test_hybrid_is_not_worse_than_dense_across_languages(gold_report: dict[str, Any]) -> None:
    modes = gold_report["modes"]
    hybrid, dense = modes["hybrid"]["by_crossing"]["cross"]["ndcg@10"], modes["dense"]["by_crossing"]["cross"]["ndcg@10"]
    assert hybrid >= dense - 0.01, f"cross-lingual nDCG@10: hybrid {hybrid:.3f} vs dense {dense:.3f}"


def test_hybrid_beats_both_modes_within_a_language(gold_report: dict[str, Any]) -> None:
    modes = gold_report["modes"]
    same = {mode: modes[mode]["by_crossing"]["same"]["ndcg@10"] for mode in ("dense", "lexical", "hybrid")}
    assert same["hybrid"] > same["dense"] and same["hybrid"] > same["lexical"], f"same-language nDCG@10: {same}"


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_every_query_language_is_served(gold_report: dict[str, Any], lang: str) -> None:
    by_lang = gold_report["modes"]["hybrid"]["by_lang"][lang]
    assert by_lang["ndcg@10"] >= 0.75, f"hybrid nDCG@10 for {lang} queries: {by_lang['ndcg@10']:.3f}"
