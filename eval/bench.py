"""``policykb bench``: measured speed and memory, written to BENCHMARKS.md with the machine it ran on.

One run measures:

- ingest of a dataset's corpus (by default the sample corpus) into a fresh store with an empty
  embedding cache, so every passage is embedded, against pure embedding of the same passage texts
  with a fresh model: the ratio says how far ingest is from the embedder, its physical limit;
- warm in-process search latency (query embedding included) on synthetic stores of the given
  sizes, unfiltered, with a narrow country filter and with a broad one, and the first query (the
  lexical index is built then);
- the same through a Chroma server (``chroma run`` over each synthetic store's folder), with the
  server's memory and the app's beside it (``server=False`` skips it);
- what a plan for more chunks needs (:func:`scaling`): fill time, disk, memory and latency per size,
  and per additional chunk;
- the stock llama-index hybrid a user would assemble instead (eval/baseline.py): its nDCG@10 on
  the dataset and its latency, next to ours, and its latency on the synthetic stores;
- peak memory (VmHWM) of the ingest, and of a serving process holding the largest store, by stage;
- and, to say where the time goes: the ingest's parts, a search's parts, and the query embedding
  alone with each OpenMP thread setting.

Each measurement runs in a child process of its own, so its peak memory is its own and no Chroma
client or model outlives it. Synthetic stores hold random unit vectors and text drawn from a small
Arabic, French and English vocabulary: latency depends on the index size and on how many passages
a query's terms occur in, not on what the text means. They are kept in ``cache_dir`` between runs
(keyed by size and by :data:`SYNTHETIC_VERSION`), since filling 100,000 passages takes minutes.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import platform
import resource
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from eval.beir import Dataset, EvalError, load_dataset
from eval.metrics import percentile
from kb.config import EmbedConfig, RetrievalConfig, StoreConfig
from kb.embed import DIM
from kb.store import Store
from kb.sync import IngestConfig

T = TypeVar("T")

COUNTRIES = ("DZ", "EG", "JO", "LB", "MA", "PS", "TN", "EU")
QUERIES = (
    "How do Morocco and Tunisia fund cluster governance bodies?",
    "incitations fiscales pour les start-up",
    "حوافز الاستثمار في المناطق التكنولوجية",
    "SME definition and eligibility criteria",
    "technology park management authority",
    "دعم المؤسسات الصغيرة والمتوسطة",
    "programme de mise à niveau des entreprises exportatrices",
    "export credit guarantee fund for small enterprises",
    "قانون الاستثمار وصندوق ضمان القروض",
)
CHUNKS_PER_DOC = 20
SYNTHETIC_VERSION = "2"  # bump when fill_synthetic writes something else: cached stores are refilled then
# Words of synthetic passages, most frequent first (drawn with Zipf-like weights), so that query
# terms occur in many passages and BM25 has postings to score.
_WORDS = {
    "en": (
        "the of and to in for support enterprises small medium investment law article programme fund technology "
        "park cluster governance body incentives tax exemption start-up eligibility criteria definition agency "
        "ministry decree export credit guarantee innovation management authority council evaluation budget "
        "region development employment training research zone customs loan upgrading"
    ),
    "fr": (
        "de la le des et les en pour du entreprises soutien petites moyennes investissement loi article programme "
        "fonds technologique parc pôle gouvernance organe incitations fiscales exonération start-up éligibilité "
        "critères définition agence ministère décret exportation crédit garantie innovation gestion autorité "
        "conseil évaluation budget région développement emploi formation recherche zone douane prêt mise niveau"
    ),
    "ar": (
        "في من على إلى الذي المؤسسات دعم الصغيرة والمتوسطة الاستثمار قانون المادة برنامج صندوق التكنولوجية "
        "المناطق القطب حوكمة هيئة حوافز ضريبية إعفاء الناشئة الأهلية شروط تعريف وكالة وزارة مرسوم التصدير "
        "قروض ضمان الابتكار تسيير سلطة مجلس تقييم ميزانية الجهة التنمية التشغيل التكوين البحث منطقة الجمارك تأهيل"
    ),
}
VOCABULARY = {lang: tuple(words.split()) for lang, words in _WORDS.items()}
FOREIGN_SHARE = 0.1  # of a synthetic passage's words taken from the other languages (names, acronyms, quotes)
ROUNDS = 10  # timed passes over QUERIES per filter case
# Targets of the issue; BENCHMARKS.md says which are met.
TARGET_INGEST_RATIO = 1.10
TARGET_P95_MS = 25.0
TARGET_FILTERED_P95_MS = 40.0
TARGET_SERVE_RSS_MB = 600.0
TARGET_ASK_P95_MS = 1000.0  # issue 6: a whole extractive answer, warm, on 2 cores
TARGET_SIZE = 100_000


class BenchError(EvalError):
    """A benchmark step failed; the message names the step and the cause, ``detail`` the child's traceback."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


# --- the machine and the process --------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    memory_mb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    import chromadb

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mb": memory_mb,
        "load_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "chromadb": chromadb.__version__,
        "platform": platform.platform(),
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    from eval.servers import process_memory_mb

    found = process_memory_mb("self", "VmHWM")
    return found if found is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB


def reset_peak_rss() -> bool:
    """Start a new VmHWM measurement in this process (Linux ``clear_refs``); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MiB (0 off Linux)."""
    from eval.servers import process_memory_mb

    return process_memory_mb("self") or 0.0


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child_main(conn: Connection, function: Callable[..., Any], args: tuple[Any, ...], env: dict[str, str]) -> None:
    from kb.offline import enforce_offline

    enforce_offline()
    os.environ.update(env)  # before anything loads the model's OpenMP runtime, which reads it once
    try:
        conn.send(("ok", function(*args)))
    except BaseException as err:  # reported to the parent, which raises BenchError
        conn.send(("error", (f"{type(err).__name__}: {err}", traceback.format_exc())))
    finally:
        conn.close()


def in_child(function: Callable[..., T], *args: Any, env: dict[str, str] | None = None) -> T:
    """``function(*args)`` in a fresh (spawned) process, with ``env`` added; its result comes back pickled."""
    context = mp.get_context("spawn")  # never fork a process that may hold model or Chroma threads
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sender, function, args, env or {}))
    process.start()
    sender.close()
    try:
        status, payload = receiver.recv()
    except EOFError:
        process.join()
        raise BenchError(f"the {function.__name__} process died (exit code {process.exitcode})") from None
    finally:
        receiver.close()
    process.join()
    if status != "ok":
        message, detail = payload
        raise BenchError(f"{function.__name__.strip('_')} failed: {message}", detail)
    return payload


