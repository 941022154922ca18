"""The saved lexical index's folder: file checksums, the swap that puts a new folder in place, and cleaning up.

Part of kb.lexical (the index itself); nothing here knows BM25.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import zlib
from pathlib import Path


def swap_in(temp: Path, directory: Path) -> None:
    """Put the complete folder ``temp`` in the place of ``directory``, the old one removed.

    Several app processes may share the folder (one Chroma server, one machine) and catch up with
    the same commit at once: the two-step swap is only safe for one of them at a time, hence the lock.
    """
    with open(directory.parent / f".{directory.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        old = directory.with_name(f".{directory.name}-old")
        clear(old)
        if directory.exists():
            os.replace(directory, old)
        os.replace(temp, directory)
        clear(old)


def data_files(directory: Path) -> list[str]:
    found = (path.relative_to(directory) for path in directory.rglob("*") if path.is_file())
    return sorted(str(name) for name in found if str(name) != "manifest.json")


def size_and_crc(path: Path) -> tuple[int, int]:
    crc = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return path.stat().st_size, crc


def check_files(directory: Path, files: dict[str, list[int]]) -> str | None:
    """A file that is missing, extra, or not the size and CRC-32 the manifest gives, or None."""
    found = data_files(directory)
    if sorted(files) != found:
        return f"files {sorted(set(files) ^ set(found))} missing or extra"
    for name, (size, crc) in files.items():
        if (directory / name).stat().st_size != size or size_and_crc(directory / name) != (size, crc):
            return f"{name} was changed or damaged"
    return None


def clear_abandoned(directory: Path) -> None:
    """Remove the temporary folders of saves killed half-way (a day old: a live save takes seconds)."""
    for temp in directory.parent.glob(f".{directory.name}-*"):
        try:
            if temp.is_dir() and time.time() - temp.stat().st_mtime > 86400:
                clear(temp)
        except OSError:
            pass


def clear(directory: Path) -> None:
    """Remove a folder and all it holds, if it is there."""
    shutil.rmtree(directory, ignore_errors=True)
