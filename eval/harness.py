"""Run a test set's queries through a retriever and average the metrics, overall and by group.

The harness is a plain function over a ``retrieve(query_text, mode, depth) -> [(doc_id, score)]``
callable (:func:`evaluate`), so any system can be measured the same way; :func:`evaluate_kb` is that
function applied to policykb itself, on a throw-away store filled with the dataset's corpus.

Groups: by query language, by kind, by crossing (``same``: the query has a relevant document in
its own language; ``cross``: it has none) and by language pair ``q->d``: the ranking and the
judgements both restricted to the documents in language ``d``, once per language among the query's
relevant documents. The pair measure says how well documents of ``d`` are ranked among themselves,
whatever the other languages do; it only sees the top ``depth`` documents of the full ranking.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from eval.beir import Dataset, Query, corpus_documents, corpus_languages
from eval.errors import DatasetError, EvalError, InvalidValue
from eval.metrics import RECALL_DEPTH, Measure, percentile, standard_measures
from ingest.config import IngestConfig
from kb.config import MODES, RetrievalConfig, StoreConfig

if TYPE_CHECKING:
    from kb.embed import Embedder
    from kb.store import Store
    from kb.sync import IngestReport, Progress

Retrieve = Callable[[str, str, int], list[tuple[str, float]]]  # (query text, mode, depth) -> [(doc_id, score)], best first
Ranking = list[tuple[str, float]]
DIGITS = 4  # metric averages are rounded to this many decimals in the report


class Evaluation(NamedTuple):
    summary: dict[str, Any]  # the ``policykb eval --json`` object
    per_query: dict[str, dict[str, dict[str, float]]]  # mode -> query id -> measure -> value
    rankings: dict[str, dict[str, Ranking]]  # mode -> query id -> the top ``depth`` documents with scores

    def results(self) -> dict[str, Any]:
        """The summary plus per-query values and rankings: what ``results.json`` holds."""
        rankings = {
            mode: {qid: [[doc, score] for doc, score in ranked] for qid, ranked in by_query.items()}
            for mode, by_query in self.rankings.items()
        }
        return {**self.summary, "per_query": self.per_query, "rankings": rankings}


def _scores(measures: Sequence[Measure], ranking: Sequence[str], relevance: Mapping[str, int]) -> dict[str, float]:
    return {str(m): m(ranking, relevance) for m in measures}


def _mean(entries: Sequence[dict[str, float]], measures: Sequence[Measure]) -> dict[str, float | int]:
    means: dict[str, float | int] = {str(m): round(sum(e[str(m)] for e in entries) / len(entries), DIGITS) for m in measures}
    means["queries"] = len(entries)
    return means


def _relevant_langs(relevance: Mapping[str, int], doc_langs: Mapping[str, str]) -> set[str]:
    return {doc_langs[doc] for doc, grade in relevance.items() if grade > 0 and doc_langs.get(doc)}


def _groups(
    query: Query, ranking: Sequence[str], relevance: Mapping[str, int], doc_langs: Mapping[str, str], measures: Sequence[Measure]
) -> list[tuple[str, str, dict[str, float]]]:
    """(breakdown, group, values) entries one query contributes besides the overall one."""
    full = _scores(measures, ranking, relevance)
    langs = _relevant_langs(relevance, doc_langs)
    entries = [
        ("by_lang", query.lang, full),
        ("by_kind", query.kind, full),
        ("by_crossing", "same" if query.lang in langs else "cross", full),
    ]
    for lang in sorted(langs):
        only = [doc for doc in ranking if doc_langs.get(doc) == lang]
        judged = {doc: grade for doc, grade in relevance.items() if doc_langs.get(doc) == lang}
        entries.append(("by_pair", f"{query.lang}->{lang}", _scores(measures, only, judged)))
    return entries


def _top(ranking: Ranking, depth: int) -> Ranking:
    """The first ``depth`` distinct documents (a repeated document keeps its first rank and score)."""
    seen: dict[str, float] = {}
    for doc, score in ranking:
        if doc not in seen:
            seen[doc] = round(float(score), 6)
            if len(seen) == depth:
                break
    return list(seen.items())


def run_evaluation(
    dataset: Dataset,
    retrieve: Retrieve,
    modes: Sequence[str] = MODES,
    k: int = 10,
    doc_langs: Mapping[str, str] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Retrieve every judged query in every mode and measure it. See :func:`evaluate`."""
    if k < 1:
        raise InvalidValue(f"k must be at least 1, got {k}")
    if not modes:
        raise InvalidValue("no mode to evaluate")
    doc_langs = corpus_languages(dataset) if doc_langs is None else doc_langs
    measures = standard_measures(k)
    depth = max(k, RECALL_DEPTH)
    judged = dataset.judged_queries()
    if not judged:
        raise DatasetError(f"{dataset.name}: no query has a relevant judgement; nothing to evaluate")
    problems = [str(p) for p in dataset.problems]
    missing = sorted({doc for q in judged for doc, g in dataset.qrels[q.query_id].items() if g > 0 and doc not in doc_langs})
    if missing and doc_langs:
        problems.append(
            f"{len(missing)} relevant documents are not in the corpus (first: '{missing[0]}'); they count as not found"
        )

    modes_out: dict[str, Any] = {}
    per_query: dict[str, dict[str, dict[str, float]]] = {}
    rankings: dict[str, dict[str, Ranking]] = {}
    for mode in modes:
        modes_out[mode], per_query[mode], rankings[mode] = _evaluate_mode(dataset, retrieve, mode, measures, depth, doc_langs)
    summary = {
        "dataset": dataset.name,
        "queries": len(dataset.queries),
        "evaluated": len(judged),
        "skipped_no_relevant": len(dataset.queries) - len(judged),
        "documents": len(doc_langs),
        "config": {"k": k, "depth": depth, "measures": [str(m) for m in measures], **jsonable(dict(config or {}))},
        "modes": modes_out,
        "problems": problems,
    }
    return Evaluation(summary, per_query, rankings)


