"""A Chroma server that hangs: commands time out instead of waiting forever, and recover when it answers again."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from kb.config import StoreConfig
from kb.errors import StoreUnavailableError
from kb.store import Store
from tests.chroma_server import chroma_server_process

pytestmark = pytest.mark.server


@contextmanager
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers: a hung Chroma."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_opening_a_hung_server_times_out_with_a_clear_message() -> None:
    with silent_server() as url:
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError, match=f"cannot reach the Chroma server at {url} \\(ReadTimeout\\)"):
            Store(StoreConfig(chroma_url=url, timeout_s=1.0))
        assert time.monotonic() - started < 10


def test_a_server_that_hangs_mid_session_times_out_and_the_same_store_recovers(tmp_path: Path) -> None:
    with chroma_server_process(tmp_path / "chroma") as (url, process):
        store = Store(StoreConfig(chroma_url=url, timeout_s=2.0))
        assert store.chunk_count() == 0
        os.kill(process.pid, signal.SIGSTOP)  # the server still holds its port but answers nothing
        try:
            started = time.monotonic()
            with pytest.raises(httpx.TimeoutException):
                store.chunk_count()
            assert time.monotonic() - started < 10, "bounded by the store's timeout, not forever"
        finally:
            os.kill(process.pid, signal.SIGCONT)
        assert store.chunk_count() == 0, "once the server answers again, the same client works"


def test_a_command_against_a_hung_server_fails_in_one_line_within_its_timeout(cli_env: dict[str, str]) -> None:
    from tests.cli.test_cli import run

    with silent_server() as url:
        started = time.monotonic()
        result = run(["stats", "--chroma-url", url], {**cli_env, "POLICYKB_CHROMA_TIMEOUT": "1"})
        elapsed = time.monotonic() - started
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"policykb: cannot reach the Chroma server at {url} (ReadTimeout)")
    assert result.stderr.count("\n") == 1
    assert elapsed < 30, "the wait is bounded by POLICYKB_CHROMA_TIMEOUT, plus start-up"
