"""Warm in-process search latency on a store, with a narrow and a broad filter, and where a search spends its time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eval.bench.machine import peak_rss_mb, rss_mb
from eval.bench.runner import latency
from eval.bench.workload import QUERIES, search_cases, warm_searcher
from kb.config import EmbedConfig, StoreConfig
from kb.timing import StageTimes

# The Searcher's stage timers a search passes through (kb.search.Searcher's docstring).
SEARCH_STAGES = ("embed_query", "chroma_nearest", "bm25", "chroma_get_passages")


def search_child(store: StoreConfig, index_dir: Path, embed: EmbedConfig, rounds: int) -> dict[str, Any]:
    """Latency of Searcher.search (k=10), the three filter cases interleaved so that noise hits them alike.

    ``store`` is the embedded store or, with ``chroma_url``, the same folder served by ``chroma run``.

    Also where an unfiltered and a narrow-filtered search spend their time (mean ms per search), from
    the searcher's stage timers: the query embedding, the Chroma calls and the BM25 scoring.
    """
    stages = StageTimes()
    searcher = warm_searcher(store, index_dir, embed, stages)
    start = time.perf_counter()
    searcher.search(QUERIES[0], k=10)  # builds the lexical index from Chroma (and saves it to index_dir)
    first = time.perf_counter() - start
    cases = search_cases()
    for filters in cases.values():
        for query in QUERIES:
            searcher.search(query, k=10, filters=filters)  # warm: per-query analysis caches, filter masks
    samples: dict[str, list[float]] = {prefix: [] for prefix in cases}
    parts: dict[str, dict[str, float]] = {prefix: dict.fromkeys(SEARCH_STAGES, 0.0) for prefix in cases}
    for _ in range(rounds):
        for query in QUERIES:
            for prefix, filters in cases.items():
                before = dict(stages.seconds)
                begin = time.perf_counter()
                searcher.search(query, k=10, filters=filters)
                samples[prefix].append((time.perf_counter() - begin) * 1000)
                for name in SEARCH_STAGES:
                    parts[prefix][name] += stages.seconds.get(name, 0.0) - before.get(name, 0.0)
    result: dict[str, Any] = {}
    for prefix, values in samples.items():
        result[f"{prefix}p50_ms"], result[f"{prefix}p95_ms"] = latency(values)
    for prefix in ("", "filtered_"):
        result[f"{prefix}parts_ms"] = _mean_parts(parts[prefix], samples[prefix])
    result["first_query_s"] = round(first, 2)
    result["peak_rss_mb"] = peak_rss_mb()
    result["rss_mb"] = rss_mb()  # after the searches: model, lexical index (and an embedded Chroma) held
    result["chunks"] = searcher.store.chunk_count()
    return result


def _mean_parts(seconds: dict[str, float], samples_ms: list[float]) -> dict[str, float]:
    """Mean ms per search in each stage, and the rest as ``other``."""
    spent = {name: 1000 * value / len(samples_ms) for name, value in seconds.items()}
    spent["other"] = sum(samples_ms) / len(samples_ms) - sum(spent.values())
    return {name: round(value, 2) for name, value in spent.items()}
