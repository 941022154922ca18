"""``policykb bench --load``: many users asking at once, through the web app's Gradio API, as the ``## Load`` section.

:func:`run_load` drives a running ``policykb serve`` on loopback with N closed-loop clients
(threads, each its own ``gradio_client.Client`` and so its own session, asking ``/ask`` as the
documented API is used), for D seconds: each client asks its next question as soon as the last one
is answered. It records every request (latency from submission to the answer, queue wait
included, and its outcome) and samples the server's resident memory once a second.

:func:`load_bench` is the whole measurement: the sample corpus ingested into a temporary store
(embeddings come from the cache), ``policykb serve`` started over it, one untimed question, then the
load. Bounded on purpose: loopback only, at most :data:`MAX_CLIENTS` clients and
:data:`MAX_SECONDS` seconds, and every request gives up after ``timeout_s``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlparse

from eval.beir import Dataset, load_dataset
from eval.errors import EvalError
from eval.metrics import percentile
from eval.servers import command, policykb_server, process_memory_mb, process_threads

MAX_CLIENTS = 64
MAX_SECONDS = 600.0
LOOPBACK = ("127.0.0.1", "::1", "localhost")
ERRORS_KEPT = 5  # error messages kept verbatim in the report (all are counted)
# Settings that would point the benchmark's server at another store or turn login on.
_SERVER_ENV_DROPPED = (
    "POLICYKB_STORE",
    "POLICYKB_CHROMA_URL",
    "POLICYKB_USERS",
    "POLICYKB_ADMIN_USER",
    "POLICYKB_ADMIN_PASSWORD",
)


class LoadError(EvalError):
    """The load could not be run (not loopback, out of bounds, no questions)."""


@dataclass(frozen=True)
class LoadConfig:
    clients: int = 16
    seconds: float = 60.0
    timeout_s: float = 60.0  # a request unanswered by then is an error; the app's queue holds 64, so none should wait this long
    sample_s: float = 1.0  # how often the server's RSS is read
    # Untimed full load first: the server's worker threads, their malloc arenas and the per-term caches
    # are made then, so the timed window shows whether memory keeps growing, not that it was cold.
    warmup_s: float = 10.0

    def __post_init__(self) -> None:
        if not 1 <= self.clients <= MAX_CLIENTS:
            raise LoadError(f"clients must be between 1 and {MAX_CLIENTS}, got {self.clients}")
        if not 0 < self.seconds <= MAX_SECONDS:
            raise LoadError(f"seconds must be above 0 and at most {MAX_SECONDS:g}, got {self.seconds:g}")
        if self.timeout_s <= 0 or self.sample_s <= 0 or not 0 <= self.warmup_s <= MAX_SECONDS:
            raise LoadError(f"timeout_s and sample_s must be above 0, warmup_s between 0 and {MAX_SECONDS:g}")


class Outcome(NamedTuple):
    """One request: when it was sent (seconds into the load), how long it took, and what came back."""

    client: int
    sent_s: float  # negative during the warm-up
    latency_ms: float
    error: str  # "" for an answer; else its kind and message, e.g. "timeout: no answer within 60 s"
    abstained: bool


def check_loopback(url: str) -> str:
    """``url`` if it names this machine; a load generator must never be pointed at someone else's server."""
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise LoadError(f"{url}: the load generator only targets loopback ({', '.join(LOOPBACK)}); serve the app there")
    return url.rstrip("/")


def _error(err: BaseException) -> str:
    import httpx
    from gradio_client.exceptions import AppError

    if isinstance(err, FutureTimeout | TimeoutError):
        return "timeout: no answer in time"
    if isinstance(err, AppError):
        return f"app error: {err}"
    if isinstance(err, httpx.HTTPStatusError):
        return f"HTTP {err.response.status_code}: {err.request.url.path}"
    if "queue is full" in str(err).lower():
        return "queue full"
    return f"{type(err).__name__}: {err}"


