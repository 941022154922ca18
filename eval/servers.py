"""Real servers on loopback for the benchmarks: ``chroma run`` and ``policykb serve``, each in a process of its own.

Both are the commands an operator runs (found beside this interpreter), started on a free port,
waited for until they answer, and stopped (terminated, then killed) when the ``with`` block ends.
Their resident memory is read from ``/proc/PID/status`` (Linux only; None elsewhere).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from eval.errors import EvalError


class ServerError(EvalError):
    """A server did not start; the message names the command and the log to read."""


class Server(NamedTuple):
    url: str
    pid: int
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def command(name: str) -> str:
    """A console script of this environment (``chroma``, ``policykb``), beside the running interpreter."""
    return str(Path(sys.executable).with_name(name))


def _status(pid: int | str, field: str) -> int | None:
    """A number field of ``/proc/PID/status`` (``self`` for this process); None once it is gone or off Linux."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def process_memory_mb(pid: int | str, field: str = "VmRSS") -> float | None:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak) of process ``pid`` in MiB; None once it is gone or off Linux."""
    kib = _status(pid, field)
    return None if kib is None else round(kib / 1024, 1)


def process_threads(pid: int) -> int | None:
    """Threads of process ``pid`` (``Threads`` in its status); None once it is gone or off Linux."""
    return _status(pid, "Threads")


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback server
            return True
    except urllib.error.HTTPError:
        return True  # 401 and the like: the server is up and answering
    except OSError:
        return False


@contextmanager
def running(
    args: Sequence[str], probe: str, log: Path, env: Mapping[str, str] | None = None, timeout_s: float = 180
) -> Iterator[int]:
    """Run ``args`` with output to ``log``; yield its pid once ``probe`` answers; stop it afterwards."""
    with open(log, "wb") as sink:
        process = subprocess.Popen(list(args), env=None if env is None else dict(env), stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while not _up(probe):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise ServerError(f"{Path(args[0]).name} did not start (see {log}):\n{tail}")
            time.sleep(0.2)
        yield process.pid
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout_s: float = 15) -> None:
    """Terminate a server process; kill it if it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def chroma_server(path: Path, log: Path) -> Iterator[Server]:
    """``chroma run`` over the persistent folder ``path`` (an embedded store's folder is the same format)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [command("chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with running(args, f"{url}/api/v2/heartbeat", log) as pid:
        yield Server(url, pid, log)


@contextmanager
def policykb_server(arguments: Sequence[str], env: Mapping[str, str], log: Path) -> Iterator[Server]:
    """``policykb serve`` with ``arguments`` (a store, users, ...) on a free loopback port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [command("policykb"), "serve", "--host", "127.0.0.1", "--port", str(port), *arguments]
    with running(args, f"{url}/gradio_api/info", log, env) as pid:
        yield Server(url, pid, log)
