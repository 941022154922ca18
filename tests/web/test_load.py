"""16 users at once for a minute: the live server answers every question, at a sane speed, without growing.

The load is eval.loadtest (what ``policykb bench --load`` runs): threads, each its own gradio_client
session, asking /ask with the gold set's Arabic, French and English questions as fast as answers come.
It runs against the web tests' live server (the sample corpus, login on), signed in as the reader.
Bounds are loose on purpose: these machines are shared, and the numbers go to BENCHMARKS.md, not here.
"""

from __future__ import annotations

import pytest

from eval.beir import load_dataset
from eval.loadtest import LoadConfig, LoadError, check_loopback, run_load, summarise
from tests.web.conftest import READER, LiveServer

CLIENTS = 16
SECONDS = 60.0
MIN_ANSWERS_PER_S = 1.0  # on 2 busy cores; a quiet machine does several times more
MAX_P95_MS = 20_000.0  # closed-loop clients wait in the app's queue: p95 is about clients / throughput
MAX_GROWTH_MB = 48.0  # after the warm-up; a leak of even 200 KB per answer would pass this in a minute


def test_sixteen_clients_for_a_minute_get_answers_and_memory_stays_flat(live_server: LiveServer) -> None:
    questions = [query.text for query in load_dataset(None).queries]
    assert {"ar", "fr", "en"} <= {query.lang for query in load_dataset(None).queries}, "the questions are multilingual"
    result = run_load(live_server.url, questions, LoadConfig(clients=CLIENTS, seconds=SECONDS), pid=live_server.pid, auth=READER)

    examples = result["error_examples"]
    assert result["errors"] == 0 and result["warmup_errors"] == 0, f"every request is answered; first errors: {examples}"
    assert result["answers"] == result["requests"] > 0
    low, high = result["answers_per_client_min_max"]
    assert low >= 1, "every client got answers: none was starved"
    assert result["answers_per_s"] >= MIN_ANSWERS_PER_S, f"throughput {result['answers_per_s']} answers/s"
    assert result["p95_ms"] <= MAX_P95_MS, f"p95 {result['p95_ms']} ms"
    memory = result["memory"]
    assert memory["samples"] >= SECONDS / 2, "the server's RSS was sampled about every second"
    assert memory["growth_mb"] <= MAX_GROWTH_MB, (
        f"RSS grew {memory['growth_mb']} MiB over the window ({memory['first_quarter_mb']} -> {memory['last_quarter_mb']})"
    )


def test_the_load_generator_only_targets_loopback_and_stays_bounded() -> None:
    assert check_loopback("http://127.0.0.1:7860/") == "http://127.0.0.1:7860"
    with pytest.raises(LoadError, match="only targets loopback"):
        check_loopback("http://example.org:7860")
    with pytest.raises(LoadError, match="clients must be between 1 and 64"):
        LoadConfig(clients=500)
    with pytest.raises(LoadError, match="seconds must be above 0 and at most 600"):
        LoadConfig(seconds=3600)


def test_summary_counts_errors_by_kind_and_leaves_the_warm_up_out() -> None:
    from eval.loadtest import Outcome

    outcomes = [
        Outcome(0, -1.0, 50.0, "timeout: no answer in time", False),  # warm-up: counted apart
        Outcome(0, 0.5, 100.0, "", False),
        Outcome(1, 0.6, 300.0, "", True),
        Outcome(1, 1.0, 10.0, "queue full", False),
    ]
    samples = [(-1.0, 100.0, 10), (0.0, 110.0, 12), (1.0, 111.0, 12), (2.0, 112.0, 12), (3.0, 114.0, 12)]
    summary = summarise(outcomes, samples, 2.0, LoadConfig())
    assert (summary["requests"], summary["answers"], summary["abstained"], summary["errors"]) == (3, 2, 1, 1)
    assert summary["errors_by_kind"] == {"queue full": 1} and summary["warmup_errors"] == 1
    assert summary["answers_per_s"] == 1.0 and summary["max_ms"] == 300.0
    memory = summary["memory"]
    assert (memory["first_quarter_mb"], memory["last_quarter_mb"], memory["growth_mb"]) == (110.0, 114.0, 4.0)
    assert memory["before_warmup_mb"] == 100.0 and memory["threads_max"] == 12
