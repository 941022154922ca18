"""Start and stop a real Chroma server (``chroma run``) on loopback for tests."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eval.servers import free_port, stop

__all__ = ["chroma_server", "chroma_server_process", "free_port", "stop"]


@contextmanager
def chroma_server(path: Path, timeout_s: float = 60) -> Iterator[str]:
    """Yield the URL of a Chroma server persisting to ``path``; stop it afterwards."""
    with chroma_server_process(path, timeout_s) as (url, _):
        yield url


@contextmanager
def chroma_server_process(
    path: Path, timeout_s: float = 60, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like :func:`chroma_server`, with the server's process too (for tests that pause or kill it).

    ``port``: the port of an earlier server, to restart it where its clients look for it.
    """
    port = port or free_port()
    chroma = Path(sys.executable).with_name("chroma")
    log = open(path.parent / f"chroma-{port}.log", "a")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not start on {url}; see {log.name}") from None
                time.sleep(0.2)
        yield url, process
    finally:
        stop(process)
        log.close()
