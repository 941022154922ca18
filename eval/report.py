"""Write an evaluation to a folder: ``report.md`` for people, ``results.json`` for scripts, ``modes.png``.

matplotlib draws the chart; it is imported only here, when a report is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eval.errors import EvalError
from eval.harness import Evaluation

REPORT, RESULTS, CHART = "report.md", "results.json", "modes.png"
BREAKDOWNS = {
    "by_lang": "By query language",
    "by_pair": "By language pair (query -> relevant document; ranking and judgements restricted to that document language)",
    "by_crossing": "Same-language and cross-language queries (does the query have a relevant document in its own language?)",
    "by_kind": "By kind of query",
}


def _label(measure: str) -> str:
    name, _, k = measure.partition("@")
    return {"ndcg": "nDCG", "recall": "Recall", "mrr": "MRR"}.get(name, name) + f"@{k}"


def _table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> list[str]:
    align = ["---"] * text_columns + ["---:"] * (len(header) - text_columns)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def render_markdown(summary: Mapping[str, Any]) -> str:
    """The report as Markdown: the run, the overall table, one table per breakdown, the problems."""
    config = summary["config"]
    measures: list[str] = config["measures"]
    modes: Mapping[str, Any] = summary["modes"]
    lines = [
        f"# Retrieval evaluation: {summary['dataset']}",
        "",
        f"{summary['evaluated']} of {summary['queries']} queries evaluated over {summary['documents']} documents; "
        f"{summary['skipped_no_relevant']} skipped because no document is judged relevant to them (as trec_eval does). "
        f"Documents are ranked to depth {config['depth']}; metrics follow trec_eval (gain = grade, log2 discount).",
        "",
        "## Overall",
        "",
        *_table(
            ["mode", *(_label(m) for m in measures), "p50 ms", "p95 ms"],
            [
                [
                    mode,
                    *(f"{out['overall'][m]:.3f}" for m in measures),
                    f"{out['latency_ms']['p50']:.1f}",
                    f"{out['latency_ms']['p95']:.1f}",
                ]
                for mode, out in modes.items()
            ],
        ),
        "",
        f"![{', '.join(modes)} compared]({CHART})",
    ]
    for breakdown, title in BREAKDOWNS.items():
        rows = [
            [group, mode, str(values["queries"]), *(f"{values[m]:.3f}" for m in measures)]
            for group in sorted({g for out in modes.values() for g in out[breakdown]})
            for mode, out in modes.items()
            if (values := out[breakdown].get(group))
        ]
        lines += ["", f"## {title}", "", *_table(["group", "mode", "queries", *(_label(m) for m in measures)], rows, 2)]
    lines += ["", "## Configuration", "", "```json", json.dumps(config, indent=2, ensure_ascii=False), "```"]
    problems: list[str] = summary.get("problems", [])
    lines += ["", "## Problems", ""] + (
        [f"- {p}" for p in problems] if problems else ["None: every line was read and every document ingested."]
    )
    return "\n".join(lines) + "\n"


def write_chart(summary: Mapping[str, Any], path: Path) -> Path:
    """A PNG with two panels: the overall metrics per mode, and nDCG per language pair per mode."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: write files only
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise EvalError(f"the chart needs matplotlib: pip install matplotlib (or run without --out) ({err})") from err
    modes: Mapping[str, Any] = summary["modes"]
    measures: list[str] = summary["config"]["measures"]
    pairs = sorted({pair for out in modes.values() for pair in out["by_pair"]})
    ndcg = measures[0]
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [len(measures), max(len(pairs), 1)]}
    )
    width = 0.8 / len(modes)
    for i, (mode, out) in enumerate(modes.items()):
        offset = (i - (len(modes) - 1) / 2) * width
        left.bar([x + offset for x in range(len(measures))], [out["overall"][m] for m in measures], width, label=mode)
        right.bar(
            [x + offset for x in range(len(pairs))], [out["by_pair"].get(p, {}).get(ndcg, 0.0) for p in pairs], width, label=mode
        )
    left.set_xticks(range(len(measures)), [_label(m) for m in measures])
    left.set_title(f"{summary['dataset']}: overall ({summary['evaluated']} queries)")
    right.set_xticks(range(len(pairs)), pairs, rotation=45, ha="right")
    right.set_title(f"{_label(ndcg)} by language pair")
    for axes in (left, right):
        axes.set_ylim(0, 1.05)
        axes.grid(axis="y", alpha=0.3)
    handles, labels = left.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(modes), frameon=False)  # below the panels, over no bar
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def write_report(evaluation: Evaluation, out_dir: Path) -> list[Path]:
    """``report.md``, ``results.json`` (summary, per-query values and rankings) and the chart, in ``out_dir``."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EvalError(f"{out_dir}: cannot create the report folder ({err.strerror or err}); choose another --out") from err
    results = out_dir / RESULTS
    results.write_text(json.dumps(evaluation.results(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    report = out_dir / REPORT
    report.write_text(render_markdown(evaluation.summary), encoding="utf-8")
    return [report, results, write_chart(evaluation.summary, out_dir / CHART)]
