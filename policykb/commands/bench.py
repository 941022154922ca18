"""``policykb bench``: ingest and search cost against the stock llama-index hybrid, OCR, and load; BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from policykb.commands.common import EXIT_USAGE, RAW, UsageError, fail, handle

if TYPE_CHECKING:
    from policykb.commands.common import Commands
    from policykb.settings import Settings

BENCH_EXAMPLES = """examples:
  policykb bench                                  # 1,000 and 10,000 chunks
  policykb bench --sizes 1000,10000,100000 --json
  policykb bench --dataset my-beir-set/ --out /tmp/BENCHMARKS.md
  policykb bench --ocr                            # only the OCR section: scans against text layers, OCR pages/s
  policykb bench --sizes 10000,100000 --no-server # skip the searches through a Chroma server (chroma run)
  policykb bench --load                           # only the Load section: 16 clients for 60 s on policykb serve
  policykb bench --load --clients 32 --seconds 120
"""

DESCRIPTION = (
    "Ingest the dataset's corpus with an empty embedding cache and compare with pure embedding; time searches on "
    "synthetic stores of the given sizes (kept in the cache folder between runs), in process and through a Chroma "
    "server; run the stock llama-index hybrid beside ours; measure peak memory and what scaling needs. Takes "
    "minutes (a 100,000-chunk store: 10-20 minutes the first time)."
)


def add(commands: Commands) -> None:
    bench = commands.add_parser(
        "bench",
        help="measure ingest, search latency and memory, against the stock llama-index hybrid; write BENCHMARKS.md",
        description=DESCRIPTION,
        epilog=BENCH_EXAMPLES,
        formatter_class=RAW,
    )
    bench.add_argument("--sizes", default="1000,10000", help="store sizes in chunks, comma-separated (default 1000,10000)")
    bench.add_argument(
        "--dataset",
        type=Path,
        metavar="DIR",
        help="a BEIR folder (corpus.jsonl or documents/) to ingest and score (default: the gold set over corpus/documents)",
    )
    bench.add_argument("--rounds", type=int, default=10, help="timed passes over the bench queries per case (default 10)")
    bench.add_argument(
        "--ocr",
        action="store_true",
        help="measure only OCR: retrieval on PDFs of the sample corpus as scans against their text layers, and OCR "
        "pages/s; rewrites the '## OCR' section of --out and leaves the rest (a few minutes)",
    )
    bench.add_argument(
        "--no-server",
        dest="server",
        action="store_false",
        help="skip the search latency through a Chroma server (chroma run over each synthetic store)",
    )
    bench.add_argument(
        "--load",
        action="store_true",
        help="measure only the web app under load: serve the sample corpus, ask /ask from --clients clients at once for "
        "--seconds; rewrites the '## Load' section of --out and leaves the rest",
    )
    bench.add_argument("--clients", type=int, default=16, help="--load: concurrent clients (default 16, at most 64)")
    bench.add_argument("--seconds", type=float, default=60.0, help="--load: seconds of load after a warm-up (default 60)")
    bench.add_argument("--json", action="store_true", help="print the measurements as JSON")
    bench.add_argument(
        "--out", type=Path, default=Path("BENCHMARKS.md"), help="where to write the report (default BENCHMARKS.md)"
    )
    handle(bench, run_bench)


def progress(step: str) -> None:
    """A benchmark step, on standard error as it happens."""
    print(f"policykb bench: {step}", file=sys.stderr, flush=True)


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.ocr:
        return _ocr(args, settings)
    if args.load:
        return _load(args)
    return _full(args, settings)


def _ocr(args: argparse.Namespace, settings: Settings) -> int:
    from eval.bench import BenchError
    from eval.ocrbench import render_section, run_ocr_bench, write_section

    if args.dataset is not None:
        return fail("--ocr builds its set from the gold set over corpus/documents; --dataset does not apply", EXIT_USAGE)
    try:
        report = run_ocr_bench(settings.embed, settings.ingest, progress=progress)
    except BenchError as err:
        if err.detail:
            print(err.detail, file=sys.stderr, end="")
        return fail(str(err))
    write_section(args.out, render_section(report))
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else f"wrote the OCR section of {args.out}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from eval.beir import EvalError
    from eval.loadreport import render_section, write_section
    from eval.loadtest import LoadConfig, load_bench

    if args.dataset is not None:
        return fail("--load serves the sample corpus and asks the gold set's questions; --dataset does not apply", EXIT_USAGE)
    try:
        config = LoadConfig(clients=args.clients, seconds=args.seconds)
    except EvalError as err:
        return fail(f"--load: {err}", EXIT_USAGE)
    try:
        report = load_bench(config, progress=progress)
    except EvalError as err:
        return fail(str(err))
    write_section(args.out, render_section(report))
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else f"wrote the Load section of {args.out}")
    return 0


def _sizes(args: argparse.Namespace) -> list[int]:
    """The --sizes flag as numbers; UsageError when it is not."""
    try:
        sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        raise UsageError(f"--sizes '{args.sizes}' must be whole numbers separated by commas") from None
    if not sizes or min(sizes) < 10:
        raise UsageError("--sizes needs sizes of at least 10 chunks")
    return sizes


def _full(args: argparse.Namespace, settings: Settings) -> int:
    from eval.beir import EvalError, load_dataset
    from eval.bench import BenchError, render_markdown
    from eval.bench import run_bench as run

    sizes = _sizes(args)
    if args.rounds < 1:
        return fail("--rounds must be at least 1", EXIT_USAGE)
    cache = settings.embed.cache_path
    try:
        report = run(
            sizes,
            cache.parent / "bench" if cache else None,  # synthetic stores are kept beside the embedding cache
            load_dataset(args.dataset),
            settings.embed,
            settings.ingest,
            args.rounds,
            progress=progress,
            server=args.server,
        )
    except BenchError as err:
        if err.detail:
            print(err.detail, file=sys.stderr, end="")
        return fail(str(err))
    except EvalError as err:
        return fail(str(err))
    _write(args.out, render_markdown(report))
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else f"wrote {args.out}")
    return 0


def _write(out: Path, markdown: str) -> None:
    """Write the report, keeping the sections that --ocr and --load write."""
    from eval.ocrbench import find_section, replace_section

    old = out.read_text(encoding="utf-8") if out.is_file() else ""
    for heading in ("## OCR", "## Load"):
        kept = find_section(old, heading)
        markdown = replace_section(markdown, kept, heading) if kept else markdown
    out.write_text(markdown, encoding="utf-8")
