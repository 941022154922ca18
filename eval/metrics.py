"""Rank metrics of one query, with the definitions trec_eval (and so pytrec_eval and ir_measures) uses.

- Relevant means a judgement grade above 0; unjudged documents count as grade 0.
- nDCG@k: gain = the grade (not 2^grade - 1), discount log2(rank + 1), normalised by the ideal
  ranking of *all* judged documents cut at k (Järvelin & Kekäläinen 2002; trec_eval's ``ndcg_cut``).
- Recall@k: relevant documents in the top k over all relevant documents.
- MRR@k: 1 / rank of the first relevant document in the top k, 0 if there is none.
- A document repeated in a ranking counts once, at its first rank.

A query with no relevant document has no defined value: these functions raise, and the caller
leaves the query out of the averages and counts it apart (as trec_eval leaves it out).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, NamedTuple

from eval.errors import InvalidValue

MeasureName = Literal["ndcg", "recall", "mrr"]
RECALL_DEPTH = 100  # Recall@100 is always reported: how much a reranker could still recover


def dedup(ranking: Sequence[str]) -> list[str]:
    """The ranking with repeated documents removed (each kept at its first rank)."""
    return list(dict.fromkeys(ranking))


def _check(relevance: Mapping[str, int], k: int) -> None:
    if k < 1:
        raise InvalidValue(f"k must be at least 1, got {k}")
    if not any(grade > 0 for grade in relevance.values()):
        raise InvalidValue("the query has no relevant document (grade > 0): leave it out of the averages, as trec_eval does")


def ndcg_at_k(ranking: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    """nDCG@k with graded gains (gain = grade, log2 discount, ideal from the judgements)."""
    _check(relevance, k)
    dcg = sum(max(relevance.get(doc, 0), 0) / math.log2(rank + 2) for rank, doc in enumerate(dedup(ranking)[:k]))
    ideal_grades = sorted((grade for grade in relevance.values() if grade > 0), reverse=True)[:k]
    ideal = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(ideal_grades))
    return dcg / ideal


def recall_at_k(ranking: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents (grade > 0) found in the top k."""
    _check(relevance, k)
    relevant = {doc for doc, grade in relevance.items() if grade > 0}
    return len(relevant.intersection(dedup(ranking)[:k])) / len(relevant)


def mrr_at_k(ranking: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    """Reciprocal rank of the first relevant document within the top k (0 when none is there)."""
    _check(relevance, k)
    for rank, doc in enumerate(dedup(ranking)[:k], start=1):
        if relevance.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


FUNCTIONS: dict[MeasureName, Callable[[Sequence[str], Mapping[str, int], int], float]] = {
    "ndcg": ndcg_at_k,
    "recall": recall_at_k,
    "mrr": mrr_at_k,
}


class Measure(NamedTuple):
    """A metric at a cutoff. It prints and parses back the same: ``str(Measure("ndcg", 10)) == "ndcg@10"``."""

    name: MeasureName
    k: int

    def __str__(self) -> str:
        return f"{self.name}@{self.k}"

    def __call__(self, ranking: Sequence[str], relevance: Mapping[str, int]) -> float:
        return FUNCTIONS[self.name](ranking, relevance, self.k)

    @classmethod
    def parse(cls, text: str) -> Measure:
        name, _, cutoff = text.strip().lower().partition("@")
        if name not in FUNCTIONS or not cutoff.isdigit() or int(cutoff) < 1:
            raise InvalidValue(f"unknown measure '{text}'; write NAME@K with NAME one of {', '.join(FUNCTIONS)}, e.g. ndcg@10")
        return cls(name, int(cutoff))


def standard_measures(k: int = 10) -> tuple[Measure, ...]:
    """The reported set: nDCG@k, Recall@k, Recall@100 and MRR@k (Recall@100 once when k is 100)."""
    measures = (Measure("ndcg", k), Measure("recall", k), Measure("recall", RECALL_DEPTH), Measure("mrr", k))
    return tuple(dict.fromkeys(measures))


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (the smallest sample with at least p % of samples at or below it)."""
    if not samples:
        raise InvalidValue("no samples")
    if not 0 < p <= 100:
        raise InvalidValue(f"p must be within (0, 100], got {p}")
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