def _latency(samples: list[float]) -> tuple[float, float]:
    return round(percentile(samples, 50), 2), round(percentile(samples, 95), 2)


class _Stopwatch:
    """Seconds spent inside wrapped callables, by name (nested calls are counted in both names)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, name: str, function: Callable[..., T]) -> Callable[..., T]:
        self.seconds.setdefault(name, 0.0)

        def timed(*args: Any, **kwargs: Any) -> T:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start

        return timed


# --- ingest --------------------------------------------------------------------------------------
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

    watch = _Stopwatch()
    ingest.sandbox.ParserProcess.result = watch.wrap("parse_wait", ingest.sandbox.ParserProcess.result)  # type: ignore[method-assign]
    kb.sync.chunk_document = watch.wrap("chunk", kb.sync.chunk_document)
    kb.lexical.ensure_lexical_index = watch.wrap("lexical_index", kb.lexical.ensure_lexical_index)
    texts: list[str] = []
    calls: list[int] = []
    cpu, start = _cpu_s(), time.perf_counter()
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
    seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu
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


INGEST_CACHE = "empty-cache.sqlite"  # the ingest bench's embedding cache, empty when it starts


def _embed_child(texts: list[str], embed: EmbedConfig) -> dict[str, Any]:
    """Embed ``texts`` as ingest does (same batch size and threads) with a fresh model and no cache."""
    from kb.embed import Embedder

    cpu, start = _cpu_s(), time.perf_counter()
    embedder = Embedder(replace(embed, cache_path=None))
    embedder.model  # noqa: B018  # load it now, to report the load apart
    loaded = time.perf_counter()
    embedder.embed_passages(texts)
    end = time.perf_counter()
    return {"seconds": round(end - start, 3), "model_load_s": round(loaded - start, 3), "cpu_s": round(_cpu_s() - cpu, 3)}


def lexical_dir(store_path: Path) -> Path:
    """Where the lexical index of an embedded store lives (as policykb.settings.index_dir says)."""
    return store_path / f"{StoreConfig().collection_prefix}_lexical"


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


# --- synthetic stores ----------------------------------------------------------------------------
def _lang(doc: int) -> str:
    return ("ar", "fr", "en")[doc % 3]


def _synthetic_fields(doc: int) -> dict[str, Any]:
    """Filterable fields shared by a synthetic document's record and its chunks."""
    return {"country": COUNTRIES[doc % len(COUNTRIES)], "doc_type": "law", "year": 2000 + doc % 25}


