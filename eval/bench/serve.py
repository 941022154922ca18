"""A serving process's memory: open the store, load the saved lexical index, answer queries."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.bench.machine import peak_rss_mb, reset_peak_rss, rss_mb
from eval.bench.workload import QUERIES, search_cases, warm_searcher
from kb.config import EmbedConfig, StoreConfig
from kb.timing import StageTimes

WATCHED = ("lexical_index", "translations", "queries")  # start-up stages and the answering, in order


@dataclass
class _MemoryStages(StageTimes):
    """Stage timers that also note, for the watched stages, resident memory before and the peak during each."""

    resettable: bool = False  # whether the peak (VmHWM) can be reset at each stage's start
    memory: dict[str, dict[str, float]] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if name not in WATCHED:
            with super().stage(name):
                yield
            return
        before = rss_mb()
        if self.resettable:
            reset_peak_rss()
        start = time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        self.add(name, seconds)
        self.memory[name] = {"seconds": round(seconds, 2), "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}


def serve_child(store: StoreConfig, index_dir: Path, embed: EmbedConfig) -> dict[str, Any]:
    """A serving process: open the store, load the saved lexical index, answer queries; its peak memory.

    Also the time and peak memory of each start-up stage: loading the lexical index, finding
    translations (both run at the first query, timed by the searcher's stage timers), then answering.
    """
    stages = _MemoryStages(resettable=reset_peak_rss())
    searcher = warm_searcher(store, index_dir, embed, stages)
    opened = {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
    start = time.perf_counter()
    searcher.search(QUERIES[0], k=10)
    first = time.perf_counter() - start
    with stages.stage("queries"):
        for filters in search_cases().values():
            for query in QUERIES:
                searcher.search(query, k=10, filters=filters)
    peaks = [opened["peak_rss_mb"], *(stage["peak_rss_mb"] for stage in stages.memory.values())]
    return {
        "chunks": searcher.store.chunk_count(),
        "first_query_s": round(first, 2),
        "opened_rss_mb": opened["rss_mb"],  # imports, model and store open
        "stages": stages.memory,
        "peak_rss_mb": max(peaks) if stages.resettable else peak_rss_mb(),
    }
