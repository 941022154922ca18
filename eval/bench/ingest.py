"""Ingest throughput, where its time goes, and its ratio to pure embedding of the same passages."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.beir import Dataset
from eval.bench.machine import cpu_s, peak_rss_mb
from eval.bench.runner import BenchError, in_child
from eval.bench.workload import INGEST_CACHE, lexical_dir
from ingest.config import IngestConfig
from kb.config import EmbedConfig, StoreConfig
from kb.store import Store


def _ingest_child(dataset: Dataset, workdir: Path, embed: EmbedConfig, config: IngestConfig) -> dict[str, Any]:
    """Ingest the dataset's corpus as ``policykb ingest`` does, and say where the time went.

    The parts come from the ingest report's stage timers (``IngestReport.stages``): waiting for the
    parser process, chunking (token counting included), embedding (cache lookups and writes
    included), the sentences read ahead, the Chroma write; and the lexical index update timed here.
    """
    from eval.harness import ingest_corpus
    from kb.embed import Embedder
    from kb.lexical import update_index

    cpu, start = cpu_s(), time.perf_counter()
    store = Store(StoreConfig(path=workdir / "store"))
    embedder = Embedder(replace(embed, cache_path=workdir / INGEST_CACHE))
    try:
        report = ingest_corpus(dataset, store, embedder, config)
        indexed = time.perf_counter()
        update_index(store, lexical_dir(workdir / "store"))  # as `policykb ingest` does after a change
        report.stages.add("lexical_index", time.perf_counter() - indexed)
    finally:
        embedder.close()
    seconds, cpu = time.perf_counter() - start, cpu_s() - cpu
    parts = {name: round(value, 3) for name, value in report.stages.seconds.items()}
    parts["other"] = round(seconds - sum(v for k, v in report.stages.seconds.items() if k != "count_tokens"), 3)
    texts, sentences, batches = _model_work(store, embed.batch_size)
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
        "embedding_batches": batches,
        "texts": texts,
        "sentences": sentences,
    }


def _model_work(store: Store, batch_size: int) -> tuple[list[str], list[str], int]:
    """What the ingest gave the model, read back from the store: the passages' embedded texts, the
    sentences read ahead (as kb.sync splits them), and the forward batches (one document's chunks,
    then its sentences, at a time, so each document ends on a short batch)."""
    from ingest.sentences import split_sentences
    from kb.rebuild import embed_text

    texts: list[str] = []
    sentences: list[str] = []
    by_doc: dict[str, list[int]] = {}
    for _, text, meta in store.iter_chunks():
        texts.append(embed_text(text or "", meta))
        read = (
            [] if meta.get("lead") else split_sentences(text or "", (str(meta.get("section", "")), str(meta.get("article", ""))))
        )
        sentences += [sentence.text for sentence in read]
        counts = by_doc.setdefault(str(meta.get("doc_id")), [0, 0])
        counts[0] += 1
        counts[1] += len(read)
    batches = sum(-(-n // batch_size) for counts in by_doc.values() for n in counts)
    return texts, sentences, batches


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
