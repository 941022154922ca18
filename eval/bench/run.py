"""One benchmark run: every measurement, each in its own process, as the ``policykb bench --json`` object."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from eval.beir import Dataset, load_dataset
from eval.bench.ask import ask_child
from eval.bench.baseline import baseline_fill_child, baseline_search_child
from eval.bench.ingest import ingest_bench
from eval.bench.machine import dir_mb, machine, store_disk
from eval.bench.quality import quality_child
from eval.bench.query_embedding import query_embedding_bench
from eval.bench.runner import BenchError, in_child
from eval.bench.scaling import scaling
from eval.bench.search import search_child
from eval.bench.serve import serve_child
from eval.bench.server import server_search_bench
from eval.bench.synthetic import synthetic_facts, synthetic_store
from eval.bench.workload import QUERIES, ROUNDS
from eval.errors import InvalidValue
from eval.harness import jsonable
from ingest.config import IngestConfig
from kb.config import EmbedConfig, RetrievalConfig, StoreConfig


def _quiet(step: str) -> None:
    pass


def run_bench(
    sizes: Iterable[int],
    cache_dir: Path | None = None,
    dataset: Dataset | None = None,
    embed: EmbedConfig = EmbedConfig(),
    ingest: IngestConfig = IngestConfig(),
    rounds: int = ROUNDS,
    progress: Callable[[str], None] = _quiet,
    server: bool = True,
) -> dict[str, Any]:
    """Every measurement of one run (see the package docstring), as the ``policykb bench --json`` object.

    ``server``: also time the searches through ``chroma run`` over each synthetic store.

    ``dataset`` defaults to the gold set over the sample corpus; ``cache_dir`` keeps synthetic
    stores between runs (None: filled afresh and deleted); ``progress`` hears of each step as it starts.
    """
    sizes = sorted(set(sizes))
    if not sizes or sizes[0] < 10:
        raise InvalidValue("sizes must be at least 10 passages each")
    if rounds < 1:
        raise InvalidValue("rounds must be at least 1")
    dataset = dataset or load_dataset(None)
    ask_embed = embed
    # Search rounds repeat the same queries: with the in-memory query cache, later rounds would skip
    # the embedding. Every timing but the assistant's (one question, several searches) goes without it.
    embed = replace(embed, query_cache_size=0)
    report: dict[str, Any] = {"machine": machine(), "config": _config(rounds, embed)}
    with tempfile.TemporaryDirectory(prefix="policykb-bench-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        progress(f"ingest of {dataset.name} (every chunk embedded), then pure embedding of the same chunks")
        report["ingest"] = ingest_bench(dataset, work / "ingest", embed, ingest)
        sized = _Sized(work, cache_dir, embed, rounds, server, progress)
        for size in sizes:
            sized.measure(size)
        report["search"] = sized.search
        if server:
            report["search_server"] = sized.served
        report["scaling"] = scaling(sized.search, sized.served)
        progress("query embedding alone, by thread setting")
        report["query_embedding"] = query_embedding_bench(embed, max(1, rounds // 2))
        largest = sizes[-1]
        progress(f"serving process over {largest:,} chunks")
        serve = in_child(serve_child, StoreConfig(path=sized.stores[largest]), work / f"lexical-{largest}", embed)
        progress(f"ours and llama-index on {dataset.name}")
        gold = in_child(quality_child, dataset, work / "ingest" / "store", embed)
        report["baseline_llamaindex"] = {"gold": gold, "search": sized.baseline}
        progress(f"policykb ask on every query of {dataset.name}")
        report["ask"] = in_child(ask_child, dataset, work / "ingest" / "store", ask_embed)
    report["serve_rss_mb"] = serve["peak_rss_mb"]
    report["serve"] = serve
    report["machine"]["load_1m_end"] = round(os.getloadavg()[0], 2)
    return report


def _config(rounds: int, embed: EmbedConfig) -> dict[str, Any]:
    from eval.baseline import BaselineConfig

    return {
        "rounds": rounds,
        "queries": len(QUERIES),
        "batch_size": embed.batch_size,
        "threads": embed.threads or os.cpu_count(),
        # Settings hold paths (the glossary's): the report is JSON, so they are written as strings.
        "retrieval": jsonable({k: v for k, v in asdict(RetrievalConfig()).items() if k != "index_dir"}),
        "baseline": jsonable(asdict(BaselineConfig())),
    }


@dataclass
class _Sized:
    """The measurements made once per synthetic store size, gathered by size (as a string, the JSON key)."""

    work: Path
    cache_dir: Path | None
    embed: EmbedConfig
    rounds: int
    with_server: bool
    progress: Callable[[str], None]
    stores: dict[int, Path] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    served: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)

    def measure(self, size: int) -> None:
        work, key = self.work, str(size)
        self.progress(f"{size:,} chunks: synthetic store, search latency, llama-index latency")
        path, filled = synthetic_store(size, self.cache_dir, work)
        self.stores[size] = path
        facts = synthetic_facts(path)
        self.search[key] = {
            **in_child(search_child, StoreConfig(path=path), work / f"lexical-{size}", self.embed, self.rounds),
            "fill_s": filled if filled is not None else facts.get("fill_s"),  # a reused store: as recorded at its fill
            "fill_reused": filled is None,
            # As filled (recorded then): the llama-index collection added below lives in the same folder.
            "disk": facts.get("disk") or store_disk(path),
            "fill_load_1m": facts.get("load_1m"),
            "lexical_index_mb": dir_mb(work / f"lexical-{size}"),
        }
        if self.with_server:
            self.progress(f"{size:,} chunks: search latency through a Chroma server (chroma run)")
            served = self.served[key] = server_search_bench(path, work / f"server-{size}", self.embed, self.rounds)
            if served["chunks"] != size:
                raise BenchError(
                    f"the Chroma server over {path} holds {served['chunks']} chunks, not {size}: it did not open the "
                    "store's collections"
                )
        fill = in_child(baseline_fill_child, path)
        self.baseline[key] = {**in_child(baseline_search_child, path, self.embed, self.rounds), "fill_s": fill}
