"""The stock llama-index hybrid (eval/baseline.py) on the synthetic stores: filling its collection, its latency."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.bench.machine import peak_rss_mb
from eval.bench.runner import latency
from eval.bench.workload import QUERIES
from kb.config import EmbedConfig, StoreConfig
from kb.store import Store


def baseline_fill_child(store_path: Path) -> float:
    from eval.baseline import COLLECTION, ensure_collection, store_nodes

    store = Store(StoreConfig(path=store_path))
    start = time.perf_counter()
    ensure_collection(store, COLLECTION, store_nodes(store))
    return round(time.perf_counter() - start, 1)


def baseline_search_child(store_path: Path, embed: EmbedConfig, rounds: int) -> dict[str, Any]:
    """Latency of the llama-index hybrid's retrieve() (unfiltered) on a store whose baseline collection is filled."""
    from eval.baseline import LlamaIndexHybrid
    from kb.embed import Embedder

    embedder = Embedder(replace(embed, cache_path=None))
    embedder.embed_query("warm up")
    start = time.perf_counter()
    baseline = LlamaIndexHybrid.from_store(Store(StoreConfig(path=store_path)), embedder)
    build = time.perf_counter() - start
    for query in QUERIES:
        baseline.retrieve(query)
    samples: list[float] = []
    for _ in range(rounds):
        for query in QUERIES:
            begin = time.perf_counter()
            baseline.retrieve(query)
            samples.append((time.perf_counter() - begin) * 1000)
    p50, p95 = latency(samples)
    return {"p50_ms": p50, "p95_ms": p95, "build_s": round(build, 2), "peak_rss_mb": peak_rss_mb()}
