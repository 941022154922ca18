"""The search sections of BENCHMARKS.md: in-process, through a Chroma server, and scaling."""

from __future__ import annotations

from typing import Any

from eval.markdown import table


def search_section(report: dict[str, Any]) -> list[str]:
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
        *table(
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
        "Where a search spends its time (mean ms per search, from the searcher's stage timers, `Searcher.stages`; "
        "*Chroma nearest* is the "
        "vector query, with its `where` clause when the filter goes to Chroma; *Chroma get passages* reads the text "
        "and metadata of the passages returned):",
        "",
    ]
    lines += table(
        ["chunks", "filter", "query embedding", "Chroma nearest", "BM25", "Chroma get passages", "other", "mean"],
        _parts_rows(search),
    )
    embedding = report["query_embedding"]
    lines += [
        "",
        "The query embedding alone, by thread setting (each in a fresh process; *passive wait*: `OMP_WAIT_POLICY=PASSIVE`, "
        "OpenMP threads sleep instead of spinning while they wait for each other):",
        "",
        *table(
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


def search_server_section(report: dict[str, Any]) -> list[str]:
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
        *table(
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
        *table(
            ["chunks", "filter", "query embedding", "Chroma nearest", "BM25", "Chroma get passages", "other", "mean"],
            _parts_rows(served),
        ),
    ]


def scaling_section(report: dict[str, Any]) -> list[str]:
    scale = report.get("scaling")
    if not scale or not scale["sizes"]:
        return []

    rows = [
        [
            f"{int(size):,}",
            f"{_cell(r['fill_s'])} (load {r['fill_load_1m'] if r['fill_load_1m'] is not None else 'n/a'})",
            _cell(r["fill_ms_per_chunk"]),
            f"{_cell(r['disk_mb'])} ({_cell(r['sqlite_mb'])} + {_cell(r['hnsw_mb'])})",
            _cell(r["disk_kib_per_chunk"]),
            _cell(r["lexical_index_mb"]),
            f"{_cell(r['chroma_rss_mb'])} / {_cell(r['chroma_build_rss_mb'])}",
            f"{_cell(r['app_rss_mb'])} / {_cell(r['app_build_rss_mb'])}",
            _cell(r["embedded_rss_mb"]),
            f"{r['embedded_p50_ms']} / {r['embedded_p95_ms']}",
            f"{_cell(r['server_p50_ms'])} / {_cell(r['server_p95_ms'])}",
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
        *table(
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
    return lines + _marginal(scale)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _marginal(scale: dict[str, Any]) -> list[str]:
    """The sentence on the cost of one more chunk, when two sizes or more were measured."""
    marginal, growth = scale["marginal_per_chunk"], scale["latency_growth"]
    if marginal["disk_kib"] is None:
        return []
    sizes = sorted(int(size) for size in scale["sizes"])
    cell = _cell
    return [
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
