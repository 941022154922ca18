"""OCR's cost measured on the scanned documents' judgements only: the other relevant documents are the same on both sides."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from eval.metrics import Measure

MEASURES = ("ndcg@10", "recall@10", "mrr@10")
DIGITS = 4
LOSSES = 5  # queries listed (``--json``) per mode where the scanned documents lost the most nDCG@10


def changed_only(
    rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], changed: Collection[str]
) -> dict[str, dict[str, float]]:
    """Query id -> measure -> value, each query scored on its judgements of the documents ``changed`` only.

    The ranking is left whole: a changed document is scored where it stands among all documents, and
    the other relevant documents neither count nor are removed. Queries with no relevant changed
    document are left out.
    """
    measures = [Measure.parse(m) for m in MEASURES]
    scores: dict[str, dict[str, float]] = {}
    for qid, ranking in rankings.items():
        relevance = {doc: grade for doc, grade in qrels.get(qid, {}).items() if doc in changed}
        if any(grade > 0 for grade in relevance.values()):
            scores[qid] = {str(m): m(ranking, relevance) for m in measures}
    return scores


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), DIGITS)


def compare_changed(
    clean: Mapping[str, Sequence[str]],
    scanned: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    changed: Collection[str],
) -> dict[str, Any]:
    """Text layer against scans for one mode (rankings by query id), scored by :func:`changed_only`.

    Means on both sides, their gap (scanned minus text layer), and how many queries lost or gained nDCG@10.
    """
    before, after = changed_only(clean, qrels, changed), changed_only(scanned, qrels, changed)
    queries = sorted(before.keys() & after.keys())
    if not queries:
        return {"queries": 0}
    text = {m: _mean([before[q][m] for q in queries]) for m in MEASURES}
    scan = {m: _mean([after[q][m] for q in queries]) for m in MEASURES}
    delta = [after[q]["ndcg@10"] - before[q]["ndcg@10"] for q in queries]
    return {
        "queries": len(queries),
        "text": text,
        "scanned": scan,
        "gap": {m: round(scan[m] - text[m], DIGITS) for m in MEASURES},
        "worse": sum(1 for d in delta if d < -1e-9),
        "better": sum(1 for d in delta if d > 1e-9),
    }


def _rank(ranking: Sequence[str], doc: str) -> int | None:
    return ranking.index(doc) + 1 if doc in ranking else None


def losses(
    clean: Mapping[str, Sequence[str]],
    scanned: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    changed: Collection[str],
    texts: Mapping[str, str],
    limit: int = LOSSES,
) -> list[dict[str, Any]]:
    """The ``limit`` queries whose nDCG@10 on the changed documents fell most, with those documents' ranks on each side."""
    before, after = changed_only(clean, qrels, changed), changed_only(scanned, qrels, changed)
    drops = sorted(
        (after[q]["ndcg@10"] - before[q]["ndcg@10"], q) for q in before.keys() & after.keys()
    )  # worst first, then by id
    return [
        {
            "query_id": qid,
            "text": texts.get(qid, ""),
            "ndcg@10_drop": round(drop, DIGITS),
            "documents": [
                {"doc_id": doc, "grade": grade, "rank_text": _rank(clean[qid], doc), "rank_scanned": _rank(scanned[qid], doc)}
                for doc, grade in sorted(qrels[qid].items())
                if doc in changed and grade > 0
            ],
        }
        for drop, qid in drops[:limit]
        if drop < 0
    ]
