"""The harness: aggregation checked by hand on fixed rankings, then end to end through the real Searcher."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from eval.beir import Dataset, Query, load_dataset
from eval.harness import Evaluation, evaluate, evaluate_kb, run_evaluation
from kb.embed import Embedder

MEASURES = ("ndcg@10", "recall@10", "recall@100", "mrr@10")


def small_dataset(root: Path) -> Path:
    """Eight short documents in three languages on distinct topics, six queries, one bad corpus row.

    en-olive, the exact-topic answer of q-olive, comes last in the corpus, so that no tie between
    documents can be broken in its favour by corpus order.
    """
    docs = [
        (
            "fr-peche",
            "fr",
            "Pêche artisanale",
            "Le programme marocain d'appui à la pêche artisanale finance la modernisation "
            "des barques et des moteurs des pêcheurs côtiers.",
        ),
        (
            "ar-water",
            "ar",
            "تحلية المياه",
            "تعتمد الأردن خطة وطنية لتحلية مياه البحر في العقبة ونقل المياه المحلاة إلى عمان عبر خط أنابيب طويل.",
        ),
        (
            "en-solar",
            "en",
            "Solar feed-in tariff",
            "Egypt pays a feed-in tariff for electricity from rooftop solar panels installed by households and small firms.",
        ),
        (
            "fr-tourisme",
            "fr",
            "Tourisme rural",
            "La stratégie libanaise du tourisme rural soutient les maisons d'hôtes et les sentiers de randonnée en montagne.",
        ),
        (
            "ar-startup",
            "ar",
            "قانون المؤسسات الناشئة",
            "يمنح قانون المؤسسات الناشئة في تونس علامة مؤسسة ناشئة تخول صاحبها عطلة لبعث مشروعه ومنحة شهرية.",
        ),
        (
            "en-startup",
            "en",
            "Start-up Act",
            "The Tunisian Start-up Act grants a start-up label that entitles founders to "
            "leave from their job and a monthly grant.",
        ),
        (
            "fr-dechets",
            "fr",
            "Gestion des déchets",
            "Le plan algérien de gestion des déchets ménagers prévoit le tri sélectif et des centres d'enfouissement technique.",
        ),
        (
            "en-olive",
            "en",
            "Olive oil export support",
            "Tunisian olive oil cooperatives receive an export subsidy for each "
            "tonne of bottled extra virgin olive oil shipped abroad.",
        ),
    ]
    corpus = [json.dumps({"_id": i, "title": t, "text": x, "lang": lang}, ensure_ascii=False) for i, lang, t, x in docs]
    corpus.insert(3, json.dumps({"_id": "broken", "title": "no text field"}))
    queries = [
        {"_id": "q-olive", "text": "export subsidy for olive oil cooperatives", "lang": "en", "kind": "single"},
        {"_id": "q-peche", "text": "modernisation des barques de pêche artisanale", "lang": "fr", "kind": "single"},
        {"_id": "q-water", "text": "تحلية مياه البحر في الأردن", "kind": "single"},
        {"_id": "q-desal", "text": "seawater desalination plan in Jordan", "lang": "en", "kind": "single"},
        {
            "_id": "q-startup",
            "text": "label start-up et congé pour créer son entreprise en Tunisie",
            "lang": "fr",
            "kind": "comparative",
        },
        {"_id": "q-none", "text": "nuclear power plant licensing", "lang": "en", "kind": "no_answer"},
    ]
    qrels = ["query-id\tcorpus-id\tscore", "q-olive\ten-olive\t2", "q-peche\tfr-peche\t2", "q-water\tar-water\t2"]
    qrels += ["q-desal\tar-water\t2", "q-startup\tar-startup\t2", "q-startup\ten-startup\t1", "q-startup\tfr-dechets\t0"]
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("\n".join(corpus) + "\n", encoding="utf-8")
    (root / "queries.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in queries) + "\n", encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text("\n".join(qrels) + "\n", encoding="utf-8")
    return root


# --- aggregation, on fixed rankings ------------------------------------------------------------
# q1 (en): judged en-a=1, fr-b=2; ranking fr-x, en-a, fr-b, en-a (repeat dropped)
#   full:   MRR 1/2; nDCG = (1/log2(3) + 2/log2(4)) / (2 + 1/log2(3)) = 1.630930 / 2.630930 = 0.619909
#   en->en: ranking en-a; judged en-a=1               -> nDCG 1, MRR 1
#   en->fr: ranking fr-x, fr-b; judged fr-b=2         -> nDCG (2/log2(3)) / 2 = 0.630930, MRR 1/2
#   crossing: same (en-a is English)
# q2 (ar, no kind): judged fr-b=1; ranking fr-b       -> everything 1; ar->fr; crossing: cross
# q3 (en): no judgement                               -> not run, counted in skipped_no_relevant
DOC_LANGS = {"en-a": "en", "fr-b": "fr", "fr-x": "fr"}
FIXED = {"q1 text": [("fr-x", 0.9), ("en-a", 0.8), ("fr-b", 0.7), ("en-a", 0.1)], "q2 text": [("fr-b", 0.5)]}
FIXED_SET = Dataset(
    "fixed",
    (Query("q1", "q1 text", "en", "single"), Query("q2", "q2 text", "ar", "all"), Query("q3", "q3 text", "en", "no_answer")),
    {"q1": {"en-a": 1, "fr-b": 2}, "q2": {"fr-b": 1}},
)


def fixed_retrieve(text: str, mode: str, depth: int) -> list[tuple[str, float]]:
    assert depth == 100, "the harness retrieves to depth 100 for Recall@100"
    return FIXED[text] if mode == "good" else []


def test_aggregation_by_hand_on_fixed_rankings() -> None:
    evaluation = run_evaluation(FIXED_SET, fixed_retrieve, ["good", "empty"], 10, DOC_LANGS, {"system": "fixed lists"})
    summary = evaluation.summary
    assert (summary["queries"], summary["evaluated"], summary["skipped_no_relevant"], summary["documents"]) == (3, 2, 1, 3)
    assert summary["config"] == {"k": 10, "depth": 100, "measures": list(MEASURES), "system": "fixed lists"}
    good = summary["modes"]["good"]
    q1_ndcg = (1 / math.log2(3) + 2 / math.log2(4)) / (2 + 1 / math.log2(3))
    assert good["overall"] == {
        "ndcg@10": round((q1_ndcg + 1) / 2, 4),
        "recall@10": 1.0,
        "recall@100": 1.0,
        "mrr@10": 0.75,
        "queries": 2,
    }
    assert good["by_pair"]["en->en"]["ndcg@10"] == 1.0 and good["by_pair"]["en->en"]["mrr@10"] == 1.0
    assert good["by_pair"]["en->fr"]["ndcg@10"] == round(2 / math.log2(3) / 2, 4) and good["by_pair"]["en->fr"]["mrr@10"] == 0.5
    assert good["by_pair"]["ar->fr"]["mrr@10"] == 1.0
    assert set(good["by_pair"]) == {"en->en", "en->fr", "ar->fr"}
    assert good["by_crossing"]["same"]["mrr@10"] == 0.5 and good["by_crossing"]["cross"]["mrr@10"] == 1.0
    assert good["by_lang"]["en"]["queries"] == 1 and good["by_kind"] == {
        "all": {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0, "queries": 1},
        "single": {"ndcg@10": round(q1_ndcg, 4), "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 0.5, "queries": 1},
    }
    assert summary["modes"]["empty"]["overall"]["ndcg@10"] == 0.0
    assert evaluation.rankings["good"]["q1"] == [("fr-x", 0.9), ("en-a", 0.8), ("fr-b", 0.7)], "a repeat keeps its first rank"
    assert evaluation.per_query["good"]["q1"]["mrr@10"] == 0.5
    assert set(good["latency_ms"]) == {"p50", "p95"} and good["latency_ms"]["p50"] <= good["latency_ms"]["p95"]
    results = evaluation.results()
    assert results["rankings"]["good"]["q2"] == [["fr-b", 0.5]] and "q3" not in results["rankings"]["good"]
    assert evaluate(FIXED_SET, fixed_retrieve, ["good"], 10, DOC_LANGS)["modes"]["good"]["overall"] == good["overall"]
    json.dumps(results)  # serialisable as it is


def test_relevant_documents_missing_from_the_corpus_are_reported() -> None:
    summary = evaluate(FIXED_SET, fixed_retrieve, ["good"], 10, {"en-a": "en", "fr-x": "fr"})
    assert summary["problems"] == ["1 relevant documents are not in the corpus (first: 'fr-b'); they count as not found"]
    assert set(summary["modes"]["good"]["by_pair"]) == {"en->en"}, "no pair for a document of unknown language"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        evaluate(FIXED_SET, fixed_retrieve, ["good"], 0, DOC_LANGS)
    with pytest.raises(ValueError, match="no mode"):
        evaluate(FIXED_SET, fixed_retrieve, [], 10, DOC_LANGS)


# --- end to end: the real Searcher on a real store ----------------------------------------------
def _all_values(group: dict[str, Any]) -> list[float]:
    return [group[m] for m in MEASURES]


@pytest.fixture(scope="module")
def small_eval(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Evaluation:
    return evaluate_kb(load_dataset(small_dataset(tmp_path_factory.mktemp("eval") / "small")), embedder)


def test_small_dataset_end_to_end(small_eval: Evaluation) -> None:
    summary = json.loads(json.dumps(small_eval.summary))
    assert (summary["dataset"], summary["queries"], summary["evaluated"], summary["documents"]) == ("small", 6, 5, 8)
    assert summary["skipped_no_relevant"] == 1, "the no_answer query is not run"
    assert len(summary["problems"]) == 1 and "corpus.jsonl:4: field 'text' is missing" in summary["problems"][0]
    assert summary["config"]["retrieval"]["index_dir"] is None and summary["config"]["retrieval"]["mode"] == "hybrid"
    assert list(summary["modes"]) == ["dense", "lexical", "hybrid"]
    for mode, out in summary["modes"].items():
        assert set(out) == {"overall", "by_lang", "by_pair", "by_crossing", "by_kind", "latency_ms"}, mode
        assert set(out["by_lang"]) == {"en", "fr", "ar"}, f"{mode}: q-water has no lang: detected as Arabic"
        assert set(out["by_pair"]) == {"en->en", "fr->fr", "ar->ar", "en->ar", "fr->ar", "fr->en"}, mode
        assert set(out["by_crossing"]) == {"same", "cross"} and out["by_crossing"]["cross"]["queries"] == 2, mode
        assert set(out["by_kind"]) == {"single", "comparative"}, mode
        groups = [out["overall"], *(g for b in ("by_lang", "by_pair", "by_crossing", "by_kind") for g in out[b].values())]
        assert all(0.0 <= v <= 1.0 for g in groups for v in _all_values(g)), f"{mode}: a metric outside [0, 1]"
        assert 0 < out["latency_ms"]["p50"] <= out["latency_ms"]["p95"], mode
    # Dense and hybrid rank the whole 8-document corpus (lexical only documents that share a word).
    assert len(small_eval.rankings["dense"]["q-olive"]) == len(small_eval.rankings["hybrid"]["q-olive"]) == 8
    assert summary["modes"]["hybrid"]["overall"]["recall@100"] == 1.0
    # The lexical side matches words in the query's language: the Arabic document is its best for the Arabic query.
    assert small_eval.rankings["lexical"]["q-water"][0][0] == "ar-water", "ar->ar lexical"


def test_exact_topic_match_ranks_first_in_hybrid(small_eval: Evaluation) -> None:
    # q-olive's only relevant document is on its exact topic (olive oil export subsidy) and in its language.
    # It is last in the corpus, so it cannot win a tie by index position: the best document of each
    # language scores 1.0 after per-language normalisation, and kb breaks those ties by raw similarity.
    ranking = small_eval.rankings["hybrid"]["q-olive"]
    assert small_eval.per_query["hybrid"]["q-olive"]["mrr@10"] == 1.0, f"en->en exact topic not first in hybrid: {ranking[:4]}"


def test_second_run_embeds_nothing_again(tmp_path: Path, embedder: Embedder, small_eval: Evaluation) -> None:
    before = embedder.passages_embedded
    again = evaluate_kb(load_dataset(small_dataset(tmp_path / "small")), embedder, modes=["hybrid"])
    assert embedder.passages_embedded == before, "the second run re-embedded passages instead of using the cache"
    assert again.summary["modes"]["hybrid"]["overall"] == small_eval.summary["modes"]["hybrid"]["overall"]
