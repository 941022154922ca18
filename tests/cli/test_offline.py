"""Every command of the product stays on this machine: no lookup or connection beyond loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.chroma_server import chroma_server

NETGUARD = Path(__file__).with_name("netguard")
POLICYKB = str(Path(sys.executable).with_name("policykb"))


def guarded_env(cli_env: dict[str, str], log: Path) -> dict[str, str]:
    env = dict(cli_env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), env.get("PYTHONPATH", "")]))
    env["NETGUARD_LOG"] = str(log)
    # What the product must switch off by itself: start from the opposite.
    for key in ("GRADIO_ANALYTICS_ENABLED", "HF_HUB_OFFLINE", "HF_HUB_DISABLE_TELEMETRY", "ANONYMIZED_TELEMETRY"):
        env.pop(key, None)
    return env


def test_the_guard_itself_catches_a_lookup(cli_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "net.log"
    code = "import socket\ntry:\n    socket.getaddrinfo('example.org', 443)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=guarded_env(cli_env, log), check=True)
    assert "example.org" in log.read_text()


def test_the_test_session_itself_is_guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/conftest.py guards the pytest process and, through PYTHONPATH, every Python process it starts."""
    from tests.conftest import NETGUARD_MODULE

    own_log = tmp_path / "in-process.log"
    monkeypatch.setattr(NETGUARD_MODULE, "_LOG", str(own_log))  # this test's refusals must not fail the session
    with pytest.raises(OSError, match="netguard: network access to 'example.org' refused"):
        socket.getaddrinfo("example.org", 443)
    assert "example.org" in own_log.read_text()
    socket.getaddrinfo("127.0.0.1", 80)  # loopback stays allowed

    child_log = tmp_path / "child.log"
    code = "import socket\ntry:\n    socket.getaddrinfo('example.org', 443)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env={**os.environ, "NETGUARD_LOG": str(child_log)}, check=True)
    assert "example.org" in child_log.read_text(), "a child started with the session's environment is guarded"


@pytest.mark.server
def test_no_command_reaches_beyond_loopback(cli_env: dict[str, str], fixture_docs: Path, tmp_path: Path) -> None:
    log = tmp_path / "net.log"
    env = guarded_env(cli_env, log)
    store = str(tmp_path / "store")
    commands = [
        ["ingest", str(fixture_docs), "--store", store, "--quiet"],
        ["search", "financement des pôles", "--store", store, "--json"],
        ["stats", "--store", store, "--json"],
    ]
    with chroma_server(tmp_path / "chroma") as url:
        commands += [
            ["ingest", str(fixture_docs / "ma"), "--chroma-url", url, "--quiet"],
            ["search", "incubators", "--chroma-url", url],
            ["stats", "--chroma-url", url],
        ]
        for args in commands:
            result = subprocess.run([POLICYKB, *args], env=env, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, f"policykb {args[0]} failed: {result.stderr[-500:]}"
    assert not log.exists() or log.read_text() == "", f"network use beyond loopback:\n{log.read_text()}"
