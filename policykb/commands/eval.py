"""``policykb eval``: retrieval quality, answer quality, or an ablation, on a BEIR-format test set."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policykb.commands.common import EXIT_USAGE, RAW, fail, handle

if TYPE_CHECKING:
    from kb.config import StoreConfig
    from policykb.commands.common import Commands
    from policykb.settings import Settings

EVAL_EXAMPLES = """examples:
  policykb eval                                  # the gold set (eval/gold) over corpus/documents, all modes
  policykb eval --dataset my-set/ --mode hybrid  # my-set/ holds corpus.jsonl, queries.jsonl, qrels/test.tsv
  policykb eval --dataset my-pdfs/               # documents/ (PDFs, DOCX...) instead of corpus.jsonl
  policykb eval --dataset my-set/ --json > scores.json
  policykb eval --out eval-report/               # report.md, results.json (with rankings), modes.png
  policykb eval --ablation                       # one retrieval choice changed at a time (eval/ablation.py)

Metrics: nDCG@k, Recall@k, Recall@100 and MRR@k (trec_eval definitions), overall and by query
language, language pair, same/cross language and kind, with search latency. Queries with no
relevant judgement are skipped and counted. The corpus goes into a temporary store, deleted at the
end; embeddings are cached, so a second run over the same corpus is fast. See eval/README.md.
"""

MAX_PROBLEMS_SHOWN = 20


def add(commands: Commands) -> None:
    evaluate = commands.add_parser(
        "eval", help="measure retrieval quality on a BEIR-format test set", epilog=EVAL_EXAMPLES, formatter_class=RAW
    )
    evaluate.add_argument(
        "--dataset",
        type=Path,
        metavar="DIR",
        help="BEIR folder: corpus.jsonl (or documents/, a folder of files such as PDFs), queries.jsonl, qrels/test.tsv "
        "(default: the gold set over corpus/documents)",
    )
    evaluate.add_argument("--mode", choices=("dense", "lexical", "hybrid", "all"), default="all", help="default all")
    evaluate.add_argument("--k", type=int, default=10, help="metric cutoff (default 10; Recall@100 is always reported)")
    evaluate.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    evaluate.add_argument("--out", type=Path, metavar="DIR", help="write report.md, results.json and modes.png there")
    evaluate.add_argument(
        "--answers",
        action="store_true",
        help="measure the assistant's answers instead: citation precision, country coverage, abstention, latency",
    )
    evaluate.add_argument(
        "--ablation",
        action="store_true",
        help="score the test set with one retrieval choice changed at a time (a Markdown table; see eval/README.md)",
    )
    evaluate.add_argument(
        "--chroma-url",
        metavar="URL",
        help="put the throw-away store on this Chroma server (collections of its own, dropped at the end) "
        "instead of a temporary folder (env POLICYKB_CHROMA_URL)",
    )
    handle(evaluate, run_eval, passive_threads=True)


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    if args.ablation:
        return _ablation(args, settings)
    return _answers(args, settings) if args.answers else _retrieval(args, settings)


def _server(settings: Settings) -> StoreConfig | None:
    """The Chroma server an evaluation's throw-away store goes to (--chroma-url or the environment), if any."""
    return settings.store if settings.store.chroma_url else None


def _show_problems(problems: list[str]) -> None:
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        print(f"policykb: {problem}", file=sys.stderr)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        print(f"policykb: ... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems (all in --json or --out)", file=sys.stderr)


def _retrieval(args: argparse.Namespace, settings: Settings) -> int:
    from eval.beir import load_dataset
    from eval.harness import evaluate_kb
    from eval.report import write_report
    from kb.config import MODES
    from kb.embed import Embedder
    from kb.sync import tty_progress

    if args.k < 1:
        return fail("--k must be at least 1", EXIT_USAGE)
    dataset = load_dataset(args.dataset)
    embedder = Embedder(settings.embed)
    try:
        modes = MODES if args.mode == "all" else (args.mode,)
        retrieval = replace(settings.retrieval, index_dir=None)  # the throw-away store's index stays in memory
        evaluation = evaluate_kb(
            dataset, embedder, modes, args.k, retrieval, settings.ingest, tty_progress(False), server=_server(settings)
        )
    finally:
        embedder.close()
    summary = evaluation.summary
    _show_problems(summary["problems"])
    written = write_report(evaluation, args.out) if args.out else []
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    _print_scores(summary)
    print("wrote " + ", ".join(map(str, written)) if written else "by language, language pair and kind: --json or --out DIR")
    return 0


def _print_scores(summary: dict[str, Any]) -> None:
    measures: list[str] = summary["config"]["measures"]
    print(
        f"{summary['dataset']}: {summary['evaluated']} of {summary['queries']} queries evaluated "
        f"({summary['skipped_no_relevant']} without a relevant document skipped), {summary['documents']} documents"
    )
    print(f"{'mode':<8}" + "".join(f"{m:>12}" for m in measures) + f"{'p50 ms':>9}{'p95 ms':>9}")
    for mode, out in summary["modes"].items():
        latency = out["latency_ms"]
        scores = "".join(f"{out['overall'][m]:>12.3f}" for m in measures)
        print(f"{mode:<8}{scores}{latency['p50']:>9.1f}{latency['p95']:>9.1f}")


def _ablation(args: argparse.Namespace, settings: Settings) -> int:
    from eval.ablation import render, run_ablation, variants
    from eval.beir import load_dataset
    from kb.embed import Embedder

    if args.k < 1:
        return fail("--k must be at least 1", EXIT_USAGE)
    embedder = Embedder(settings.embed)
    try:
        print(render(run_ablation(load_dataset(args.dataset), embedder, variants(), args.k), args.k))
    finally:
        embedder.close()
    return 0


def _answers(args: argparse.Namespace, settings: Settings) -> int:
    from eval.answers import evaluate_answers, render_summary, write_answers
    from eval.beir import load_dataset
    from kb.embed import Embedder

    dataset = load_dataset(args.dataset)
    embedder = Embedder(settings.embed)
    try:
        summary, records, answers = evaluate_answers(
            dataset,
            embedder,
            replace(settings.retrieval, index_dir=None),
            settings.ingest,
            settings.assistant,
            server=_server(settings),
        )
    finally:
        embedder.close()
    for problem in summary["problems"][:MAX_PROBLEMS_SHOWN]:
        print(f"policykb: {problem}", file=sys.stderr)
    written = write_answers(summary, records, answers, args.out) if args.out else []
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(render_summary(summary), end="")
    if written:
        print("wrote " + ", ".join(map(str, written)))
    return 0
