"""Ingest throughput, where its time goes, and its ratio to pure embedding of the same passages."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from eval.beir import Dataset
from eval.bench.machine import cpu_s, peak_rss_mb
from eval.bench.runner import BenchError, Stopwatch, in_child
from eval.bench.workload import INGEST_CACHE, lexical_dir
from kb.config import EmbedConfig, StoreConfig
from kb.store import Store
from kb.sync import IngestConfig


def _ingest_child(dataset: Dataset, workdir: Path, embed: EmbedConfig, config: IngestConfig) -> dict[str, Any]:
    """Ingest the dataset's corpus as ``policykb ingest`` does, timing its parts from outside.

    The parts are measured by wrapping functions in this process only (kb and ingest are not
    changed): waiting for the parser process, chunking (token counting included), embedding (cache
    lookups and writes included), the Chroma write, the lexical index update.
    """
    import ingest.sandbox
    import kb.lexical
    import kb.sync
    from eval.harness import ingest_corpus
    from kb.embed import Embedder

    watch = Stopwatch()
    ingest.sandbox.ParserProcess.result = watch.wrap("parse_wait", ingest.sandbox.ParserProcess.result)  # type: ignore[method-assign]
    kb.sync.chunk_document = watch.wrap("chunk", kb.sync.chunk_document)
    kb.lexical.ensure_lexical_index = watch.wrap("lexical_index", kb.lexical.ensure_lexical_index)
    texts: list[str] = []
    calls: list[int] = []
    cpu, start = cpu_s(), time.perf_counter()
    store = Store(StoreConfig(path=workdir / "store"))
    embedder = Embedder(replace(embed, cache_path=workdir / INGEST_CACHE))
    embed_passages = embedder.embed_passages

    def recording(batch: list[str]) -> np.ndarray:
        texts.extend(batch)
        calls.append(len(batch))
        return embed_passages(batch)

    read_ahead = embedder.read_ahead
    sentences: list[str] = []

    def reading_ahead(batch: list[str]) -> int:
        sentences.extend(batch)
        calls.append(len(batch))
        return read_ahead(batch)

    embedder.count_tokens = watch.wrap("count_tokens", embedder.count_tokens)  # type: ignore[method-assign]
    embedder.embed_passages = watch.wrap("embed", recording)  # type: ignore[method-assign]
    # The quotable sentences read ahead for the assistant (kb.sync): model work too, timed apart.
    embedder.read_ahead = watch.wrap("read_ahead", reading_ahead)  # type: ignore[method-assign]
    store.write_document = watch.wrap("chroma_write", store.write_document)  # type: ignore[method-assign]
    try:
        report = ingest_corpus(dataset, store, embedder, config)
        kb.lexical.update_index(store, lexical_dir(workdir / "store"))  # as `policykb ingest` does after a change
    finally:
        embedder.close()
    seconds, cpu = time.perf_counter() - start, cpu_s() - cpu
    parts = {name: round(value, 3) for name, value in watch.seconds.items()}
    parts["other"] = round(seconds - sum(v for k, v in watch.seconds.items() if k != "count_tokens"), 3)
    return {
        "documents": len(report.added) + len(report.updated),
        "failed": [str(err) for err in report.failed],
        "pages": report.pages_read,
        "chunks": report.chunks_written,
        "seconds": round(seconds, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": peak_rss_mb(),
        "parser_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "breakdown_s": parts,
        # Forward passes: one document's chunks at a time, so each document ends on a short batch.
        "embedding_batches": sum(-(-n // embed.batch_size) for n in calls),
        "texts": texts,
        "sentences": sentences,
    }


def _embed_child(texts: list[str], embed: EmbedConfig) -> dict[str, Any]:
    """Embed ``texts`` as ingest does (same batch size and threads) with a fresh model and no cache."""
    from kb.embed import Embedder

    cpu, start = cpu_s(), time.perf_counter()
    embedder = Embedder(replace(embed, cache_path=None))
    embedder.model  # noqa: B018  # load it now, to report the load apart
    loaded = time.perf_counter()
    embedder.embed_passages(texts)
    end = time.perf_counter()
    return {"seconds": round(end - start, 3), "model_load_s": round(loaded - start, 3), "cpu_s": round(cpu_s() - cpu, 3)}


def ingest_bench(
    dataset: Dataset, workdir: Path, embed: EmbedConfig = EmbedConfig(), config: IngestConfig = IngestConfig()
) -> dict[str, Any]:
    """Ingest throughput, its breakdown, and its ratio to pure embedding of the same passages.

    The store is left in ``workdir / "store"`` (with its lexical index) for the quality comparison.
    """
    done = in_child(_ingest_child, dataset, workdir, embed, config)
    texts = done.pop("texts")
    sentences = done.pop("sentences")
    if not texts:
        raise BenchError(f"nothing was ingested from {dataset.documents_dir or dataset.corpus_file}: {done['failed'][:1]}")
    # The model work of the ingest: its passages and the sentences it reads ahead (each sentence once,
    # as the cache embeds it once).
    pure = in_child(_embed_child, texts + list(dict.fromkeys(sentences)), embed)
    seconds = done["seconds"]
    return {
        **done,
        "sentences_read_ahead": len(set(sentences)),
        "chunks_per_s": round(done["chunks"] / seconds, 2),
        "pages_per_s": round(done["pages"] / seconds, 2),
        "embedding_s": pure["seconds"],
        "pure_embedding_batches": -(-(len(texts) + len(set(sentences))) // embed.batch_size),
        "embedding_model_load_s": pure["model_load_s"],
        "ratio_to_embedding": round(seconds / pure["seconds"], 3),
        # The same ratio against the embedding time inside the ingest: free of the noise between two runs.
        "ratio_to_own_embedding": round(seconds / (done["breakdown_s"]["embed"] + done["breakdown_s"].get("read_ahead", 0.0)), 3),
        "cpu_ratio_to_embedding": round(done["cpu_s"] / pure["cpu_s"], 3),
        "sparse_head": "not used",  # a sparse-head pass would count as embedding, on its own line
        "batch_size": embed.batch_size,
        "threads": embed.threads or os.cpu_count(),
    }
