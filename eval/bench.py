"""``policykb bench``: measured speed, written to BENCHMARKS.md with the machine it ran on.

Measures, in one run, warm in-process search latency (query embedding included) at several
store sizes, without a filter, with a narrow country filter and with a broad one. Large sizes use
synthetic vectors and text: latency depends on the index size, not on what the text says.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from kb.config import EmbedConfig, StoreConfig
from kb.embed import DIM, Embedder
from kb.search import Filters, Searcher
from kb.store import Store

COUNTRIES = ("DZ", "EG", "JO", "LB", "MA", "PS", "TN", "EU")
QUERIES = (
    "How do Morocco and Tunisia fund cluster governance bodies?",
    "incitations fiscales pour les start-up",
    "حوافز الاستثمار في المناطق التكنولوجية",
    "SME definition and eligibility criteria",
    "technology park management authority",
    "دعم المؤسسات الصغيرة والمتوسطة",
)
CHUNKS_PER_DOC = 20


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import chromadb

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "load_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "chromadb": chromadb.__version__,
        "platform": platform.platform(),
    }


def _lang(doc: int) -> str:
    return ("ar", "fr", "en")[doc % 3]


def _synthetic_fields(doc: int) -> dict[str, Any]:
    """Filterable fields shared by a synthetic document's record and its chunks."""
    return {"country": COUNTRIES[doc % len(COUNTRIES)], "doc_type": "law", "year": 2000 + doc % 25}


def fill_synthetic(store: Store, size: int, seed: int = 0) -> None:
    """``size`` chunks of random unit vectors in documents of 20 chunks, countries round-robin."""
    rng = np.random.default_rng(seed)
    for start in range(0, size, store.max_batch):
        n = min(store.max_batch, size - start)
        vectors = rng.standard_normal((n, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        metas = []
        for i in range(start, start + n):
            doc = i // CHUNKS_PER_DOC
            metas.append(
                {
                    **_synthetic_fields(doc),
                    "doc_id": f"synthetic/{doc}",
                    "doc_hash": f"h{doc}",
                    "doc_lang": _lang(doc),
                    "page_start": 1,
                    "page_end": 1,
                    "article": "",
                    "title": f"Synthetic {doc}",
                    "source": f"synthetic/{doc}",
                }
            )
        store.chunks.add(
            ids=[f"s{i}" for i in range(start, start + n)],
            embeddings=vectors,
            documents=[f"synthetic passage {i}" for i in range(start, start + n)],
            metadatas=metas,
        )
    docs = (size + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC
    for start in range(0, docs, store.max_batch):
        ids = list(range(start, min(docs, start + store.max_batch)))
        store.documents.upsert(
            ids=[f"synthetic/{d}" for d in ids],
            embeddings=[[0.0]] * len(ids),
            metadatas=[
                {
                    **_synthetic_fields(d),
                    "doc_id": f"synthetic/{d}",
                    "content_hash": f"h{d}",
                    "lang": _lang(d),
                    "chunks": min(CHUNKS_PER_DOC, size - d * CHUNKS_PER_DOC),
                }
                for d in ids
            ],
        )


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return round(statistics.median(ordered), 2), round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2)


def search_latency(size: int, embedder: Embedder, rounds: int = 5) -> dict[str, float]:
    """Warm latency of Searcher.search (k=10) on a synthetic store of ``size`` chunks."""
    with tempfile.TemporaryDirectory(prefix="policykb-bench-") as tmp:
        store = Store(StoreConfig(path=Path(tmp)))
        fill_synthetic(store, size)
        searcher = Searcher(store, embedder)
        cases = {
            "": Filters(),
            "filtered_": Filters(countries=("MA",)),
            "broad_filter_": Filters(countries=COUNTRIES[:7]),
        }
        result: dict[str, float] = {}
        for prefix, filters in cases.items():
            searcher.search(QUERIES[0], k=10, filters=filters)  # warm caches
            samples = []
            for _ in range(rounds):
                for query in QUERIES:
                    start = time.perf_counter()
                    searcher.search(query, k=10, filters=filters)
                    samples.append((time.perf_counter() - start) * 1000)
            result[f"{prefix}p50_ms"], result[f"{prefix}p95_ms"] = _percentiles(samples)
        return result


def run_bench(sizes: list[int], cache_path: Path | None) -> dict[str, Any]:
    embedder = Embedder(EmbedConfig(cache_path=cache_path))
    try:
        embedder.embed_query("warm up")
        return {"machine": machine(), "search": {str(size): search_latency(size, embedder) for size in sizes}}
    finally:
        embedder.close()


def render_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `policykb bench`; numbers from one run on one machine (medians and 95th percentiles).",
        "",
        f"Machine: {m['cores']} cores, {m['cpu']}, load {m['load_1m']} at start; Python {m['python']}, "
        f"chromadb {m['chromadb']}; {m['platform']}.",
        "",
        "## Search latency (warm, in-process, k=10, query embedding included)",
        "",
        "Synthetic unit vectors in documents of 20 chunks over 8 countries. *Narrow filter*: one country "
        "(12.5 % of chunks), sent to Chroma as a `where` clause. *Broad filter*: seven countries (87.5 %), "
        "applied in Python to an over-fetched unfiltered result, because Chroma's `where` cost grows with "
        "the share of rows it matches.",
        "",
        "| chunks | p50 ms | p95 ms | narrow filter p50 | narrow filter p95 | broad filter p50 | broad filter p95 |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, r in report["search"].items():
        lines.append(
            f"| {int(size):,} | {r['p50_ms']} | {r['p95_ms']} | {r['filtered_p50_ms']} | {r['filtered_p95_ms']} | "
            f"{r['broad_filter_p50_ms']} | {r['broad_filter_p95_ms']} |"
        )
    return "\n".join(lines) + "\n"
