"""The query embedding alone (the largest part of a search), by OpenMP thread setting."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Any

from eval.bench.runner import in_child, latency
from eval.bench.workload import QUERIES
from kb.config import EmbedConfig


def _query_embedding_child(embed: EmbedConfig, rounds: int) -> dict[str, float]:
    """Latency of the query embedding alone (the largest part of a search), with the given threads."""
    from kb.embed import Embedder

    embedder = Embedder(replace(embed, cache_path=None))
    embedder.embed_query("warm up")
    samples: list[float] = []
    for _ in range(rounds):
        for query in QUERIES:
            start = time.perf_counter()
            embedder.embed_query(query)
            samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = latency(samples)
    return {"p50_ms": p50, "p95_ms": p95}


def query_embedding_bench(embed: EmbedConfig, rounds: int) -> dict[str, Any]:
    """Query embedding latency as configured, with OpenMP's passive wait policy, and on one thread.

    On a shared machine, OpenMP threads that spin while waiting for a descheduled sibling turn a
    20 ms query into a second; the passive policy (threads sleep) or one thread avoid that.
    """
    threads = embed.threads or os.cpu_count() or 1
    variants = {
        f"{threads}_threads": (replace(embed, threads=threads), {}),
        f"{threads}_threads_passive_wait": (replace(embed, threads=threads), {"OMP_WAIT_POLICY": "PASSIVE"}),
        "1_thread": (replace(embed, threads=1), {}),
    }
    return {name: in_child(_query_embedding_child, config, rounds, env=env) for name, (config, env) in variants.items()}
