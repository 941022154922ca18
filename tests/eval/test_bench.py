"""policykb bench measures real searches on a real (synthetic-content) Chroma store."""

from __future__ import annotations

from pathlib import Path

from eval.bench import render_markdown, run_bench


def test_bench_reports_latency_per_size_and_the_machine(cache_dir: Path) -> None:
    report = run_bench([200], cache_dir / "embeddings.sqlite")
    assert report["machine"]["cores"] >= 1 and report["machine"]["chromadb"].startswith("1.5")
    latency = report["search"]["200"]
    for key in ("p50_ms", "p95_ms", "filtered_p50_ms", "filtered_p95_ms", "broad_filter_p50_ms", "broad_filter_p95_ms"):
        assert 0 < latency[key] < 10_000, key
    assert latency["p50_ms"] <= latency["p95_ms"]
    markdown = render_markdown(report)
    assert markdown.startswith("# Benchmarks") and "| 200 |" in markdown
