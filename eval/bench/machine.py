"""The machine a benchmark runs on, and the memory and CPU time of this process."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    memory_mb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    import chromadb

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_mb": memory_mb,
        "load_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "chromadb": chromadb.__version__,
        "platform": platform.platform(),
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    from eval.servers import process_memory_mb

    found = process_memory_mb("self", "VmHWM")
    return found if found is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB


def reset_peak_rss() -> bool:
    """Start a new VmHWM measurement in this process (Linux ``clear_refs``); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MiB (0 off Linux)."""
    from eval.servers import process_memory_mb

    return process_memory_mb("self") or 0.0


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def dir_mb(path: Path) -> float:
    """MiB of the files under ``path`` (0 when it does not exist)."""
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else 0
    return round(size / (1024 * 1024), 1)


def store_disk(path: Path) -> dict[str, float]:
    """Bytes on disk of an embedded Chroma folder, in MiB: its SQLite files, and the segment folders (HNSW)."""
    sqlite = sum(f.stat().st_size for f in path.glob("chroma.sqlite3*") if f.is_file())
    segments = sum(f.stat().st_size for d in path.iterdir() if d.is_dir() for f in d.rglob("*") if f.is_file())
    mib = 1024 * 1024
    return {
        "sqlite_mb": round(sqlite / mib, 1),
        "hnsw_mb": round(segments / mib, 1),
        "total_mb": round((sqlite + segments) / mib, 1),
    }
