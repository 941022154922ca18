"""What a plan for more chunks needs, per store size and per additional chunk."""

from __future__ import annotations

from typing import Any


def _per_chunk(values: dict[int, float | None], scale: float) -> float | None:
    """(largest - smallest) / chunks between them, times ``scale``: the marginal cost of one more chunk."""
    known = {size: value for size, value in values.items() if value is not None}
    if len(known) < 2:
        return None
    low, high = min(known), max(known)
    return round((known[high] - known[low]) * scale / (high - low), 3)


def scaling(search: dict[str, Any], search_server: dict[str, Any]) -> dict[str, Any]:
    """Per store size, what a plan for more chunks needs: fill time, disk, memory and latency; then per chunk.

    *Marginal* figures are the difference between the largest and the smallest size divided by the
    chunks between them, so fixed costs (model, runtime, empty files) drop out.
    """
    rows: dict[str, dict[str, Any]] = {}
    for size, r in search.items():
        served = search_server.get(size, {})
        disk = r.get("disk") or {}
        chunks = int(size)
        rows[size] = {
            "fill_s": r.get("fill_s"),
            "fill_ms_per_chunk": round(1000 * r["fill_s"] / chunks, 3) if r.get("fill_s") else None,
            "disk_mb": disk.get("total_mb"),
            "sqlite_mb": disk.get("sqlite_mb"),
            "hnsw_mb": disk.get("hnsw_mb"),
            "disk_kib_per_chunk": round(1024 * disk["total_mb"] / chunks, 2) if disk.get("total_mb") else None,
            "lexical_index_mb": r.get("lexical_index_mb"),
            "fill_load_1m": r.get("fill_load_1m"),
            "embedded_rss_mb": r.get("peak_rss_mb"),  # one process: model, lexical index (built) and Chroma
            # The app beside a Chroma server (model and lexical index), and the server: as served (saved
            # index loaded), and after the lexical index was built from the server (every passage read).
            "app_rss_mb": served.get("serving", {}).get("app_peak_rss_mb"),
            "app_build_rss_mb": served.get("peak_rss_mb"),
            "chroma_rss_mb": served.get("serving", {}).get("chroma_rss_mb"),
            "chroma_build_rss_mb": served.get("chroma_rss_mb"),
            "embedded_p50_ms": r["p50_ms"],
            "embedded_p95_ms": r["p95_ms"],
            "server_p50_ms": served.get("p50_ms"),
            "server_p95_ms": served.get("p95_ms"),
        }
    sizes = {int(size): row for size, row in rows.items()}

    def marginal(key: str, scale: float) -> float | None:
        return _per_chunk({size: row[key] for size, row in sizes.items()}, scale)

    def growth(key: str) -> float | None:
        known = {size: row[key] for size, row in sizes.items() if row[key]}
        return round(known[max(known)] / known[min(known)], 2) if len(known) >= 2 else None

    per_chunk = {
        "disk_kib": marginal("disk_mb", 1024),
        "sqlite_kib": marginal("sqlite_mb", 1024),
        "hnsw_kib": marginal("hnsw_mb", 1024),
        "lexical_index_kib": marginal("lexical_index_mb", 1024),
        "app_rss_kib": marginal("app_rss_mb", 1024),
        "app_build_rss_kib": marginal("app_build_rss_mb", 1024),
        "chroma_rss_kib": marginal("chroma_rss_mb", 1024),
        "chroma_build_rss_kib": marginal("chroma_build_rss_mb", 1024),
        "embedded_rss_kib": marginal("embedded_rss_mb", 1024),
        "fill_ms": marginal("fill_s", 1000),
    }
    latency_growth = {key: growth(key) for key in ("embedded_p50_ms", "embedded_p95_ms", "server_p50_ms", "server_p95_ms")}
    return {"sizes": rows, "marginal_per_chunk": per_chunk, "latency_growth": latency_growth}
