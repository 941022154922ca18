"""The search measurement through a Chroma server (``chroma run``) over the same folder, with the server's memory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eval.bench.machine import dir_mb
from eval.bench.runner import in_child
from eval.bench.search import search_child
from eval.bench.serve import serve_child
from kb.config import EmbedConfig, StoreConfig


def server_search_bench(store_path: Path, workdir: Path, embed: EmbedConfig, rounds: int) -> dict[str, Any]:
    """The search cases of :func:`search_child` through a Chroma server over the same folder; the server's memory.

    ``chroma run --path`` opens the embedded store's folder as it is (same on-disk format, same tenant,
    database and collection names). The lexical index is built afresh from the server, as a new app
    process would; the search process holds no Chroma of its own, so its RSS is the app's share.
    """
    from eval.servers import chroma_server, process_memory_mb

    workdir.mkdir(parents=True, exist_ok=True)
    index_dir = workdir / "lexical"
    started = time.perf_counter()
    with chroma_server(store_path, workdir / "chroma.log") as server:
        up, idle = time.perf_counter() - started, process_memory_mb(server.pid)
        result = in_child(search_child, StoreConfig(chroma_url=server.url), index_dir, embed, rounds)
        # After the searches (HNSW loaded) and after serving every passage to the lexical index build.
        result["chroma_rss_mb"] = process_memory_mb(server.pid)
        result["chroma_peak_rss_mb"] = process_memory_mb(server.pid, "VmHWM")
    result["chroma_idle_rss_mb"] = idle
    result["chroma_start_s"] = round(up, 2)
    result["lexical_index_mb"] = dir_mb(index_dir)
    # Memory as served rather than as built: a fresh server, and a fresh app process that loads the saved
    # lexical index and answers every query with every filter (neither reads all passages).
    with chroma_server(store_path, workdir / "chroma-serving.log") as server:
        serving = in_child(serve_child, StoreConfig(chroma_url=server.url), index_dir, embed)
        result["serving"] = {
            "app_peak_rss_mb": serving["peak_rss_mb"],
            "app_stages": serving["stages"],
            "first_query_s": serving["first_query_s"],
            "chroma_rss_mb": process_memory_mb(server.pid),
            "chroma_peak_rss_mb": process_memory_mb(server.pid, "VmHWM"),
        }
    return result
