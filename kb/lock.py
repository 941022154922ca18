"""One writer process per store directory.

Two processes writing one Chroma directory corrupt its vector index, so writers take an exclusive
``flock`` on ``<store>/writer.lock``. The kernel drops the lock when the process dies, so a killed
ingest never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import StoreLockedError


@contextmanager
def writer_lock(path: str | None) -> Iterator[None]:
    """Hold the writer lock at ``path`` (None: no lock needed, e.g. a Chroma server)."""
    if path is None:
        yield
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime, closed in finally
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise StoreLockedError(
                f"{Path(path).parent}: the store is being written by {holder}; wait for it to finish "
                "(only one writer per store directory)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()
