"""The web app's temporary files: Gradio's uploads and cache, exported briefs. Deleted on a schedule and on exit.

Gradio writes every upload and every file it serves into its temporary folder and deletes nothing.
The server gives it a private folder of its own (mode 0700), deletes files older than a limit every
few minutes, and removes the folder when it stops (uvicorn stops cleanly on SIGTERM and Ctrl-C).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def private_temp_dir(parent: Path | None = None) -> Path:
    """A new folder only this user can read (mkdtemp creates it 0700), inside ``parent`` if given."""
    return Path(tempfile.mkdtemp(prefix="policykb-gradio-", dir=parent))


def sweep(folder: Path, max_age_s: float, now: float | None = None) -> int:
    """Delete files under ``folder`` last written more than ``max_age_s`` ago, then empty folders; the count deleted."""
    cutoff = (time.time() if now is None else now) - max_age_s
    deleted = 0
    emptied: set[Path] = set()  # folders this sweep deleted files from (which refreshed their mtime)
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = Path(root, name)
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
                    deleted += 1
                    emptied.add(Path(root))
            except OSError:
                continue  # gone already, or being replaced: the next sweep sees it
        for name in dirs:
            path = Path(root, name)
            try:
                # A new empty folder is one Gradio is about to write a file into: only old ones go.
                if path in emptied or path.lstat().st_mtime < cutoff:
                    path.rmdir()  # only succeeds when empty
                    emptied.add(Path(root))
            except OSError:
                continue
    return deleted


@contextmanager
def swept(
    folder: Path, max_age_s: float, interval_s: float | None = None, clock: Callable[[], float] = time.time
) -> Iterator[None]:
    """Sweep ``folder`` every ``interval_s`` (default: a tenth of the age, at most 10 minutes) while the
    block runs; remove the folder when it ends."""
    every = interval_s if interval_s is not None else min(600.0, max_age_s / 10)
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            sweep(folder, max_age_s, clock())

    worker = threading.Thread(target=run, name="policykb-temp-sweeper", daemon=True)
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)
