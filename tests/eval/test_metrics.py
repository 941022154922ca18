"""Metric definitions: a hand-computed three-query example, then pytrec_eval (trec_eval itself) as the oracle."""

from __future__ import annotations

import math

import pytest
import pytrec_eval
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.metrics import Measure, mrr_at_k, ndcg_at_k, percentile, recall_at_k, standard_measures

# Three queries, worked by hand with gain = grade and discount log2(rank + 1):
#
# q1: judgements a=2, b=1, c=0; ranking c, a, x, b
#     DCG@10  = 0/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5) = 1.261860 + 0.430677 = 1.692537
#     IDCG@10 = 2/log2(2) + 1/log2(3)                         = 2 + 0.630930       = 2.630930
#     nDCG@10 = 1.692537 / 2.630930 = 0.643322;  nDCG@3 = 1.261860 / 2.630930 = 0.479625
#     Recall@10 = 2/2 = 1;  Recall@3 = 1/2 (b is 4th);  MRR@10 = 1/2 (a is 2nd; c is judged 0)
# q2: judgements d=1, e=1, f=2; ranking f, d, d, g (the second d counts as nothing: ranking f, d, g)
#     DCG@10  = 2/log2(2) + 1/log2(3)             = 2.630930
#     IDCG@10 = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.630930 + 0.5 = 3.130930
#     nDCG@10 = 0.840303;  Recall@10 = 2/3 (e is missing);  MRR@10 = 1
# q3: judgement h=1; ranking r1..r10, then h at rank 11
#     everything @10 is 0;  nDCG@11 = (1/log2(12)) / 1 = 0.278943;  MRR@11 = 1/11
# Means over the three queries: nDCG@10 = (0.643322 + 0.840303 + 0) / 3 = 0.494542,
#     Recall@10 = (1 + 2/3 + 0) / 3 = 0.555556, MRR@10 = (1/2 + 1 + 0) / 3 = 0.5
QRELS = {"q1": {"a": 2, "b": 1, "c": 0}, "q2": {"d": 1, "e": 1, "f": 2}, "q3": {"h": 1}}
RUN = {"q1": ["c", "a", "x", "b"], "q2": ["f", "d", "d", "g"], "q3": [f"r{i}" for i in range(1, 11)] + ["h"]}


def test_hand_computed_three_queries() -> None:
    expected = {
        "q1": (0.643322, 1.0, 0.5),
        "q2": (0.840303, 2 / 3, 1.0),
        "q3": (0.0, 0.0, 0.0),
    }
    for qid, (ndcg, recall, mrr) in expected.items():
        assert ndcg_at_k(RUN[qid], QRELS[qid], 10) == pytest.approx(ndcg, abs=1e-6), qid
        assert recall_at_k(RUN[qid], QRELS[qid], 10) == pytest.approx(recall), qid
        assert mrr_at_k(RUN[qid], QRELS[qid], 10) == pytest.approx(mrr), qid
    assert ndcg_at_k(RUN["q1"], QRELS["q1"], 3) == pytest.approx(0.479625, abs=1e-6)
    assert recall_at_k(RUN["q1"], QRELS["q1"], 3) == 0.5
    assert ndcg_at_k(RUN["q3"], QRELS["q3"], 11) == pytest.approx(0.278943, abs=1e-6)
    assert mrr_at_k(RUN["q3"], QRELS["q3"], 11) == pytest.approx(1 / 11)
    means = {m: sum(m(RUN[q], QRELS[q]) for q in QRELS) / 3 for m in standard_measures(10)}
    assert means[Measure("ndcg", 10)] == pytest.approx(0.494542, abs=1e-6)
    assert means[Measure("recall", 10)] == pytest.approx(0.555556, abs=1e-6)
    assert means[Measure("mrr", 10)] == pytest.approx(0.5)


