"""policykb bench runs end to end on tiny sizes and reports what the issue asks for, in the shape it asks.

Only the shape is checked: timings on these shared machines are not something a test can assert.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.beir import Dataset, Query
from eval.bench import VOCABULARY, ingest_bench, synthetic_store, synthetic_texts
from kb.analysis import analyze
from policykb.cli import main

CORPUS = [
    {
        "_id": "ma/charte.fr",
        "title": "Charte de la PME",
        "lang": "fr",
        "text": "Article 1. Est une petite ou moyenne entreprise toute entreprise employant moins de deux cents "
        "personnes. Article 2. Les entreprises éligibles bénéficient d'incitations fiscales à l'investissement.",
    },
    {
        "_id": "eg/parks.ar",
        "title": "قرار المناطق التكنولوجية",
        "lang": "ar",
        "text": "المادة 1. تتمتع الشركات العاملة في المناطق التكنولوجية بإعفاءات جمركية على المعدات. "
        "المادة 2. تتولى هيئة المناطق التكنولوجية إدارة المنطقة وتسييرها.",
    },
    {
        "_id": "tn/guarantee.en",
        "title": "Export credit guarantee note",
        "lang": "en",
        "text": "The export credit guarantee fund covers loans to small exporters. Banks apply on behalf of the "
        "enterprise; the fund guarantees up to seventy per cent of the loan.",
    },
]
QUERIES = [
    {"_id": "q1", "text": "incitations fiscales pour les petites entreprises", "lang": "fr"},
    {"_id": "q2", "text": "customs exemptions in technology zones", "lang": "en"},
    {"_id": "q3", "text": "صندوق ضمان قروض التصدير", "lang": "ar"},
]
QRELS = [("q1", "ma/charte.fr", 2), ("q2", "eg/parks.ar", 2), ("q3", "tn/guarantee.en", 2)]


@pytest.fixture()
def beir_dir(tmp_path: Path) -> Path:
    root = tmp_path / "tiny"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in CORPUS), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUERIES), encoding="utf-8")
    lines = ["query-id\tcorpus-id\tscore", *(f"{q}\t{d}\t{g}" for q, d, g in QRELS)]
    (root / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_bench_command_prints_the_issue_json_and_writes_benchmarks_md(
    beir_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYKB_CACHE_DIR", str(tmp_path / "cache"))  # synthetic stores go there
    # Spinning OpenMP threads stall for up to a second on a busy machine (BENCHMARKS.md); this test
    # checks the report's shape, not speed, so its child processes let waiting threads sleep.
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    out = tmp_path / "BENCHMARKS.md"
    assert main(["bench", "--sizes", "60", "--rounds", "1", "--dataset", str(beir_dir), "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)

    assert set(report) >= {"machine", "ingest", "search", "baseline_llamaindex", "serve_rss_mb"}
    assert report["machine"]["cores"] >= 1 and report["machine"]["chromadb"].startswith("1.5")
    ingest = report["ingest"]
    assert ingest["chunks"] >= 3 and ingest["documents"] == 3 and ingest["failed"] == []
    for key in ("chunks_per_s", "pages_per_s", "ratio_to_embedding", "ratio_to_own_embedding", "peak_rss_mb", "embedding_s"):
        assert ingest[key] > 0, key
    assert ingest["sparse_head"] == "not used" and "texts" not in ingest
    assert {"embed", "chunk", "chroma_write", "lexical_index", "other"} <= set(ingest["breakdown_s"])

    latency = report["search"]["60"]
    assert set(report["search"]) == {"60"}
    for key in ("p50_ms", "p95_ms", "filtered_p50_ms", "filtered_p95_ms", "broad_filter_p95_ms"):
        assert 0 < latency[key] < 60_000, key
    assert latency["p50_ms"] <= latency["p95_ms"] and latency["first_query_s"] > 0
    assert {"embed_query", "chroma_nearest", "bm25", "other"} <= set(latency["parts_ms"])
    served = report["search_server"]["60"]  # the same store through `chroma run`
    assert served["chunks"] == 60, "the Chroma server opened the synthetic store's collections"
    for key in ("p50_ms", "p95_ms", "filtered_p95_ms", "broad_filter_p95_ms", "chroma_rss_mb", "chroma_peak_rss_mb", "rss_mb"):
        assert served[key] > 0, f"server mode: {key}"
    assert served["serving"]["app_peak_rss_mb"] > 0 and served["serving"]["chroma_rss_mb"] > 0, "memory as served"
    scale = report["scaling"]["sizes"]["60"]
    assert scale["disk_mb"] > 0 and scale["fill_s"] is not None and scale["server_p95_ms"] == served["p95_ms"]
    assert all(r["p95_ms"] > 0 for r in report["query_embedding"].values()) and "1_thread" in report["query_embedding"]

    baseline = report["baseline_llamaindex"]
    gold = baseline["gold"]
    assert gold["queries"] == 3 and gold["documents"] == 3
    for system in ("ours", "llamaindex"):
        assert 0 <= gold[system]["ndcg_at_10"] <= 1 and gold[system]["p95_ms"] > 0, system
    assert 0 <= gold["llamaindex"]["ndcg_at_10_bm25_only"] <= 1 and 0 <= gold["ours"]["ndcg_at_10_dense_only"] <= 1
    gap = {row["name"]: row for row in gold["dense_gap"]}
    assert {"llama-index vector-only (stock)", "ours, dense plain", "ours, dense (shipped)"} <= set(gap), (
        "the dense gap, decomposed"
    )
    assert all(0 <= row["ndcg_at_10"] <= 1 for row in gap.values())
    assert set(baseline["search"]) == {"60"} and baseline["search"]["60"]["p95_ms"] > 0
    assert report["serve_rss_mb"] > 0 and report["serve"]["chunks"] == 60
    assert set(report["serve"]["stages"]) == {"lexical_index", "translations", "queries"}
    ask = report["ask"]
    assert ask["queries"] == 3 and 0 < ask["p50_ms"] <= ask["p95_ms"], "ask latency on every query of the set"

    markdown = out.read_text(encoding="utf-8")
    assert markdown.startswith("# Benchmarks") and "## Machine" in markdown and "cores" in markdown
    assert "| 60 |" in markdown and "## Ingest" in markdown and "not used" in markdown and "llama-index" in markdown
    assert "## Answers (`policykb ask`)" in markdown and "ask p95 (extractive, warm)" in markdown
    assert "### Search latency, Chroma server" in markdown and "## Scaling" in markdown
    assert "Where the dense gap comes from" in markdown and "| ours, dense plain |" in markdown


def test_ingest_bench_on_files_times_every_part(fixture_docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # as above: shape, not speed
    dataset = Dataset(
        "fixture", (Query("q", "clusters", "en", "single"),), {"q": {"ma/loi-poles.fr.pdf": 2}}, documents_dir=fixture_docs
    )
    ingest = ingest_bench(dataset, tmp_path / "ingest")
    assert ingest["documents"] == 6 and ingest["pages"] >= 6 and ingest["chunks"] >= 6
    parts = ingest["breakdown_s"]
    assert parts["parse_wait"] > 0 and parts["embed"] > 0 and parts["count_tokens"] <= parts["chunk"]
    assert parts["read_ahead"] > 0 and ingest["sentences_read_ahead"] > 0, "the sentences read ahead are model work too"
    total = sum(v for k, v in parts.items() if k != "count_tokens")
    assert total == pytest.approx(ingest["seconds"], abs=0.01), "the parts add up to the wall time"
    assert ingest["embedding_batches"] >= ingest["pure_embedding_batches"]
    assert (tmp_path / "ingest" / "store" / "policykb_lexical" / "manifest.json").is_file(), "the lexical index was updated"


def test_a_synthetic_store_is_filled_once_and_then_reused(tmp_path: Path) -> None:
    path, seconds = synthetic_store(40, tmp_path / "cache", tmp_path / "work")
    again, reused = synthetic_store(40, tmp_path / "cache", tmp_path / "work")
    assert seconds is not None and reused is None and again == path and (path / "complete").is_file()


def test_synthetic_texts_are_in_their_language_and_give_bm25_terms() -> None:
    import numpy as np

    texts = synthetic_texts(0, ["ar", "fr", "en"], np.random.default_rng(0))
    for text, lang in zip(texts, ("ar", "fr", "en"), strict=True):
        words = text.split()[:-1]  # the last token is the passage number
        own = sum(word in VOCABULARY[lang] for word in words)
        assert own >= 0.7 * len(words), f"{lang}: mostly {lang} words"
        assert len(analyze(text, lang)) >= 20, f"{lang}: BM25 has terms to index"
