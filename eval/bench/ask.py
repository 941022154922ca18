"""Latency of a whole extractive answer (``policykb ask``), warm, on every query of the dataset."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.beir import Dataset
from eval.bench.runner import latency
from eval.bench.workload import INGEST_CACHE, lexical_dir
from kb.config import EmbedConfig, RetrievalConfig, StoreConfig
from kb.store import Store


def ask_child(dataset: Dataset, store_path: Path, embed: EmbedConfig) -> dict[str, Any]:
    """Latency of a whole extractive answer (assistant.answer), in process and warm, on every query of the dataset."""
    from assistant import answer
    from assistant.config import AssistantConfig
    from kb.embed import Embedder
    from kb.search import Searcher

    store = Store(StoreConfig(path=store_path))
    # With the cache the ingest filled, as a deployment answers: the sentences an answer compares with
    # the question were read ahead at ingest (kb.sync); without it each answer would embed them.
    embedder = Embedder(replace(embed, cache_path=store_path.parent / INGEST_CACHE))
    searcher = Searcher(store, embedder, RetrievalConfig(index_dir=lexical_dir(store_path)))
    config = AssistantConfig()
    answer(searcher, dataset.queries[0].text, config)  # warm-up: model, lexical index, glossary
    samples: list[float] = []
    abstained = 0
    for query in dataset.queries:
        begin = time.perf_counter()
        result = answer(searcher, query.text, config)
        samples.append((time.perf_counter() - begin) * 1000)
        abstained += result.abstained
    p50, p95 = latency(samples)
    return {"p50_ms": p50, "p95_ms": p95, "queries": len(samples), "abstained": abstained, "dataset": dataset.name}