def test_edge_cases() -> None:
    relevance = {"a": 2, "b": 1}
    assert ndcg_at_k([], relevance, 10) == recall_at_k([], relevance, 10) == mrr_at_k([], relevance, 10) == 0.0
    # k beyond the ranking: the ideal still counts both relevant documents, so finding only a is < 1.
    assert ndcg_at_k(["a"], relevance, 50) == pytest.approx(2 / (2 + 1 / math.log2(3)))
    assert ndcg_at_k(["b", "a"], relevance, 50) == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    assert ndcg_at_k(["a", "b"], relevance, 1000) == 1.0
    # Only non-positive grades: no defined value, the caller must leave the query out.
    for metric in (ndcg_at_k, recall_at_k, mrr_at_k):
        with pytest.raises(ValueError, match="no relevant document"):
            metric(["a"], {"a": 0, "b": -1}, 10)
        with pytest.raises(ValueError, match="no relevant document"):
            metric(["a"], {}, 10)
        with pytest.raises(ValueError, match="k must be at least 1"):
            metric(["a"], relevance, 0)
    # A negative grade is not a negative gain (trec_eval clamps it to 0).
    assert ndcg_at_k(["x", "a"], {"x": -1, "a": 1}, 10) == pytest.approx(1 / math.log2(3))


def test_duplicates_count_once_at_their_first_rank() -> None:
    assert recall_at_k(["a", "a", "a"], {"a": 1, "b": 1}, 2) == 0.5
    assert mrr_at_k(["x", "x", "a"], {"a": 1}, 2) == 0.5  # a is 2nd once x's repeat is dropped
    assert ndcg_at_k(["a", "a"], {"a": 1}, 10) == 1.0


def test_measures_print_and_parse_back() -> None:
    assert [str(m) for m in standard_measures(10)] == ["ndcg@10", "recall@10", "recall@100", "mrr@10"]
    assert [str(m) for m in standard_measures(100)] == ["ndcg@100", "recall@100", "mrr@100"]
    assert Measure.parse("nDCG@10") == Measure("ndcg", 10)
    for bad in ("map@10", "ndcg", "ndcg@0", "recall@x"):
        with pytest.raises(ValueError, match="NAME@K"):
            Measure.parse(bad)


def test_percentile_is_nearest_rank() -> None:
    samples = [float(x) for x in range(1, 21)]  # 1..20
    assert percentile(samples, 50) == 10.0 and percentile(samples, 95) == 19.0 and percentile(samples, 100) == 20.0
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


DOCS = [f"d{i}" for i in range(12)]


@st.composite
def judged_run(draw: st.DrawFn) -> tuple[dict[str, int], list[str], int]:
    grades = draw(st.lists(st.integers(0, 2), min_size=len(DOCS), max_size=len(DOCS)))
    judged = draw(st.lists(st.sampled_from(DOCS), min_size=1, unique=True))  # the others are unjudged
    relevance = {doc: grades[i] for i, doc in enumerate(DOCS) if doc in judged}
    if not any(relevance.values()):
        relevance[judged[0]] = draw(st.integers(1, 2))
    ranking = draw(st.lists(st.sampled_from(DOCS + ["u1", "u2"]), min_size=1, unique=True))
    return relevance, ranking, draw(st.integers(1, 15))


@settings(max_examples=300, deadline=None)
@given(judged_run())
def test_metrics_agree_with_trec_eval(case: tuple[dict[str, int], list[str], int]) -> None:
    relevance, ranking, k = case
    # Distinct descending scores, so trec_eval's ordering (by score, ties by docno) is our ranking.
    run = {doc: float(len(ranking) - i) for i, doc in enumerate(ranking)}
    reference = pytrec_eval.RelevanceEvaluator({"q": relevance}, {f"ndcg_cut.{k}", f"recall.{k}"}).evaluate({"q": run})["q"]
    # trec_eval's recip_rank has no cutoff: give it the top k only.
    top_k = dict(list(run.items())[:k])
    rr = pytrec_eval.RelevanceEvaluator({"q": relevance}, {"recip_rank"}).evaluate({"q": top_k})["q"]["recip_rank"]
    assert ndcg_at_k(ranking, relevance, k) == pytest.approx(reference[f"ndcg_cut_{k}"], abs=1e-9)
    assert recall_at_k(ranking, relevance, k) == pytest.approx(reference[f"recall_{k}"], abs=1e-9)
    assert mrr_at_k(ranking, relevance, k) == pytest.approx(rr, abs=1e-9)
