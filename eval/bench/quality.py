"""Ours and the stock llama-index hybrid on the ingested dataset: nDCG@10 by mode, and latency at k=10."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.beir import Dataset
from eval.bench.runner import latency
from eval.bench.workload import lexical_dir
from eval.dense_gap import measure_gap
from kb.config import EmbedConfig, RetrievalConfig, StoreConfig
from kb.store import Store

if TYPE_CHECKING:
    from eval.baseline import LlamaIndexHybrid, Part
    from kb.search import Searcher


def quality_child(dataset: Dataset, store_path: Path, embed: EmbedConfig) -> dict[str, Any]:
    """nDCG@10 (eval.harness) and latency at k=10 of ours and of the baseline, on the ingested dataset."""
    from eval.baseline import LlamaIndexHybrid
    from eval.harness import evaluate, store_languages
    from kb.embed import Embedder
    from kb.search import Searcher

    store = Store(StoreConfig(path=store_path))
    embedder = Embedder(replace(embed, cache_path=None))
    embedder.embed_query("warm up")
    ours = Searcher(store, embedder, RetrievalConfig(index_dir=lexical_dir(store_path)))
    start = time.perf_counter()
    baseline = LlamaIndexHybrid.from_store(store, embedder)
    build = time.perf_counter() - start
    theirs = _their_modes(baseline)

    def retrieve(text: str, mode: str, depth: int) -> list[tuple[str, float]]:
        if mode in theirs:
            system, part = theirs[mode]
            ranked = system.retrieve_documents(text, depth, part)
            return [(doc_id, 1.0 / rank) for rank, doc_id in enumerate(ranked, start=1)]
        return [(hit.doc_id, hit.score) for hit in ours.search_documents(text, k=depth, mode=mode)]  # type: ignore[arg-type]

    doc_langs = store_languages(store)
    summary = evaluate(dataset, retrieve, ("hybrid", "dense", "lexical", *theirs), k=10, doc_langs=doc_langs)
    timed = _latencies(dataset, ours, baseline)
    found = {"dataset": dataset.name, "queries": summary["evaluated"], "documents": len(doc_langs), "chunks": store.chunk_count()}
    scores = _scores(summary, timed)
    scores["llamaindex"]["build_s"] = round(build, 2)
    # Where the dense gap between their vector side and our dense mode comes from (eval.dense_gap).
    gap = [row._asdict() for row in measure_gap(dataset, store, embedder, doc_langs)]
    return {**found, **scores, "dense_gap": gap}


def _their_modes(baseline: LlamaIndexHybrid) -> dict[str, tuple[LlamaIndexHybrid, Part]]:
    """The baseline's rankings by mode name: both fusions, and each retriever alone."""
    return {
        "reciprocal_rerank": (baseline, "fusion"),
        "relative_score": (baseline.with_mode("relative_score"), "fusion"),
        "vector_only": (baseline, "vector"),
        "bm25_only": (baseline, "bm25"),
    }


def _latencies(dataset: Dataset, ours: Searcher, baseline: LlamaIndexHybrid) -> dict[str, tuple[float, float]]:
    """p50 and p95 ms of a retrieval of 10 documents, as served, ours and the baseline alternating query by query."""
    samples: dict[str, list[float]] = {"ours": [], "llamaindex": []}
    for query in dataset.judged_queries():
        for name, run in (("ours", lambda q: ours.search_documents(q, k=10)), ("llamaindex", baseline.retrieve_documents)):
            begin = time.perf_counter()
            run(query.text)
            samples[name].append((time.perf_counter() - begin) * 1000)
    return {name: latency(values) for name, values in samples.items()}


def _scores(summary: dict[str, Any], timed: dict[str, tuple[float, float]]) -> dict[str, Any]:
    ndcg = {mode: out["overall"]["ndcg@10"] for mode, out in summary["modes"].items()}
    cross = {mode: out["by_crossing"].get("cross", {}).get("ndcg@10") for mode, out in summary["modes"].items()}
    return {
        "llamaindex": {
            "ndcg_at_10": ndcg["reciprocal_rerank"],
            "ndcg_at_10_relative_score": ndcg["relative_score"],
            "ndcg_at_10_vector_only": ndcg["vector_only"],
            "ndcg_at_10_bm25_only": ndcg["bm25_only"],
            "cross_lingual_ndcg_at_10": cross["reciprocal_rerank"],
            "p50_ms": timed["llamaindex"][0],
            "p95_ms": timed["llamaindex"][1],
        },
        "ours": {
            "ndcg_at_10": ndcg["hybrid"],
            "ndcg_at_10_dense_only": ndcg["dense"],
            "ndcg_at_10_lexical_only": ndcg["lexical"],
            "cross_lingual_ndcg_at_10": cross["hybrid"],
            "p50_ms": timed["ours"][0],
            "p95_ms": timed["ours"][1],
        },
    }
