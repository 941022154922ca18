"""The section of BENCHMARKS.md that compares ours with the stock llama-index hybrid."""

from __future__ import annotations

from typing import Any

from eval.dense_gap import GapRow
from eval.dense_gap import render as render_gap
from eval.markdown import table


def baseline_section(report: dict[str, Any]) -> list[str]:
    return _quality(report) + ["", *_synthetic(report)]


def _quality(report: dict[str, Any]) -> list[str]:
    gold, config = report["baseline_llamaindex"]["gold"], report["config"]["baseline"]
    ours, theirs = gold["ours"], gold["llamaindex"]
    return [
        "## Against the stock llama-index hybrid",
        "",
        "What a user would assemble instead (`eval/baseline.py`): `QueryFusionRetriever` (`num_queries=1`, no LLM) over "
        "`VectorStoreIndex.from_vector_store(ChromaVectorStore)` and `BM25Retriever.from_defaults` (its default English "
        f"stemmer and stopwords), {config['candidates']} candidates each and {config['top_k']} fused, the same embedding "
        "model, the same chunks and vectors in a collection of its own. Passages are rolled up to documents (best "
        "passage per document).",
        "",
        f"On `{gold['dataset']}` ({gold['queries']} judged queries, {gold['documents']} documents, {gold['chunks']} chunks): "
        "nDCG@10 from `eval.harness`, and the latency of one retrieval of 10 documents, ours and theirs alternating "
        "query by query:",
        "",
        *table(
            ["system", "nDCG@10", "cross-lingual nDCG@10", "p50 ms", "p95 ms"],
            [
                [
                    "policykb hybrid (`Searcher.search_documents`)",
                    ours["ndcg_at_10"],
                    ours["cross_lingual_ndcg_at_10"],
                    ours["p50_ms"],
                    ours["p95_ms"],
                ],
                [
                    "llama-index, `reciprocal_rerank`",
                    theirs["ndcg_at_10"],
                    theirs["cross_lingual_ndcg_at_10"],
                    theirs["p50_ms"],
                    theirs["p95_ms"],
                ],
                ["llama-index, `relative_score`", theirs["ndcg_at_10_relative_score"], "", "", ""],
            ],
        ),
        "",
        "Each side alone (nDCG@10): ours dense "
        f"{ours['ndcg_at_10_dense_only']}, ours lexical {ours['ndcg_at_10_lexical_only']}; llama-index vector "
        f"{theirs['ndcg_at_10_vector_only']}, llama-index BM25 {theirs['ndcg_at_10_bm25_only']}. Passages, vectors and "
        "candidate counts are the same, so the dense gap comes from how kb.search scores documents (below); the "
        "lexical gap from per-language analysis against one English stemmer.",
        *_dense_gap(gold),
    ]


def _dense_gap(gold: dict[str, Any]) -> list[str]:
    """The decomposition of the dense gap (eval.dense_gap), when the run measured it."""
    rows = [GapRow(**row) for row in gold.get("dense_gap", ())]
    if not rows:
        return []
    return [
        "",
        "Where the dense gap comes from (`eval/dense_gap.py`): the stock vector retriever against our dense mode with "
        "its scoring choices off (*plain*: documents by their best passage's cosine, as the stock retriever ranks "
        "them), then each choice added to plain alone and taken from the shipped dense mode alone; and set-up "
        "differences that would make the comparison unfair (the query embedded as an e5 `passage:`, fewer "
        "candidates, exact cosine instead of HNSW). *top 10 as plain*: the share of queries whose ten first "
        "documents are plain dense's, in order.",
        "",
        *render_gap(rows),
    ]


def _synthetic(report: dict[str, Any]) -> list[str]:
    base, search = report["baseline_llamaindex"], report["search"]
    lines = [
        "On the synthetic stores (unfiltered; the stock BM25Retriever takes its filters when it is built, not per query):",
        "",
    ]
    rows = [
        [
            f"{int(size):,}",
            search[size]["p50_ms"],
            search[size]["p95_ms"],
            r["p50_ms"],
            r["p95_ms"],
            r["build_s"],
            r["peak_rss_mb"],
        ]
        for size, r in base["search"].items()
    ]
    return lines + table(
        [
            "chunks",
            "ours p50 ms",
            "ours p95 ms",
            "llama-index p50 ms",
            "llama-index p95 ms",
            "llama-index build s",
            "llama-index peak RSS MiB",
        ],
        rows,
    )