def _evaluate_mode(
    dataset: Dataset, retrieve: Retrieve, mode: str, measures: Sequence[Measure], depth: int, doc_langs: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, dict[str, float]], dict[str, Ranking]]:
    """One mode over every judged query: its summary (overall, by group, latency), per-query values and rankings."""
    judged = dataset.judged_queries()
    retrieve(judged[0].text, mode, depth)  # warm-up, untimed: model load, index build, caches
    overall: list[dict[str, float]] = []
    grouped: dict[str, dict[str, list[dict[str, float]]]] = defaultdict(lambda: defaultdict(list))
    latencies: list[float] = []
    per_query: dict[str, dict[str, float]] = {}
    rankings: dict[str, Ranking] = {}
    for query in judged:
        start = time.perf_counter()
        ranked = retrieve(query.text, mode, depth)
        latencies.append((time.perf_counter() - start) * 1000)
        rankings[query.query_id] = top = _top(ranked, depth)
        ranking = [doc for doc, _ in top]
        relevance = dataset.qrels[query.query_id]
        overall.append(_scores(measures, ranking, relevance))
        per_query[query.query_id] = {name: round(value, 6) for name, value in overall[-1].items()}
        for breakdown, group, values in _groups(query, ranking, relevance, doc_langs, measures):
            grouped[breakdown][group].append(values)
    summary = {
        "overall": _mean(overall, measures),
        **{
            breakdown: {group: _mean(grouped[breakdown][group], measures) for group in sorted(grouped[breakdown])}
            for breakdown in ("by_lang", "by_pair", "by_crossing", "by_kind")
        },
        "latency_ms": {"p50": round(percentile(latencies, 50), 1), "p95": round(percentile(latencies, 95), 1)},
    }
    return summary, per_query, rankings


def evaluate(
    dataset: Dataset,
    retrieve: Retrieve,
    modes: Sequence[str] = MODES,
    k: int = 10,
    doc_langs: Mapping[str, str] | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``policykb eval --json`` object for any retriever.

    Only queries with a relevant judgement are run (the others are counted in
    ``skipped_no_relevant``); ``retrieve`` is called with depth ``max(k, 100)``, once untimed per mode
    to warm up, then once per query, timed (wall clock). ``doc_langs`` maps document ids to
    languages; by default they are read from the dataset's ``corpus.jsonl`` (a folder of files needs
    them from the store: :func:`store_languages`). ``config`` describes the system in the report.
    """
    return run_evaluation(dataset, retrieve, modes, k, doc_langs, config).summary


def jsonable(value: Any) -> Any:
    """Plain JSON values: dict keys as strings, tuples as lists, paths as strings."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return str(value) if isinstance(value, Path) else value