class _RssSampler(threading.Thread):
    """Reads the server's VmRSS and thread count every ``period`` seconds until stopped; times from ``origin``."""

    def __init__(self, pid: int, period: float, origin: float) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.pid, self.period, self.origin = pid, period, origin
        self.samples: list[tuple[float, float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss, threads = process_memory_mb(self.pid), process_threads(self.pid)
            if rss is not None:
                self.samples.append((round(time.perf_counter() - self.origin, 2), rss, threads or 0))
            self.done.wait(self.period)


def _connect(url: str, auth: tuple[str, str] | None, download_dir: Path) -> Any:
    from gradio_client import Client

    try:
        return Client(url, auth=auth, verbose=False, download_files=str(download_dir), analytics_enabled=False)
    except Exception as err:
        raise LoadError(f"cannot connect to {url} ({_error(err)}); is policykb serve running there?") from err


def _client(
    index: int,
    client: Any,
    questions: Sequence[str],
    config: LoadConfig,
    start: threading.Barrier,
    clock: list[float],
    outcomes: list[Outcome],
) -> None:
    """One user: wait for the others, then ask question after question until the time is up."""
    start.wait()
    origin = clock[0]  # the end of the warm-up
    deadline = origin + config.seconds
    n = index * len(questions) // config.clients  # clients start at different places in the list
    while (now := time.perf_counter()) < deadline:
        question = questions[n % len(questions)]
        n += 1
        job = client.submit(question, api_name="/ask")
        error, abstained = "", False
        try:
            result = job.result(timeout=config.timeout_s)
            if isinstance(result, dict) and "answer" in result:
                abstained = bool(result.get("abstained"))
            else:
                error = f"not an answer: {str(result)[:80]}"
        except Exception as err:  # every failure is an outcome to count
            error = _error(err)
            job.cancel()
        outcomes.append(Outcome(index, round(now - origin, 3), round((time.perf_counter() - now) * 1000, 2), error, abstained))


def run_load(
    url: str,
    questions: Sequence[str],
    config: LoadConfig = LoadConfig(),
    pid: int | None = None,
    auth: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Drive the ``/ask`` endpoint at ``url`` (loopback) with ``config.clients`` clients for ``config.seconds``.

    ``pid`` is the server's process, whose RSS is sampled; ``auth`` a (user, password) when login is on.
    Clients connect (and log in) one after another first. Returns :func:`summarise`'s summary, every
    request under ``outcomes``, and ``connect_s``.
    """
    from kb.offline import enforce_offline

    enforce_offline()  # before gradio_client (and huggingface_hub) are imported: no call goes out
    url = check_loopback(url)
    if not questions:
        raise LoadError("no questions to ask")
    outcomes: list[Outcome] = []
    clock = [0.0]
    sampler: _RssSampler | None = None

    def go() -> None:  # run by the last client to arrive, before any is released
        nonlocal sampler
        clock[0] = time.perf_counter() + config.warmup_s
        if pid is not None:
            sampler = _RssSampler(pid, config.sample_s, clock[0])
            sampler.start()

    start = threading.Barrier(config.clients, action=go)
    with tempfile.TemporaryDirectory(prefix="policykb-load-") as downloads:
        # One after another: each logs in, and a login guard refuses a burst of parallel logins to one
        # account (they count as guesses in flight), as it should.
        connecting = time.perf_counter()
        clients: list[Any] = []
        try:
            for _ in range(config.clients):
                clients.append(_connect(url, auth, Path(downloads)))
            connect_s = time.perf_counter() - connecting
            threads = [
                threading.Thread(
                    target=_client, args=(i, client, questions, config, start, clock, outcomes), name=f"load-client-{i}"
                )
                for i, client in enumerate(clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for client in clients:
                client.close()
    ended = time.perf_counter()
    if sampler is not None:
        sampler.done.set()
        sampler.join()
    summary = summarise(outcomes, sampler.samples if sampler else [], ended - clock[0] if clock[0] else 0.0, config)
    summary["connect_s"] = round(connect_s, 2)
    return summary


def ask_once(url: str, question: str, auth: tuple[str, str] | None = None, timeout_s: float = 60.0) -> float:
    """Ask one question through the API and return its seconds (an untimed first answer: the model's first run)."""
    from kb.offline import enforce_offline

    enforce_offline()
    with tempfile.TemporaryDirectory(prefix="policykb-load-") as downloads:
        client = _connect(check_loopback(url), auth, Path(downloads))
        try:
            start = time.perf_counter()
            try:
                result = client.submit(question, api_name="/ask").result(timeout=timeout_s)
            except Exception as err:
                raise LoadError(f"the first question failed ({_error(err)}); see the server's log") from err
            if not isinstance(result, dict) or "answer" not in result:
                raise LoadError(f"the first question got no answer: {str(result)[:80]}")
            return round(time.perf_counter() - start, 2)
        finally:
            client.close()


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def memory(samples: Sequence[tuple[float, float, int]]) -> dict[str, Any]:
    """The server's RSS: before the warm-up, then over the timed window (samples at t >= 0).

    *Growth* is the median of the window's last quarter minus the median of its first quarter: a
    server that leaks grows steadily, one that only filled its caches during the warm-up does not.
    """
    window = [rss for t, rss, _ in samples if t >= 0]
    quarter = max(1, len(window) // 4)
    first, last = _median(window[:quarter]), _median(window[-quarter:])
    return {
        "samples": len(window),
        "before_warmup_mb": samples[0][1] if samples else None,
        "window_start_mb": window[0] if window else None,
        "first_quarter_mb": first,
        "last_quarter_mb": last,
        "growth_mb": None if first is None or last is None else round(last - first, 1),
        "max_mb": max((rss for _, rss, _ in samples), default=None),
        "threads_max": max((threads for _, _, threads in samples), default=None),
        "series": [list(sample) for sample in samples],
    }


def summarise(
    outcomes: Sequence[Outcome], samples: Sequence[tuple[float, float, int]], elapsed_s: float, config: LoadConfig
) -> dict[str, Any]:
    """Throughput, latency percentiles of the answers, errors by kind, and the server's memory, over the timed window.

    Requests sent during the warm-up are left out (their errors are counted apart). Throughput is the
    window's answers over the time from its start until the last request sent in it came back.
    """
    timed = [o for o in outcomes if o.sent_s >= 0]
    answered = [o.latency_ms for o in timed if not o.error]
    errors = [o.error for o in timed if o.error]
    kinds = Counter(error.split(":", 1)[0] for error in errors)
    per_client = Counter(o.client for o in timed if not o.error)
    warmup = [o for o in outcomes if o.sent_s < 0]
    return {
        "config": asdict(config),
        "requests": len(timed),
        "answers": len(answered),
        "abstained": sum(o.abstained for o in timed if not o.error),
        "errors": len(errors),
        "errors_by_kind": dict(kinds),
        "error_examples": sorted(set(errors))[:ERRORS_KEPT],
        "warmup_requests": len(warmup),
        "warmup_errors": sum(bool(o.error) for o in warmup),
        "elapsed_s": round(elapsed_s, 2),
        "answers_per_s": round(len(answered) / elapsed_s, 2) if elapsed_s > 0 else 0.0,
        "p50_ms": round(percentile(answered, 50), 1) if answered else None,
        "p95_ms": round(percentile(answered, 95), 1) if answered else None,
        "max_ms": round(max(answered), 1) if answered else None,
        "answers_per_client_min_max": [min(per_client.values(), default=0), max(per_client.values(), default=0)],
        "memory": memory(samples),
        "outcomes": [o._asdict() for o in outcomes],
    }


# --- the benchmark: ingest, serve, load ------------------------------------------------------------
def server_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment for the benchmark's ``policykb serve``: ours, without what would pick another store or a login."""
    return {key: value for key, value in env.items() if key not in _SERVER_ENV_DROPPED}


def _ingest(documents: Path, store: Path, env: Mapping[str, str]) -> float:
    import subprocess

    start = time.perf_counter()
    done = subprocess.run(
        [command("policykb"), "ingest", str(documents), "--store", str(store), "--quiet"],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise EvalError(f"policykb ingest {documents} failed: {done.stderr.strip()[-500:]}")
    return round(time.perf_counter() - start, 1)


def load_bench(
    config: LoadConfig = LoadConfig(),
    dataset: Dataset | None = None,
    env: Mapping[str, str] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Ingest the dataset's documents (default: the gold set's sample corpus), serve them, and run the load.

    Questions are every query of the dataset, in its order (Arabic, French and English).
    """
    from eval.bench import machine

    dataset = dataset or load_dataset(None)
    if dataset.documents_dir is None:
        raise LoadError(f"{dataset.name} has no documents folder to serve; --load needs one (the default gold set has)")
    questions = [query.text for query in dataset.queries]
    env = server_env(os.environ if env is None else env)
    report: dict[str, Any] = {"machine": machine(), "dataset": dataset.name, "questions": len(questions)}
    with tempfile.TemporaryDirectory(prefix="policykb-load-bench-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        store = work / "store"
        progress(f"ingest of {dataset.documents_dir} (embeddings from the cache)")
        report["ingest_s"] = _ingest(dataset.documents_dir, store, env)
        progress("policykb serve")
        started = time.perf_counter()
        with policykb_server(["--store", str(store)], env, work / "serve.log") as server:
            report["start_s"] = round(time.perf_counter() - started, 1)
            report["idle_rss_mb"] = process_memory_mb(server.pid)
            report["first_answer_s"] = ask_once(server.url, questions[0], timeout_s=config.timeout_s)
            report["warm_rss_mb"] = process_memory_mb(server.pid)
            progress(f"{config.clients} clients for {config.seconds:g} s")
            report["load"] = run_load(server.url, questions, config, server.pid)
            report["server_peak_rss_mb"] = process_memory_mb(server.pid, "VmHWM")
    from assistant.config import WebConfig

    web = WebConfig()
    report["app"] = {"ask_concurrency": web.ask_concurrency, "queue_size": web.queue_size}
    report["machine"]["load_1m_end"] = round(os.getloadavg()[0], 2)
    return report
