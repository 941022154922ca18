"""BENCHMARKS.md from a run's report: the machine, the targets, then one section per measurement."""

from __future__ import annotations

from typing import Any

from eval.bench.render_baseline import baseline_section
from eval.bench.render_search import scaling_section, search_section, search_server_section
from eval.markdown import table

# Targets of the issue; BENCHMARKS.md says which are met.
TARGET_INGEST_RATIO = 1.10


TARGET_P95_MS = 25.0


TARGET_FILTERED_P95_MS = 40.0


TARGET_SERVE_RSS_MB = 600.0


TARGET_ASK_P95_MS = 1000.0  # issue 6: a whole extractive answer, warm, on 2 cores


TARGET_SIZE = 100_000


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value <= target else "**not met**"


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
    drawn = table(
        ["target", "measured", ""],
        [[name, "n/a" if value is None else value, _verdict(value, target)] for name, value, target in rows],
    )
    return ["## Targets", "", *drawn]


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
        *table(
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
        "Where the ingest time goes (from the stage timers the ingest fills, `IngestReport.stages`; *parse wait* is the "
        "time the ingest "
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
    lines += table(["part", "seconds", "share"], [*rows, ["total", ing["seconds"], "100 %"]])
    if ing["failed"]:
        lines += ["", f"{len(ing['failed'])} files failed to ingest; first: {ing['failed'][0]}"]
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
        *table(["stage", "seconds", "peak RSS MiB"], rows),
    ]


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
        *table(["p50 ms", "p95 ms"], [[ask["p50_ms"], ask["p95_ms"]]]),
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
    for section in (_targets, _ingest, search_section, search_server_section, _serve, scaling_section, baseline_section, _ask):
        lines += ["", *section(report)]
    return "\n".join(lines) + "\n"