def store_languages(store: Store) -> dict[str, str]:
    """Document id -> language of the documents committed to ``store``."""
    return {doc_id: str(doc.metadata.get("lang", "")) for doc_id, doc in store.stored_documents().items()}


def ingest_corpus(
    dataset: Dataset, store: Store, embedder: Embedder, config: IngestConfig = IngestConfig(), progress: Progress | None = None
) -> IngestReport:
    """Put the dataset's corpus into ``store``: the rows of its ``corpus.jsonl`` or its folder of files."""
    from kb.sync import ingest_documents, ingest_paths

    if dataset.corpus_file is not None:
        return ingest_documents(corpus_documents(dataset.corpus_file), store, embedder, config, root=str(dataset.corpus_file))
    if dataset.documents_dir is None:
        raise DatasetError(f"{dataset.name}: the dataset names no corpus")
    if progress is None:
        return ingest_paths([dataset.documents_dir], store, embedder, config)
    return ingest_paths([dataset.documents_dir], store, embedder, config, progress=progress)


@contextmanager
def ingested_store(
    dataset: Dataset,
    embedder: Embedder,
    ingest: IngestConfig = IngestConfig(),
    progress: Progress | None = None,
    server: StoreConfig | None = None,
) -> Iterator[tuple[Store, IngestReport, dict[str, str]]]:
    """A temporary store holding the dataset's corpus, deleted on exit: (store, report, doc id -> language).

    Embedded by default; with ``server`` (a StoreConfig with a chroma_url), collections of their own
    on that Chroma server, dropped on exit. Raises :class:`DatasetError` when no document of the
    corpus could be ingested.
    """
    from kb.config import StoreConfig
    from kb.store import Store

    with tempfile.TemporaryDirectory(prefix="policykb-eval-", ignore_cleanup_errors=True) as tmp:
        if server is not None and server.chroma_url:
            config = replace(server, collection_prefix=f"policykb-eval-{uuid.uuid4().hex[:12]}")
        else:
            config = StoreConfig(path=Path(tmp))
        store = Store(config)
        try:
            report = ingest_corpus(dataset, store, embedder, ingest, progress)
            doc_langs = store_languages(store)
            if not doc_langs:
                first = f" (first error: {report.failed[0]})" if report.failed else ""
                raise DatasetError(f"{dataset.name}: no document of the corpus could be ingested{first}")
            yield store, report, doc_langs
        finally:
            if config.chroma_url:
                store.drop()


def evaluate_kb(
    dataset: Dataset,
    embedder: Embedder,
    modes: Sequence[str] = MODES,
    k: int = 10,
    retrieval: RetrievalConfig = RetrievalConfig(index_dir=None),
    ingest: IngestConfig = IngestConfig(),
    progress: Progress | None = None,
    on_ingested: Callable[[Store, IngestReport], None] | None = None,
    server: StoreConfig | None = None,
) -> Evaluation:
    """Evaluate policykb's own search on ``dataset``: ingest its corpus into a temporary store, search, measure.

    Embeddings come from ``embedder``'s content-hash cache when it has them, so a second run over the
    same corpus only pays for parsing and searching. The store is deleted at the end; ``on_ingested``
    sees it and the ingest report before the queries run. Documents that fail to ingest are listed
    in the summary's ``problems``, and the run goes on without them.
    """
    from kb.embed import MODEL_ID
    from kb.search import Searcher

    unknown = [mode for mode in modes if mode not in MODES]
    if unknown:
        raise EvalError(f"unknown mode '{unknown[0]}'; known: {', '.join(MODES)}")
    with ingested_store(dataset, embedder, ingest, progress, server) as (store, report, doc_langs):
        if on_ingested is not None:
            on_ingested(store, report)
        searcher = Searcher(store, embedder, retrieval)

        def retrieve(text: str, mode: str, depth: int) -> Ranking:
            hits = searcher.search_documents(text, k=depth, mode=mode)  # type: ignore[arg-type]  # checked against MODES above
            return [(hit.doc_id, hit.score) for hit in hits]

        config = {"embedding_model": MODEL_ID, "retrieval": asdict(retrieval), "chunk": asdict(ingest.chunk)}
        evaluation = run_evaluation(dataset, retrieve, modes, k, doc_langs, config)
    summary = {**evaluation.summary, "problems": [str(err) for err in report.failed] + evaluation.summary["problems"]}
    return evaluation._replace(summary=summary)
