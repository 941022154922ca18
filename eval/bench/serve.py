"""A serving process's memory: open the store, load the saved lexical index, answer queries."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.bench.machine import peak_rss_mb, reset_peak_rss, rss_mb
from eval.bench.runner import T
from eval.bench.workload import QUERIES, search_cases, warm_searcher
from kb.config import EmbedConfig, StoreConfig


def serve_child(store: StoreConfig, index_dir: Path, embed: EmbedConfig) -> dict[str, Any]:
    """A serving process: open the store, load the saved lexical index, answer queries; its peak memory.

    Also the time and peak memory of each start-up stage: loading the lexical index, finding
    translations (both run at the first query), then answering.
    """
    import kb.search

    stages: dict[str, dict[str, float]] = {}
    resettable = reset_peak_rss()

    def staged(name: str, function: Callable[..., T]) -> Callable[..., T]:
        def run(*args: Any, **kwargs: Any) -> T:
            before = rss_mb()
            if resettable:
                reset_peak_rss()
            start = time.perf_counter()
            result = function(*args, **kwargs)
            stages[name] = {
                "seconds": round(time.perf_counter() - start, 2),
                "rss_before_mb": before,
                "peak_rss_mb": peak_rss_mb(),
            }
            return result

        return run

    kb.search.ensure_lexical_index = staged("lexical_index", kb.search.ensure_lexical_index)
    kb.search.load_or_find_translations = staged("translations", kb.search.load_or_find_translations)
    searcher = warm_searcher(store, index_dir, embed)
    opened = {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
    start = time.perf_counter()
    searcher.search(QUERIES[0], k=10)
    first = time.perf_counter() - start
    answering = staged("queries", lambda: [searcher.search(q, k=10, filters=f) for f in search_cases().values() for q in QUERIES])
    answering()
    peaks = [opened["peak_rss_mb"], *(stage["peak_rss_mb"] for stage in stages.values())]
    return {
        "chunks": searcher.store.chunk_count(),
        "first_query_s": round(first, 2),
        "opened_rss_mb": opened["rss_mb"],  # imports, model and store open
        "stages": stages,
        "peak_rss_mb": max(peaks) if resettable else peak_rss_mb(),
    }
