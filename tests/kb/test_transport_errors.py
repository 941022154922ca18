"""No httpx exception leaves kb raw: a Chroma server that is down, or that the client cannot talk to,
is a StoreUnavailableError (a KBError), which the CLI prints as one line. Real closed loopback ports."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from kb.chroma import call_server
from kb.config import StoreConfig
from kb.errors import KBError, StoreUnavailableError
from kb.store import Store
from tests.chroma_server import free_port


def test_a_closed_port_is_retried_then_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    config = StoreConfig(chroma_url=url, retries=1, retry_wait_s=0.01)
    with pytest.raises(StoreUnavailableError) as caught:
        call_server(config, lambda: httpx.get(f"{url}/api/v2/heartbeat", timeout=2))
    assert str(caught.value).startswith(f"the Chroma server at {url} is not answering (ConnectError; 2 attempts")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_a_transport_error_that_is_not_retried_is_unavailable_too() -> None:
    port = free_port()
    config = StoreConfig(chroma_url=f"http://127.0.0.1:{port}", retries=3, retry_wait_s=10)
    with pytest.raises(StoreUnavailableError, match=r"cannot talk to the Chroma server .*UnsupportedProtocol") as caught:
        call_server(config, lambda: httpx.get(f"ftp://127.0.0.1:{port}/", timeout=2))  # refused before any attempt
    assert isinstance(caught.value.__cause__, httpx.TransportError) and "\n" not in str(caught.value)


def test_opening_a_store_on_a_closed_port_is_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=f"cannot reach the Chroma server at {url}") as caught:
        Store(StoreConfig(chroma_url=url, retries=0))
    assert isinstance(caught.value, KBError)


@pytest.mark.parametrize("command", [["search", "cluster funding"], ["ask", "How do clusters get funded?"]])
def test_search_and_ask_on_a_closed_port_fail_in_one_line(command: list[str], cli_env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(
        [sys.executable, "-m", "policykb.cli", *command, "--chroma-url", url],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(f"policykb: cannot reach the Chroma server at {url}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