def _weights(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** 0.9
    return weights / weights.sum()


def synthetic_texts(first: int, langs: list[str], rng: np.random.Generator) -> list[str]:
    """Passages of 40 to 160 words in their language, with a share of words from the others."""
    texts: list[str] = []
    everything = [word for words in VOCABULARY.values() for word in words]
    for offset, lang in enumerate(langs):
        words = VOCABULARY[lang]
        count = int(rng.integers(40, 161))
        own = rng.choice(len(words), size=count, p=_weights(len(words)))
        drawn = [words[i] for i in own]
        for position in np.flatnonzero(rng.random(count) < FOREIGN_SHARE):
            drawn[position] = everything[int(rng.integers(len(everything)))]
        texts.append(f"{' '.join(drawn)} {first + offset}")
    return texts


def fill_synthetic(store: Store, size: int, seed: int = 0) -> None:
    """``size`` passages of random unit vectors in documents of 20 passages, countries and languages round-robin."""
    rng = np.random.default_rng(seed)
    for start in range(0, size, store.max_batch):
        n = min(store.max_batch, size - start)
        vectors = rng.standard_normal((n, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        docs = [i // CHUNKS_PER_DOC for i in range(start, start + n)]
        metas = [
            {
                **_synthetic_fields(doc),
                "doc_id": f"synthetic/{doc}",
                "doc_hash": f"h{doc}",
                "index": i % CHUNKS_PER_DOC,
                "lang": _lang(doc),
                "doc_lang": _lang(doc),
                "page_start": 1,
                "page_end": 1,
                "article": "",
                "section": "",
                "title": f"Synthetic {doc}",
                "source": f"synthetic/{doc}",
            }
            for i, doc in zip(range(start, start + n), docs, strict=True)
        ]
        store.chunks.add(
            ids=[f"s{i}" for i in range(start, start + n)],
            embeddings=vectors,
            documents=synthetic_texts(start, [_lang(doc) for doc in docs], rng),
            metadatas=metas,
        )
    docs_total = (size + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC
    for start in range(0, docs_total, store.max_batch):
        ids = list(range(start, min(docs_total, start + store.max_batch)))
        store.documents.upsert(
            ids=[f"synthetic/{d}" for d in ids],
            embeddings=[[0.0]] * len(ids),
            metadatas=[
                {
                    **_synthetic_fields(d),
                    "doc_id": f"synthetic/{d}",
                    "content_hash": f"h{d}",
                    "title": f"Synthetic {d}",
                    "lang": _lang(d),
                    "chunks": min(CHUNKS_PER_DOC, size - d * CHUNKS_PER_DOC),
                }
                for d in ids
            ],
        )


def _fill_child(path: Path, size: int) -> float:
    start = time.perf_counter()
    fill_synthetic(Store(StoreConfig(path=path)), size)
    return round(time.perf_counter() - start, 1)


def synthetic_store(size: int, cache_dir: Path | None, workdir: Path) -> tuple[Path, float | None]:
    """A filled synthetic store of ``size`` passages and the seconds filling took (None: reused from the cache).

    Kept in ``cache_dir`` when given (a ``complete`` marker, written last, says it is whole);
    otherwise filled in ``workdir``, which the caller deletes.
    """
    base = cache_dir if cache_dir is not None else workdir
    path = base / f"synthetic-v{SYNTHETIC_VERSION}-{size}"
    marker = path / "complete"
    if marker.is_file():
        return path, None
    shutil.rmtree(path, ignore_errors=True)  # an interrupted fill
    path.mkdir(parents=True)
    seconds = in_child(_fill_child, path, size)
    # The fill time and the disk size as filled go into the marker: a reused store still reports them,
    # and later runs add the llama-index collection to the same folder, which would inflate its size.
    facts = {"size": size, "fill_s": seconds, "disk": store_disk(path), "load_1m": round(os.getloadavg()[0], 2)}
    marker.write_text(json.dumps(facts) + "\n", encoding="utf-8")
    return path, seconds


def synthetic_facts(path: Path) -> dict[str, Any]:
    """What the fill of the synthetic store at ``path`` recorded: ``fill_s`` and ``disk`` (empty for older markers)."""
    try:
        facts = json.loads((path / "complete").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return facts if isinstance(facts, dict) else {}


def store_disk(path: Path) -> dict[str, float]:
    """Bytes on disk of an embedded Chroma folder, in MiB: its SQLite files, and the segment folders (HNSW)."""
    sqlite = sum(f.stat().st_size for f in path.glob("chroma.sqlite3*") if f.is_file())
    segments = sum(f.stat().st_size for d in path.iterdir() if d.is_dir() for f in d.rglob("*") if f.is_file())
    mib = 1024 * 1024
    return {
        "sqlite_mb": round(sqlite / mib, 1),
        "hnsw_mb": round(segments / mib, 1),
        "total_mb": round((sqlite + segments) / mib, 1),
    }


# --- search --------------------------------------------------------------------------------------
def _cases() -> dict[str, Any]:
    from kb.search import Filters

    return {"": Filters(), "filtered_": Filters(countries=("MA",)), "broad_filter_": Filters(countries=COUNTRIES[:7])}


def _searcher(store: StoreConfig, index_dir: Path, embed: EmbedConfig) -> Any:
    from kb.embed import Embedder
    from kb.search import Searcher

    embedder = Embedder(replace(embed, cache_path=None))  # queries are never cached
    embedder.embed_query("warm up")  # the model load is start-up, not the first query
    return Searcher(Store(store), embedder, RetrievalConfig(index_dir=index_dir))


def _search_child(store: StoreConfig, index_dir: Path, embed: EmbedConfig, rounds: int) -> dict[str, Any]:
    """Latency of Searcher.search (k=10), the three filter cases interleaved so that noise hits them alike.

    ``store`` is the embedded store or, with ``chroma_url``, the same folder served by ``chroma run``.

    Also where an unfiltered and a narrow-filtered search spend their time (mean ms per search),
    measured by wrapping the query embedding, the Chroma calls and the BM25 scoring.
    """
    import kb.lexical

    searcher = _searcher(store, index_dir, embed)
    start = time.perf_counter()
    searcher.search(QUERIES[0], k=10)  # builds the lexical index from Chroma (and saves it to index_dir)
    first = time.perf_counter() - start
    cases = _cases()
    for filters in cases.values():
        for query in QUERIES:
            searcher.search(query, k=10, filters=filters)  # warm: per-query analysis caches, filter masks
    watch = _Stopwatch()
    searcher.embedder.embed_query = watch.wrap("embed_query", searcher.embedder.embed_query)
    searcher.store.nearest = watch.wrap("chroma_nearest", searcher.store.nearest)
    searcher.store.get_chunks = watch.wrap("chroma_get_passages", searcher.store.get_chunks)
    kb.lexical.LexicalIndex.search = watch.wrap("bm25", kb.lexical.LexicalIndex.search)  # type: ignore[method-assign]
    samples: dict[str, list[float]] = {prefix: [] for prefix in cases}
    parts: dict[str, dict[str, float]] = {prefix: {} for prefix in cases}
    for _ in range(rounds):
        for query in QUERIES:
            for prefix, filters in cases.items():
                before = dict(watch.seconds)
                begin = time.perf_counter()
                searcher.search(query, k=10, filters=filters)
                samples[prefix].append((time.perf_counter() - begin) * 1000)
                for name, seconds in watch.seconds.items():
                    parts[prefix][name] = parts[prefix].get(name, 0.0) + seconds - before.get(name, 0.0)
    result: dict[str, Any] = {}
    for prefix, values in samples.items():
        result[f"{prefix}p50_ms"], result[f"{prefix}p95_ms"] = _latency(values)
    for prefix in ("", "filtered_"):
        total = sum(samples[prefix])
        spent = {name: 1000 * seconds / len(samples[prefix]) for name, seconds in parts[prefix].items()}
        spent["other"] = total / len(samples[prefix]) - sum(spent.values())
        result[f"{prefix}parts_ms"] = {name: round(value, 2) for name, value in spent.items()}
    result["first_query_s"] = round(first, 2)
    result["peak_rss_mb"] = peak_rss_mb()
    result["rss_mb"] = rss_mb()  # after the searches: model, lexical index (and an embedded Chroma) held
    result["chunks"] = searcher.store.chunk_count()
    return result


def dir_mb(path: Path) -> float:
    """MiB of the files under ``path`` (0 when it does not exist)."""
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0
    return round(size / (1024 * 1024), 1)


def server_search_bench(store_path: Path, workdir: Path, embed: EmbedConfig, rounds: int) -> dict[str, Any]:
    """The search cases of :func:`_search_child` through a Chroma server over the same folder; the server's memory.

    ``chroma run --path`` opens the embedded store's folder as it is (same on-disk format, same tenant,
    database and collection names). The lexical index is built afresh from the server, as a new app
    process would; the search process holds no Chroma of its own, so its RSS is the app's share.
    """
    from eval.servers import chroma_server, process_memory_mb

    workdir.mkdir(parents=True, exist_ok=True)
    index_dir = workdir / "lexical"
    started = time.perf_counter()
    with chroma_server(store_path, workdir / "chroma.log") as server:
        up, idle = time.perf_counter() - started, process_memory_mb(server.pid)
        result = in_child(_search_child, StoreConfig(chroma_url=server.url), index_dir, embed, rounds)
        # After the searches (HNSW loaded) and after serving every passage to the lexical index build.
        result["chroma_rss_mb"] = process_memory_mb(server.pid)
        result["chroma_peak_rss_mb"] = process_memory_mb(server.pid, "VmHWM")
    result["chroma_idle_rss_mb"] = idle
    result["chroma_start_s"] = round(up, 2)
    result["lexical_index_mb"] = dir_mb(index_dir)
    # Memory as served rather than as built: a fresh server, and a fresh app process that loads the saved
    # lexical index and answers every query with every filter (neither reads all passages).
    with chroma_server(store_path, workdir / "chroma-serving.log") as server:
        serving = in_child(_serve_child, StoreConfig(chroma_url=server.url), index_dir, embed)
        result["serving"] = {
            "app_peak_rss_mb": serving["peak_rss_mb"],
            "app_stages": serving["stages"],
            "first_query_s": serving["first_query_s"],
            "chroma_rss_mb": process_memory_mb(server.pid),
            "chroma_peak_rss_mb": process_memory_mb(server.pid, "VmHWM"),
        }
    return result


def _serve_child(store: StoreConfig, index_dir: Path, embed: EmbedConfig) -> dict[str, Any]:
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
    searcher = _searcher(store, index_dir, embed)
    opened = {"rss_mb": rss_mb(), "peak_rss_mb": peak_rss_mb()}
    start = time.perf_counter()
    searcher.search(QUERIES[0], k=10)
    first = time.perf_counter() - start
    answering = staged("queries", lambda: [searcher.search(q, k=10, filters=f) for f in _cases().values() for q in QUERIES])
    answering()
    peaks = [opened["peak_rss_mb"], *(stage["peak_rss_mb"] for stage in stages.values())]
    return {
        "chunks": searcher.store.chunk_count(),
        "first_query_s": round(first, 2),
        "opened_rss_mb": opened["rss_mb"],  # imports, model and store open
        "stages": stages,
        "peak_rss_mb": max(peaks) if resettable else peak_rss_mb(),
    }


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
    p50, p95 = _latency(samples)
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


# --- the llama-index baseline --------------------------------------------------------------------
def _baseline_fill_child(store_path: Path) -> float:
    from eval.baseline import COLLECTION, ensure_collection, store_nodes

    store = Store(StoreConfig(path=store_path))
    start = time.perf_counter()
    ensure_collection(store, COLLECTION, store_nodes(store))
    return round(time.perf_counter() - start, 1)


def _baseline_search_child(store_path: Path, embed: EmbedConfig, rounds: int) -> dict[str, Any]:
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
    p50, p95 = _latency(samples)
    return {"p50_ms": p50, "p95_ms": p95, "build_s": round(build, 2), "peak_rss_mb": peak_rss_mb()}


def _quality_child(dataset: Dataset, store_path: Path, embed: EmbedConfig) -> dict[str, Any]:
    """nDCG@10 (eval.harness) and latency at k=10 of ours and of the baseline, on the ingested dataset."""
    from eval.baseline import LlamaIndexHybrid
    from eval.harness import evaluate, store_languages
    from kb.embed import Embedder
    from kb.search import Searcher

    store = Store(StoreConfig(path=store_path))
    embedder = Embedder(replace(embed, cache_path=None))
    embedder.embed_query("warm up")
    ours = Searcher(store, embedder, RetrievalConfig(index_dir=lexical_dir(store_path)))
    start = time.perf_counter()
    baseline = LlamaIndexHybrid.from_store(store, embedder)
    build = time.perf_counter() - start
    theirs = {
        "reciprocal_rerank": (baseline, "fusion"),
        "relative_score": (baseline.with_mode("relative_score"), "fusion"),
        "vector_only": (baseline, "vector"),
        "bm25_only": (baseline, "bm25"),
    }

    def retrieve(text: str, mode: str, depth: int) -> list[tuple[str, float]]:
        if mode in theirs:
            system, part = theirs[mode]
            ranked = system.retrieve_documents(text, depth, part)  # type: ignore[arg-type]
            return [(doc_id, 1.0 / rank) for rank, doc_id in enumerate(ranked, start=1)]
        return [(hit.doc_id, hit.score) for hit in ours.search_documents(text, k=depth, mode=mode)]  # type: ignore[arg-type]

    doc_langs = store_languages(store)
    summary = evaluate(dataset, retrieve, ("hybrid", "dense", "lexical", *theirs), k=10, doc_langs=doc_langs)
    ndcg = {mode: out["overall"]["ndcg@10"] for mode, out in summary["modes"].items()}
    cross = {mode: out["by_crossing"].get("cross", {}).get("ndcg@10") for mode, out in summary["modes"].items()}
    # Latency as served (k=10), ours and the baseline alternating query by query.
    samples: dict[str, list[float]] = {"ours": [], "llamaindex": []}
    for query in dataset.judged_queries():
        for name, run in (("ours", lambda q: ours.search_documents(q, k=10)), ("llamaindex", baseline.retrieve_documents)):
            begin = time.perf_counter()
            run(query.text)
            samples[name].append((time.perf_counter() - begin) * 1000)
    latency = {name: _latency(values) for name, values in samples.items()}
    return {
        "dataset": dataset.name,
        "queries": summary["evaluated"],
        "documents": len(doc_langs),
        "chunks": store.chunk_count(),
        "llamaindex": {
            "ndcg_at_10": ndcg["reciprocal_rerank"],
            "ndcg_at_10_relative_score": ndcg["relative_score"],
            "ndcg_at_10_vector_only": ndcg["vector_only"],
            "ndcg_at_10_bm25_only": ndcg["bm25_only"],
            "cross_lingual_ndcg_at_10": cross["reciprocal_rerank"],
            "p50_ms": latency["llamaindex"][0],
            "p95_ms": latency["llamaindex"][1],
            "build_s": round(build, 2),
        },
        "ours": {
            "ndcg_at_10": ndcg["hybrid"],
            "ndcg_at_10_dense_only": ndcg["dense"],
            "ndcg_at_10_lexical_only": ndcg["lexical"],
            "cross_lingual_ndcg_at_10": cross["hybrid"],
            "p50_ms": latency["ours"][0],
            "p95_ms": latency["ours"][1],
        },
    }


def _ask_child(dataset: Dataset, store_path: Path, embed: EmbedConfig) -> dict[str, Any]:
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
    p50, p95 = _latency(samples)
    return {"p50_ms": p50, "p95_ms": p95, "queries": len(samples), "abstained": abstained, "dataset": dataset.name}


# --- scaling ---------------------------------------------------------------------------------------
def _per_chunk(values: dict[int, float | None], scale: float) -> float | None:
    """(largest - smallest) / chunks between them, times ``scale``: the marginal cost of one more chunk."""
    known = {size: value for size, value in values.items() if value is not None}
    if len(known) < 2:
        return None
    low, high = min(known), max(known)
    return round((known[high] - known[low]) * scale / (high - low), 3)


def scaling(search: dict[str, Any], search_server: dict[str, Any]) -> dict[str, Any]:
    """Per store size, what a plan for more chunks needs: fill time, disk, memory and latency; then per chunk.

    *Marginal* figures are the difference between the largest and the smallest size divided by the
    chunks between them, so fixed costs (model, runtime, empty files) drop out.
    """
    rows: dict[str, dict[str, Any]] = {}
    for size, r in search.items():
        served = search_server.get(size, {})
        disk = r.get("disk") or {}
        chunks = int(size)
        rows[size] = {
            "fill_s": r.get("fill_s"),
            "fill_ms_per_chunk": round(1000 * r["fill_s"] / chunks, 3) if r.get("fill_s") else None,
            "disk_mb": disk.get("total_mb"),
            "sqlite_mb": disk.get("sqlite_mb"),
            "hnsw_mb": disk.get("hnsw_mb"),
            "disk_kib_per_chunk": round(1024 * disk["total_mb"] / chunks, 2) if disk.get("total_mb") else None,
            "lexical_index_mb": r.get("lexical_index_mb"),
            "fill_load_1m": r.get("fill_load_1m"),
            "embedded_rss_mb": r.get("peak_rss_mb"),  # one process: model, lexical index (built) and Chroma
            # The app beside a Chroma server (model and lexical index), and the server: as served (saved
            # index loaded), and after the lexical index was built from the server (every passage read).
            "app_rss_mb": served.get("serving", {}).get("app_peak_rss_mb"),
            "app_build_rss_mb": served.get("peak_rss_mb"),
            "chroma_rss_mb": served.get("serving", {}).get("chroma_rss_mb"),
            "chroma_build_rss_mb": served.get("chroma_rss_mb"),
            "embedded_p50_ms": r["p50_ms"],
            "embedded_p95_ms": r["p95_ms"],
            "server_p50_ms": served.get("p50_ms"),
            "server_p95_ms": served.get("p95_ms"),
        }
    sizes = {int(size): row for size, row in rows.items()}

    def marginal(key: str, scale: float) -> float | None:
        return _per_chunk({size: row[key] for size, row in sizes.items()}, scale)

    def growth(key: str) -> float | None:
        known = {size: row[key] for size, row in sizes.items() if row[key]}
        return round(known[max(known)] / known[min(known)], 2) if len(known) >= 2 else None

    per_chunk = {
        "disk_kib": marginal("disk_mb", 1024),
        "sqlite_kib": marginal("sqlite_mb", 1024),
        "hnsw_kib": marginal("hnsw_mb", 1024),
        "lexical_index_kib": marginal("lexical_index_mb", 1024),
        "app_rss_kib": marginal("app_rss_mb", 1024),
        "app_build_rss_kib": marginal("app_build_rss_mb", 1024),
        "chroma_rss_kib": marginal("chroma_rss_mb", 1024),
        "chroma_build_rss_kib": marginal("chroma_build_rss_mb", 1024),
        "embedded_rss_kib": marginal("embedded_rss_mb", 1024),
        "fill_ms": marginal("fill_s", 1000),
    }
    latency_growth = {key: growth(key) for key in ("embedded_p50_ms", "embedded_p95_ms", "server_p50_ms", "server_p95_ms")}
    return {"sizes": rows, "marginal_per_chunk": per_chunk, "latency_growth": latency_growth}


# --- the run -------------------------------------------------------------------------------------
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
    """Every measurement of one run (see the module docstring), as the ``policykb bench --json`` object.

    ``server``: also time the searches through ``chroma run`` over each synthetic store.

    ``dataset`` defaults to the gold set over the sample corpus; ``cache_dir`` keeps synthetic
    stores between runs (None: filled afresh and deleted); ``progress`` hears of each step as it starts.
    """
    from eval.baseline import BaselineConfig

    sizes = sorted(set(sizes))
    if not sizes or sizes[0] < 10:
        raise ValueError("sizes must be at least 10 passages each")
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    dataset = dataset or load_dataset(None)
    ask_embed = embed
    # Search rounds repeat the same queries: with the in-memory query cache, later rounds would skip
    # the embedding. Every timing but the assistant's (one question, several searches) goes without it.
    embed = replace(embed, query_cache_size=0)
    report: dict[str, Any] = {
        "machine": machine(),
        "config": {
            "rounds": rounds,
            "queries": len(QUERIES),
            "batch_size": embed.batch_size,
            "threads": embed.threads or os.cpu_count(),
            "retrieval": {k: v for k, v in asdict(RetrievalConfig()).items() if k != "index_dir"},
            "baseline": asdict(BaselineConfig()),
        },
    }
    with tempfile.TemporaryDirectory(prefix="policykb-bench-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        progress(f"ingest of {dataset.name} (every chunk embedded), then pure embedding of the same chunks")
        report["ingest"] = ingest_bench(dataset, work / "ingest", embed, ingest)
        search: dict[str, Any] = {}
        search_server: dict[str, Any] = {}
        baseline_search: dict[str, Any] = {}
        stores: dict[int, Path] = {}
        for size in sizes:
            progress(f"{size:,} chunks: synthetic store, search latency, llama-index latency")
            stores[size], filled = synthetic_store(size, cache_dir, work)
            facts = synthetic_facts(stores[size])
            search[str(size)] = {
                **in_child(_search_child, StoreConfig(path=stores[size]), work / f"lexical-{size}", embed, rounds),
                "fill_s": filled if filled is not None else facts.get("fill_s"),  # a reused store: as recorded at its fill
                "fill_reused": filled is None,
                # As filled (recorded then): the llama-index collection added below lives in the same folder.
                "disk": facts.get("disk") or store_disk(stores[size]),
                "fill_load_1m": facts.get("load_1m"),
                "lexical_index_mb": dir_mb(work / f"lexical-{size}"),
            }
            if server:
                progress(f"{size:,} chunks: search latency through a Chroma server (chroma run)")
                search_server[str(size)] = server_search_bench(stores[size], work / f"server-{size}", embed, rounds)
                if search_server[str(size)]["chunks"] != size:
                    raise BenchError(
                        f"the Chroma server over {stores[size]} holds {search_server[str(size)]['chunks']} chunks, not "
                        f"{size}: it did not open the store's collections"
                    )
            fill = in_child(_baseline_fill_child, stores[size])
            baseline_search[str(size)] = {**in_child(_baseline_search_child, stores[size], embed, rounds), "fill_s": fill}
        report["search"] = search
        if server:
            report["search_server"] = search_server
        report["scaling"] = scaling(search, search_server)
        progress("query embedding alone, by thread setting")
        report["query_embedding"] = query_embedding_bench(embed, max(1, rounds // 2))
        largest = sizes[-1]
        progress(f"serving process over {largest:,} chunks")
        serve = in_child(_serve_child, StoreConfig(path=stores[largest]), work / f"lexical-{largest}", embed)
        progress(f"ours and llama-index on {dataset.name}")
        report["baseline_llamaindex"] = {
            "gold": in_child(_quality_child, dataset, work / "ingest" / "store", embed),
            "search": baseline_search,
        }
        progress(f"policykb ask on every query of {dataset.name}")
        report["ask"] = in_child(_ask_child, dataset, work / "ingest" / "store", ask_embed)
    report["serve_rss_mb"] = serve["peak_rss_mb"]
    report["serve"] = serve
    report["machine"]["load_1m_end"] = round(os.getloadavg()[0], 2)
    return report


# --- BENCHMARKS.md -------------------------------------------------------------------------------
def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value <= target else "**not met**"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _targets(report: dict[str, Any]) -> list[str]:
    ing, at = report["ingest"], report["search"].get(str(TARGET_SIZE))
    serve = report["serve_rss_mb"] if report["serve"]["chunks"] >= TARGET_SIZE else None
    rows = [
        (f"ingest time / pure embedding time <= {TARGET_INGEST_RATIO:.2f}", ing["ratio_to_embedding"], TARGET_INGEST_RATIO),
        (f"search p95 at {TARGET_SIZE:,} chunks <= {TARGET_P95_MS:g} ms", at and at["p95_ms"], TARGET_P95_MS),
        (
            f"filtered search p95 at {TARGET_SIZE:,} chunks <= {TARGET_FILTERED_P95_MS:g} ms",
            at and at["filtered_p95_ms"],
            TARGET_FILTERED_P95_MS,
        ),
        (f"serving RSS at {TARGET_SIZE:,} chunks <= {TARGET_SERVE_RSS_MB:g} MiB", serve, TARGET_SERVE_RSS_MB),
        (f"ask p95 (extractive, warm) <= {TARGET_ASK_P95_MS:g} ms", report.get("ask", {}).get("p95_ms"), TARGET_ASK_P95_MS),
    ]
    table = _table(
        ["target", "measured", ""],
        [[name, "n/a" if value is None else value, _verdict(value, target)] for name, value, target in rows],
    )
    return ["## Targets", "", *table]


def _ingest(report: dict[str, Any]) -> list[str]:
    ing, parts = report["ingest"], report["ingest"]["breakdown_s"]
    lines = [
        "## Ingest",
        "",
        f"`{report['baseline_llamaindex']['gold']['dataset']}` corpus: {ing['documents']} documents, {ing['pages']} pages, "
        f"{ing['chunks']} chunks, ingested into a fresh store with an empty embedding cache (every chunk embedded), as "
        "`policykb ingest` does it (lexical index update included), in a process of its own. Then, in another fresh "
        f"process, the same {ing['chunks']} chunk texts and the {ing.get('sentences_read_ahead', 0)} quotable sentences the "
        f"ingest reads ahead for the assistant embedded alone: same model, batch size {ing['batch_size']}, "
        f"{ing['threads']} threads, no cache.",
        "",
        *_table(
            ["", "value"],
            [
                ["ingest wall time", f"{ing['seconds']} s"],
                ["throughput", f"{ing['pages_per_s']} pages/s, {ing['chunks_per_s']} chunks/s"],
                [
                    "pure embedding of the same chunks and sentences",
                    f"{ing['embedding_s']} s (model load {ing['embedding_model_load_s']} s)",
                ],
                ["sparse-head pass", ing["sparse_head"]],
                ["**ratio ingest / pure embedding (wall)**", f"**{ing['ratio_to_embedding']}**"],
                [
                    "ratio ingest / embedding inside the ingest (wall; same run, so free of run-to-run noise)",
                    ing["ratio_to_own_embedding"],
                ],
                ["ratio ingest / pure embedding (CPU seconds, parser process included)", ing["cpu_ratio_to_embedding"]],
                [
                    "forward batches: ingest (one document at a time) / pure",
                    f"{ing['embedding_batches']} / {ing['pure_embedding_batches']}",
                ],
                ["peak RSS of the ingest process", f"{ing['peak_rss_mb']} MiB"],
                ["peak RSS of its parser process", f"{ing['parser_peak_rss_mb']} MiB"],
            ],
        ),
        "",
        "Where the ingest time goes (measured from outside by wrapping functions; *parse wait* is the time the ingest "
        "waited for the parser process, which parses the next file while the current one is embedded):",
        "",
    ]
    labels = {
        "parse_wait": "parse wait",
        "chunk": "chunking (token counting included)",
        "count_tokens": "of which token counting",
        "embed": "embedding (cache lookups and writes included)",
        "read_ahead": "sentences read ahead for the assistant (embedding, cache writes included)",
        "chroma_write": "Chroma write",
        "lexical_index": "lexical index update",
        "other": "other (store open, discovery, hashing, orphan check)",
    }
    rows = [[label, parts[key], f"{100 * parts[key] / ing['seconds']:.1f} %"] for key, label in labels.items() if key in parts]
    lines += _table(["part", "seconds", "share"], [*rows, ["total", ing["seconds"], "100 %"]])
    if ing["failed"]:
        lines += ["", f"{len(ing['failed'])} files failed to ingest; first: {ing['failed'][0]}"]
    return lines


def _search(report: dict[str, Any]) -> list[str]:
    config, search = report["config"], report["search"]
    lines = [
        "## Search latency (warm, in-process, k=10, query embedding included)",
        "",
        "Synthetic unit vectors, text drawn from a small Arabic, French and English vocabulary (so BM25 scores real "
        "postings), documents of 20 chunks over 8 countries. *Narrow filter*: one country (12.5 % of chunks). *Broad*: "
        f"seven countries (87.5 %). {config['queries']} queries in three languages, {config['rounds']} rounds, the cases "
        f"interleaved; the model runs {config['threads']} threads. *First query*: the first search after start-up, which "
        "builds the lexical index from Chroma and finds translations.",
        "",
        *_table(
            ["chunks", "p50 ms", "p95 ms", "narrow p50", "narrow p95", "broad p50", "broad p95", "first query s", "peak RSS MiB"],
            [
                [
                    f"{int(size):,}",
                    *(r[f"{prefix}{q}_ms"] for prefix in ("", "filtered_", "broad_filter_") for q in ("p50", "p95")),
                    r["first_query_s"],
                    r["peak_rss_mb"],
                ]
                for size, r in search.items()
            ],
        ),
        "",
        "Where a search spends its time (mean ms per search, measured by wrapping the calls; *Chroma nearest* is the "
        "vector query, with its `where` clause when the filter goes to Chroma; *Chroma get passages* reads the text "
        "and metadata of the passages returned):",
        "",
    ]
    lines += _table(
        ["chunks", "filter", "query embedding", "Chroma nearest", "BM25", "Chroma get passages", "other", "mean"],
        _parts_rows(search),
    )
    embedding = report["query_embedding"]
    lines += [
        "",
        "The query embedding alone, by thread setting (each in a fresh process; *passive wait*: `OMP_WAIT_POLICY=PASSIVE`, "
        "OpenMP threads sleep instead of spinning while they wait for each other):",
        "",
        *_table(
            ["threads", "p50 ms", "p95 ms"], [[name.replace("_", " "), r["p50_ms"], r["p95_ms"]] for name, r in embedding.items()]
        ),
    ]
    return lines


def _parts_rows(results: dict[str, Any]) -> list[list[Any]]:
    names = ("embed_query", "chroma_nearest", "bm25", "chroma_get_passages", "other")
    return [
        [
            f"{int(size):,}",
            label,
            *(r[f"{prefix}parts_ms"].get(name, 0) for name in names),
            round(sum(r[f"{prefix}parts_ms"].values()), 2),
        ]
        for size, r in results.items()
        for prefix, label in (("", "none"), ("filtered_", "narrow"))
    ]


def _search_server(report: dict[str, Any]) -> list[str]:
    served, search = report.get("search_server"), report["search"]
    if not served:
        return []
    rows = [
        [
            f"{int(size):,}",
            *(r[f"{prefix}{q}_ms"] for prefix in ("", "filtered_", "broad_filter_") for q in ("p50", "p95")),
            f"{search[size]['p50_ms']} / {search[size]['p95_ms']}",
            r["first_query_s"],
            f"{r['chroma_idle_rss_mb']} / {r['chroma_rss_mb']} / {r['serving']['chroma_rss_mb']}",
            f"{r['peak_rss_mb']} / {r['serving']['app_peak_rss_mb']}",
        ]
        for size, r in served.items()
    ]
    return [
        "### Search latency, Chroma server",
        "",
        "The same stores, cases and rounds, through `chroma run --path <the store's folder> --host 127.0.0.1` on this "
        "machine (`StoreConfig(chroma_url=...)`, Chroma's HTTP client): the vector query and the passage reads go over "
        "loopback HTTP to another process. *First query* here builds the lexical index from the server, as a new app "
        "process does. *Chroma server RSS*: after start; after the index build and the searches; and, in a fresh "
        "server, after a fresh app process loaded the saved index and asked every query with every filter "
        "(*serving*). *App RSS*: peak of the searching process (model and lexical index; no Chroma inside), "
        "building the index / serving.",
        "",
        *_table(
            [
                "chunks",
                "p50 ms",
                "p95 ms",
                "narrow p50",
                "narrow p95",
                "broad p50",
                "broad p95",
                "in-process p50 / p95",
                "first query s",
                "Chroma server RSS MiB: start / built / serving",
                "app RSS MiB: built / serving",
            ],
            rows,
        ),
        "",
        "Where a search through the server spends its time (mean ms per search):",
        "",
        *_table(
            ["chunks", "filter", "query embedding", "Chroma nearest", "BM25", "Chroma get passages", "other", "mean"],
            _parts_rows(served),
        ),
    ]


def _scaling(report: dict[str, Any]) -> list[str]:
    scale = report.get("scaling")
    if not scale or not scale["sizes"]:
        return []

    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    rows = [
        [
            f"{int(size):,}",
            f"{cell(r['fill_s'])} (load {r['fill_load_1m'] if r['fill_load_1m'] is not None else 'n/a'})",
            cell(r["fill_ms_per_chunk"]),
            f"{cell(r['disk_mb'])} ({cell(r['sqlite_mb'])} + {cell(r['hnsw_mb'])})",
            cell(r["disk_kib_per_chunk"]),
            cell(r["lexical_index_mb"]),
            f"{cell(r['chroma_rss_mb'])} / {cell(r['chroma_build_rss_mb'])}",
            f"{cell(r['app_rss_mb'])} / {cell(r['app_build_rss_mb'])}",
            cell(r["embedded_rss_mb"]),
            f"{r['embedded_p50_ms']} / {r['embedded_p95_ms']}",
            f"{cell(r['server_p50_ms'])} / {cell(r['server_p95_ms'])}",
        ]
        for size, r in scale["sizes"].items()
    ]
    lines = [
        "## Scaling",
        "",
        "What a plan for more chunks builds on, from the synthetic stores above (384-dimension float32 vectors, "
        "passages of 40-160 words). *Fill*: writing the chunks (vectors given, no embedding) into an embedded store, "
        "HNSW indexing included, in batches of Chroma's maximum; timed when the store was made (it is kept in the "
        "cache folder), with the machine's load average then. *Disk*: the store's folder right after the fill: SQLite "
        "(text, metadata, Chroma's full-text index and write-ahead log) + HNSW segment files. *Lexical index*: the saved "
        "BM25 index. Peak or current RSS of: the Chroma server and the app beside it, serving (saved index loaded) / "
        "after building the lexical index from the server; one process holding both, embedded (index built).",
        "",
        *_table(
            [
                "chunks",
                "fill s",
                "fill ms/chunk",
                "disk MiB (SQLite + HNSW)",
                "disk KiB/chunk",
                "lexical index MiB",
                "Chroma server RSS MiB: serving / built",
                "app RSS MiB: serving / built",
                "embedded RSS MiB",
                "in-process p50 / p95 ms",
                "server p50 / p95 ms",
            ],
            rows,
        ),
    ]
    marginal, growth = scale["marginal_per_chunk"], scale["latency_growth"]
    if marginal["disk_kib"] is not None:
        sizes = sorted(int(size) for size in scale["sizes"])
        lines += [
            "",
            f"Per additional chunk, from {sizes[0]:,} to {sizes[-1]:,} (the difference over the chunks between them): "
            f"disk {cell(marginal['disk_kib'])} KiB (SQLite {cell(marginal['sqlite_kib'])}, HNSW "
            f"{cell(marginal['hnsw_kib'])}), lexical index on disk {cell(marginal['lexical_index_kib'])} KiB; RSS of the "
            f"Chroma server {cell(marginal['chroma_rss_kib'])} KiB serving ({cell(marginal['chroma_build_rss_kib'])} "
            f"after the build), of the app {cell(marginal['app_rss_kib'])} KiB serving "
            f"({cell(marginal['app_build_rss_kib'])} building), of the embedded process "
            f"{cell(marginal['embedded_rss_kib'])} KiB; fill {cell(marginal['fill_ms'])} ms. Latency, {sizes[-1]:,} "
            f"over {sizes[0]:,} chunks: in-process p50 x{cell(growth['embedded_p50_ms'])}, p95 "
            f"x{cell(growth['embedded_p95_ms'])}; through the server p50 x{cell(growth['server_p50_ms'])}, p95 "
            f"x{cell(growth['server_p95_ms'])}.",
        ]
    return lines


def _serve(report: dict[str, Any]) -> list[str]:
    serve = report["serve"]
    stages = serve["stages"]
    rows = [["imports, model, store open", "", serve["opened_rss_mb"]]] + [
        [name.replace("_", " "), stage["seconds"], stage["peak_rss_mb"]] for name, stage in stages.items()
    ]
    return [
        "## Serving memory",
        "",
        f"A fresh process opens the {serve['chunks']:,}-chunk store, loads the saved lexical index and finds translations "
        f"(at the first query: {serve['first_query_s']} s), then answers every query with every filter. Peak RSS (VmHWM): "
        f"**{report['serve_rss_mb']} MiB**. By stage (peak RSS during each, MiB):",
        "",
        *_table(["stage", "seconds", "peak RSS MiB"], rows),
    ]


def _baseline(report: dict[str, Any]) -> list[str]:
    base, search = report["baseline_llamaindex"], report["search"]
    gold, config = base["gold"], report["config"]["baseline"]
    ours, theirs = gold["ours"], gold["llamaindex"]
    lines = [
        "## Against the stock llama-index hybrid",
        "",
        "What a user would assemble instead (`eval/baseline.py`): `QueryFusionRetriever` (`num_queries=1`, no LLM) over "
        "`VectorStoreIndex.from_vector_store(ChromaVectorStore)` and `BM25Retriever.from_defaults` (its default English "
        f"stemmer and stopwords), {config['candidates']} candidates each and {config['top_k']} fused, the same embedding "
        "model, the same chunks and vectors in a collection of its own. Passages are rolled up to documents (best "
        "passage per document).",
        "",
        f"On `{gold['dataset']}` ({gold['queries']} judged queries, {gold['documents']} documents, {gold['chunks']} chunks): "
        "nDCG@10 from `eval.harness`, and the latency of one retrieval of 10 documents, ours and theirs alternating "
        "query by query:",
        "",
        *_table(
            ["system", "nDCG@10", "cross-lingual nDCG@10", "p50 ms", "p95 ms"],
            [
                [
                    "policykb hybrid (`Searcher.search_documents`)",
                    ours["ndcg_at_10"],
                    ours["cross_lingual_ndcg_at_10"],
                    ours["p50_ms"],
                    ours["p95_ms"],
                ],
                [
                    "llama-index, `reciprocal_rerank`",
                    theirs["ndcg_at_10"],
                    theirs["cross_lingual_ndcg_at_10"],
                    theirs["p50_ms"],
                    theirs["p95_ms"],
                ],
                ["llama-index, `relative_score`", theirs["ndcg_at_10_relative_score"], "", "", ""],
            ],
        ),
        "",
        "Each side alone (nDCG@10): ours dense "
        f"{ours['ndcg_at_10_dense_only']}, ours lexical {ours['ndcg_at_10_lexical_only']}; llama-index vector "
        f"{theirs['ndcg_at_10_vector_only']}, llama-index BM25 {theirs['ndcg_at_10_bm25_only']}. Passages, vectors and "
        "candidate counts are the same, so the dense gap comes from how kb.search scores documents (per-language "
        "normalisation, country boost, translation lift); the lexical gap from per-language analysis against one "
        "English stemmer.",
        "",
        "On the synthetic stores (unfiltered; the stock BM25Retriever takes its filters when it is built, not per query):",
        "",
    ]
    rows = [
        [
            f"{int(size):,}",
            search[size]["p50_ms"],
            search[size]["p95_ms"],
            r["p50_ms"],
            r["p95_ms"],
            r["build_s"],
            r["peak_rss_mb"],
        ]
        for size, r in base["search"].items()
    ]
    return lines + _table(
        [
            "chunks",
            "ours p50 ms",
            "ours p95 ms",
            "llama-index p50 ms",
            "llama-index p95 ms",
            "llama-index build s",
            "llama-index peak RSS MiB",
        ],
        rows,
    )


def _ask(report: dict[str, Any]) -> list[str]:
    ask = report.get("ask")
    if not ask:
        return []
    return [
        "## Answers (`policykb ask`)",
        "",
        f"The extractive answerer on each of the {ask['queries']} queries of `{ask['dataset']}` over its corpus, in one "
        "warm process (model and indexes loaded, one untimed question first), with the embedding cache the ingest filled "
        "(its sentences read ahead, as a deployment has them): question analysis, a search per country named, sentence "
        f"selection, the quote check and Markdown. {ask['abstained']} answers abstained.",
        "",
        *_table(["p50 ms", "p95 ms"], [[ask["p50_ms"], ask["p95_ms"]]]),
    ]


def render_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `policykb bench`; every number below comes from one run on one machine (medians, 95th percentiles "
        "and ratios of that run). These machines are shared and noisy: compare runs, not single numbers.",
        "",
        "## Machine",
        "",
        f"- {m['cores']} cores, {m['cpu']}, {m['memory_mb']:,} MiB",
        f"- load average (1 min) {m['load_1m']} at start, {m.get('load_1m_end', 'n/a')} at end",
        f"- Python {m['python']}, chromadb {m['chromadb']}; {m['platform']}",
    ]
    for section in (_targets, _ingest, _search, _search_server, _serve, _scaling, _baseline, _ask):
        lines += ["", *section(report)]
    return "\n".join(lines) + "\n"
