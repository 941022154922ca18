"""The ``## Load`` section of BENCHMARKS.md, from a ``policykb bench --load`` report (:mod:`eval.loadtest`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval import markdown
from eval.markdown import table

HEADING = "## Load"


def render_section(report: dict[str, Any]) -> str:
    """The ``## Load`` section of BENCHMARKS.md (Markdown, ending with a newline)."""
    load, m, app = report["load"], report["machine"], report["app"]
    config, mem = load["config"], load["memory"]
    errors = ", ".join(f"{kind} {count}" for kind, count in load["errors_by_kind"].items()) or "none"
    lines = [
        HEADING,
        "",
        f"{config['clients']} clients at once for {config['seconds']:g} s against `policykb serve` on loopback, through "
        "its Gradio API (`/ask`, each client its own `gradio_client.Client` and session, in a thread of one process), "
        f"over the sample corpus (`{report['dataset']}`, ingested into a fresh store). Each client asks its next "
        f"question as soon as it has the last answer, going round the {report['questions']} gold-set queries (Arabic, "
        "French, English) from its own starting point; latency is from submission to the answer, waiting in the "
        f"app's queue included (the app answers {app['ask_concurrency']} questions at a time, queue of "
        f"{app['queue_size']}). Any request that is not an answer (exception, timeout after {config['timeout_s']:g} s, "
        "HTTP error, queue full) is an error. The clients first run a warm-up at full load that is not counted. "
        "The server's RSS (`VmRSS`) and thread count are read every second.",
        "",
        *table(
            ["", "value"],
            [
                ["requests", load["requests"]],
                ["answers (of which abstentions)", f"{load['answers']} ({load['abstained']})"],
                ["**errors**", f"**{load['errors']}** ({errors})"],
                ["**throughput**", f"**{load['answers_per_s']} answers/s** over {load['elapsed_s']} s"],
                ["**latency p50 / p95** / max", f"**{load['p50_ms']} / {load['p95_ms']}** / {load['max_ms']} ms"],
                ["answers per client (fewest / most)", " / ".join(str(n) for n in load["answers_per_client_min_max"])],
                [
                    "server RSS: median of the window's first / last quarter",
                    f"{mem['first_quarter_mb']} / {mem['last_quarter_mb']} MiB ({mem['samples']} samples)",
                ],
                ["**RSS growth over the window**", f"**{mem['growth_mb']} MiB** (peak {mem['max_mb']} MiB)"],
                [
                    "server RSS: idle after start / after the first answer / before the warm-up / at the window's start",
                    f"{report['idle_rss_mb']} / {report['warm_rss_mb']} / {mem['before_warmup_mb']} / "
                    f"{mem['window_start_mb']} MiB",
                ],
                ["server threads (most seen)", mem["threads_max"]],
                [
                    "warm-up before the window (full load, not counted)",
                    f"{config['warmup_s']:g} s: {load['warmup_requests']} requests, {load['warmup_errors']} errors",
                ],
                ["server start (index loaded) / first answer", f"{report['start_s']} s / {report['first_answer_s']} s"],
            ],
        ),
    ]
    if load["error_examples"]:
        lines += ["", "Errors seen: " + "; ".join(f"`{e}`" for e in load["error_examples"])]
    lines += [
        "",
        f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_mb']:,} MiB; load average (1 min) {m['load_1m']} at start, "
        f"{m.get('load_1m_end', 'n/a')} at end; the load generator runs on the same cores as the server. "
        f"Python {m['python']}, chromadb {m['chromadb']}.",
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into the file at ``path`` (created with a ``# Benchmarks`` title when missing), the rest kept."""
    markdown.write_section(path, section, HEADING)
