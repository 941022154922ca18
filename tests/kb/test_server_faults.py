"""A Chroma server that hangs, restarts or stays down: commands time out instead of waiting forever, retry
with backoff while it restarts, fail in one line when it stays down, and recover when it answers again."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kb.chroma import call_server
from kb.config import StoreConfig
from kb.embed import Embedder
from kb.errors import StoreUnavailableError
from kb.search import Searcher
from kb.store import Store
from kb.sync import ingest_paths
from tests.chroma_server import chroma_server_process, stop

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
        with pytest.raises(StoreUnavailableError, match=f"cannot reach the Chroma server at {url} \\(ReadTimeout: timed out\\)"):
            Store(StoreConfig(chroma_url=url, timeout_s=1.0))
        assert time.monotonic() - started < 10


def test_a_server_that_hangs_mid_session_times_out_and_the_same_store_recovers(tmp_path: Path) -> None:
    with chroma_server_process(tmp_path / "chroma") as (url, process):
        store = Store(StoreConfig(chroma_url=url, timeout_s=2.0))
        assert store.chunk_count() == 0
        os.kill(process.pid, signal.SIGSTOP)  # the server still holds its port but answers nothing
        try:
            started = time.monotonic()
            hung = rf"the Chroma server at {url} did not answer within 2 s \(ReadTimeout\)"
            with pytest.raises(StoreUnavailableError, match=hung):
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
    assert result.stderr.startswith(f"policykb: cannot reach the Chroma server at {url} (ReadTimeout: timed out)")
    assert result.stderr.count("\n") == 1
    assert elapsed < 30, "the wait is bounded by POLICYKB_CHROMA_TIMEOUT, plus start-up"


def test_backoff_doubles_and_gives_up_after_the_configured_retries() -> None:
    import httpx

    waits: list[float] = []
    calls = 0

    def refused() -> None:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("connection refused")

    config = StoreConfig(chroma_url="http://127.0.0.1:9", retries=3, retry_wait_s=0.5)
    given_up = r"is not answering \(ConnectError; 4 attempts over 3.5 s\); check that it runs"
    with pytest.raises(StoreUnavailableError, match=given_up):
        call_server(config, refused, sleep=waits.append)
    assert calls == 4 and waits == [0.5, 1.0, 2.0]


def test_a_restarting_server_is_retried_and_the_same_store_carries_on(
    tmp_path: Path, fixture_docs: Path, embedder: Embedder
) -> None:
    data = tmp_path / "chroma"
    with chroma_server_process(data) as (url, process):
        # 7 retries from 0.25 s ride out about 30 s of restart on a loaded machine
        store = Store(StoreConfig(chroma_url=url, retries=7, retry_wait_s=0.25))
        ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], store, embedder)
        before = store.committed_hashes()
        stop(process)  # the server goes away; its data stays on disk
    answers: dict[str, object] = {}
    reader = threading.Thread(target=lambda: answers.setdefault("docs", store.committed_hashes()))
    reader.start()  # asked while nothing listens: refused, retried with backoff...
    with chroma_server_process(data, port=urlparse(url).port):  # ...while the server restarts where it was
        reader.join(timeout=60)
        assert answers.get("docs") == before, "the call that began while the server was down got its answer"
        assert Searcher(store, embedder).search("cotisations des entreprises membres", k=1), "and the store keeps working"


def test_a_server_that_stays_down_fails_in_one_line_after_its_retries(tmp_path: Path) -> None:
    with chroma_server_process(tmp_path / "chroma") as (url, process):
        store = Store(StoreConfig(chroma_url=url, retries=2, retry_wait_s=0.1))
        stop(process)
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError) as caught:
            store.stored_documents()
    message = str(caught.value)
    assert message.startswith(f"the Chroma server at {url} is not answering (ConnectError; 3 attempts over 0.3 s)")
    assert "\n" not in message
    assert time.monotonic() - started < 5
