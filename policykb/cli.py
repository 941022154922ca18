"""The ``policykb`` command: parse flags, call one library function, format the result.

Library code raises; only this module turns exceptions into one-line messages and exit codes
(2: usage error, 1: the work failed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from kb.offline import enforce_offline

if TYPE_CHECKING:  # kb is imported lazily at run time, after the offline switches are set
    from assistant.model import Turn
    from kb.config import StoreConfig
    from kb.embed import Embedder
    from kb.search import Filters, Hit
    from kb.store import Store
    from policykb.settings import Settings

EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: scripts and people both read the last line.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"policykb: {message}", file=sys.stderr)
    return code


def _add_store_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("store")
    group.add_argument("--store", metavar="DIR", help="embedded store directory (env POLICYKB_STORE, default ./.policykb)")
    group.add_argument(
        "--chroma-url", metavar="URL", help="use a Chroma server instead, e.g. http://127.0.0.1:8000 (env POLICYKB_CHROMA_URL)"
    )


INSPECT_EXAMPLES = """examples:
  policykb inspect gazette.pdf          # one line per page: language, quality, repair, reading order, OCR, first line
  policykb inspect scan.pdf --json

Quality is the share of real words on the page (0 to 1); pages under 0.45 are not indexed as text
but OCR'd (or reported when OCR is off or missing). Nothing is written to any store.
"""

INGEST_EXAMPLES = """examples:
  policykb ingest corpus/documents
  policykb ingest new-laws/ decree.pdf --quiet
  policykb ingest corpus/documents --prune      # also remove documents whose files are gone
"""

SEARCH_EXAMPLES = """examples:
  policykb search "How do Morocco and Tunisia fund cluster governance bodies?"
  policykb search "pôles de compétitivité" --country TN --country MA --k 5
  policykb search "حوافز الاستثمار" --lang ar --type law --json
"""


ASK_EXAMPLES = """examples:
  policykb ask "How do Morocco and Tunisia fund cluster governance bodies?"
  policykb ask "Quelles incitations pour les technopôles ?" --country TN --country MA
  policykb ask "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟" --json
  policykb ask "and Jordan?" --after "How does Morocco fund clusters?"   # a follow-up

Every statement is a verbatim quote of a stored passage, cited to document, page and article;
where the knowledge base holds nothing relevant enough, the answer says so and lists the closest
documents. --json prints the structured answer (answer, language, countries, coverage, grid,
citations, abstained).
"""

SERVE_EXAMPLES = """examples:
  policykb serve                                  # http://127.0.0.1:7860, the store in ./.policykb
  policykb serve --port 8080 --store /srv/policykb
  policykb serve --chroma-url http://127.0.0.1:8000 --users /etc/policykb/users
  policykb serve --host 0.0.0.0 --users users.txt  # reachable from other machines: use a login

Without --users (or POLICYKB_USERS / POLICYKB_ADMIN_PASSWORD) there is no login and nobody may add
documents unless --allow-anonymous-upload is given. The API endpoint /ask is documented in README.
"""

USER_EXAMPLES = """examples:
  policykb user add amina --users users.txt --admin     # asks for the password twice
  printf '%s\\n' "$PASSWORD" | policykb user add staff1 --users users.txt --password-stdin
  policykb user remove staff1 --users users.txt         # a running server ends staff1's sessions at once

A running 'policykb serve' reads the file again when it changes: a new password, a removal or a new
role counts from the next request, and the sessions of removed users or changed passwords end.
"""

BENCH_EXAMPLES = """examples:
  policykb bench                                  # 1,000 and 10,000 chunks
  policykb bench --sizes 1000,10000,100000 --json
  policykb bench --dataset my-beir-set/ --out /tmp/BENCHMARKS.md
  policykb bench --ocr                            # only the OCR section: scans against text layers, OCR pages/s
  policykb bench --sizes 10000,100000 --no-server # skip the searches through a Chroma server (chroma run)
  policykb bench --load                           # only the Load section: 16 clients for 60 s on policykb serve
  policykb bench --load --clients 32 --seconds 120
"""


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


EXPORT_EXAMPLES = """examples:
  policykb export backups/kb-2025-06-01           # a new folder: manifest.json, documents.jsonl, chunks.jsonl, embeddings.npy
  policykb export /mnt/backup/kb --chroma-url http://127.0.0.1:8000

Only committed passages are exported, with their embeddings as stored (nothing is re-embedded on
restore). The folder appears only once complete; an existing non-empty folder is refused.
"""

RESTORE_EXAMPLES = """examples:
  policykb restore backups/kb-2025-06-01 --store /srv/policykb        # into an empty store
  policykb restore backups/kb-2025-06-01 --chroma-url http://127.0.0.1:8000
  policykb restore backups/kb-2025-06-01 --replace                     # the store becomes exactly the backup

The backup is verified first (every checksum, the counts, the embedding model and store schema); a
damaged or incompatible backup is refused before anything is written. A store holding documents
that are not in the backup as they are there is refused without --replace. An interrupted restore
is completed by running the same command again.
"""

CHECK_EXAMPLES = """examples:
  policykb check                                  # is ./.policykb whole and readable? (exit 1 if not)
  policykb check --store /srv/policykb --json
  policykb check --repair --store /srv/policykb   # rebuild a damaged store; the damaged one is kept aside

Reads every stored vector, link and passage: Chroma's vector index files, chroma.sqlite3, and the
commit records, in a child process (a damaged vector index can crash the reader). --repair rebuilds
the store from what is still readable (passages and metadata, vectors from Chroma's log or the
embedding cache), reads a document's file again where its passages are lost, checks the result, and
swaps it in; the damaged store is kept as STORE.damaged-TIME. Stop 'policykb serve' first.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policykb", description="Euromed policy-dialogue knowledge base.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ingest = commands.add_parser(
        "ingest", help="ingest files and folders", epilog=INGEST_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument(
        "--prune", action="store_true", help="remove stored documents whose files are gone from the given folders"
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress bar, only errors and the summary")
    ingest.add_argument(
        "--no-ocr", action="store_true", help="do not OCR image-only or unreadable PDF pages (env POLICYKB_OCR=off)"
    )
    _add_store_flags(ingest)

    inspect = commands.add_parser(
        "inspect",
        help="show what ingest makes of each page of a file (language, quality, repair, OCR)",
        epilog=INSPECT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inspect.add_argument("file", type=Path, metavar="FILE")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.add_argument("--no-ocr", action="store_true", help="report pages that need OCR without running it")

    search = commands.add_parser(
        "search", help="search passages", epilog=SEARCH_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    search.add_argument("query")
    search.add_argument("--k", type=int, default=10, help="number of passages (default 10)")
    search.add_argument("--country", action="append", default=[], metavar="CC", help="ISO 3166 alpha-2 code or EU; repeatable")
    search.add_argument("--lang", action="append", default=[], metavar="xx", help="document language (ar, fr, en); repeatable")
    search.add_argument(
        "--type", action="append", default=[], metavar="T", dest="doc_type", help="document type (law, strategy...); repeatable"
    )
    search.add_argument("--year-min", type=int, metavar="YYYY")
    search.add_argument("--year-max", type=int, metavar="YYYY")
    search.add_argument(
        "--mode", choices=("dense", "lexical", "hybrid"), default="hybrid", help="retrieval mode (default hybrid)"
    )
    search.add_argument("--json", action="store_true", help="print a JSON list")
    _add_store_flags(search)

    ask = commands.add_parser(
        "ask",
        help="answer a question with cited quotes",
        epilog=ASK_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ask.add_argument("question")
    ask.add_argument(
        "--country", action="append", default=[], metavar="CC", help="answer for this country (ISO alpha-2 or EU); repeatable"
    )
    ask.add_argument(
        "--lang", action="append", default=[], metavar="xx", help="document language to quote from (ar, fr, en); repeatable"
    )
    ask.add_argument("--type", action="append", default=[], metavar="T", dest="doc_type", help="document type; repeatable")
    ask.add_argument("--year-min", type=int, metavar="YYYY")
    ask.add_argument("--year-max", type=int, metavar="YYYY")
    ask.add_argument(
        "--after",
        action="append",
        default=[],
        metavar="QUESTION",
        help="an earlier question of the conversation, oldest first; repeatable",
    )
    ask.add_argument("--json", action="store_true", help="print the structured answer as JSON")
    _add_store_flags(ask)

    bench = commands.add_parser(
        "bench",
        help="measure ingest, search latency and memory, against the stock llama-index hybrid; write BENCHMARKS.md",
        description=(
            "Ingest the dataset's corpus with an empty embedding cache and compare with pure embedding; time searches on "
            "synthetic stores of the given sizes (kept in the cache folder between runs), in process and through a Chroma "
            "server; run the stock llama-index hybrid beside ours; measure peak memory and what scaling needs. Takes "
            "minutes (a 100,000-chunk store: 10-20 minutes the first time)."
        ),
        epilog=BENCH_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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

    serve = commands.add_parser(
        "serve", help="serve the web assistant", epilog=SERVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    serve.add_argument("--users", type=Path, metavar="FILE", help="users file for login and roles (env POLICYKB_USERS)")
    serve.add_argument("--audit-log", type=Path, metavar="FILE", help="JSONL audit log (env POLICYKB_AUDIT_LOG)")
    serve.add_argument(
        "--allow-anonymous-upload", action="store_true", help="without login, let anyone add documents (a one-person install)"
    )
    _add_store_flags(serve)

    user = commands.add_parser(
        "user", help="manage the web app's users", epilog=USER_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    user_commands = user.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    add_user = user_commands.add_parser("add", help="add a user or change a password")
    add_user.add_argument("name")
    add_user.add_argument("--users", type=Path, metavar="FILE", help="users file (env POLICYKB_USERS)")
    add_user.add_argument("--admin", action="store_true", help="may add documents")
    add_user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove_user = user_commands.add_parser("remove", help="remove a user (a running server ends their sessions)")
    remove_user.add_argument("name")
    remove_user.add_argument("--users", type=Path, metavar="FILE", help="users file (env POLICYKB_USERS)")

    stats = commands.add_parser("stats", help="what the knowledge base holds")
    stats.add_argument("--json", action="store_true")
    _add_store_flags(stats)

    export = commands.add_parser(
        "export",
        help="back the store up into a new folder",
        epilog=EXPORT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("dir", type=Path, metavar="DIR", help="the backup folder to create (must not exist, or be empty)")
    export.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_store_flags(export)

    restore = commands.add_parser(
        "restore",
        help="restore a backup into the store",
        epilog=RESTORE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    restore.add_argument("dir", type=Path, metavar="DIR", help="a folder written by 'policykb export'")
    restore.add_argument(
        "--replace", action="store_true", help="remove the store's documents that differ from the backup's, then restore"
    )
    restore.add_argument("--json", action="store_true", help="print the report as JSON")
    _add_store_flags(restore)

    check = commands.add_parser(
        "check",
        help="check that the store is whole and readable; --repair rebuilds a damaged one",
        epilog=CHECK_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--repair", action="store_true", help="rebuild the store if the check finds it damaged")
    check.add_argument("--json", action="store_true", help="print the findings (and the repair) as JSON")
    _add_store_flags(check)

    evaluate = commands.add_parser(
        "eval",
        help="measure retrieval quality on a BEIR-format test set",
        epilog=EVAL_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    return parser


def _filters(args: argparse.Namespace) -> Filters:
    """The filter flags that search and ask share."""
    from kb.search import Filters

    return Filters(
        countries=tuple(c.upper() for c in args.country),
        langs=tuple(lang.lower() for lang in args.lang),
        doc_types=tuple(t.lower() for t in args.doc_type),
        year_min=args.year_min,
        year_max=args.year_max,
    )


def _ask(args: argparse.Namespace, store: Store, embedder: Embedder, settings: Settings) -> int:
    from assistant import answer
    from assistant.question import analyse
    from kb.search import Searcher

    filters = _filters(args)
    history: list[Turn] = []
    for earlier in args.after:
        history.append(analyse(earlier, history).turn())
    if not args.question.strip():
        return _fail('the question is empty; ask something, e.g. policykb ask "How does Tunisia fund clusters?"', EXIT_USAGE)
    result = answer(Searcher(store, embedder, settings.retrieval), args.question, settings.assistant, filters, history)
    print(
        json.dumps(result.as_json(), ensure_ascii=False, indent=2) if args.json else result.markdown,
        end="" if not args.json else "\n",
    )
    return 0


def _format_hit(hit: Hit) -> str:
    where = [f"p. {hit.page}" if hit.page == hit.page_end else f"pp. {hit.page}-{hit.page_end}"]
    if hit.article:
        where.append(hit.article)
    facts = " · ".join(x for x in (hit.country, hit.lang, hit.doc_type, str(hit.year or "")) if x)
    body = textwrap.indent(hit.text.strip(), "   ")
    also = f"\n   also in: {', '.join(hit.translations)}" if hit.translations else ""
    return f"{hit.rank}. [{hit.score:.3f}] {hit.title} ({facts})\n   {' · '.join(where)} · {hit.source}{also}\n{body}\n"


def _bench_ocr(args: argparse.Namespace) -> int:
    from eval.bench import BenchError
    from eval.ocrbench import render_section, run_ocr_bench, write_section
    from policykb.settings import load_settings

    if args.dataset is not None:
        return _fail("--ocr builds its set from the gold set over corpus/documents; --dataset does not apply", EXIT_USAGE)
    settings = load_settings()
    try:
        report = run_ocr_bench(
            settings.embed, settings.ingest, progress=lambda step: print(f"policykb bench: {step}", file=sys.stderr, flush=True)
        )
    except BenchError as err:
        if err.detail:
            print(err.detail, file=sys.stderr, end="")
        return _fail(str(err))
    write_section(args.out, render_section(report))
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else f"wrote the OCR section of {args.out}")
    return 0


def _bench_load(args: argparse.Namespace) -> int:
    from eval.beir import EvalError
    from eval.loadtest import LoadConfig, load_bench, render_section, write_section

    if args.dataset is not None:
        return _fail("--load serves the sample corpus and asks the gold set's questions; --dataset does not apply", EXIT_USAGE)
    try:
        config = LoadConfig(clients=args.clients, seconds=args.seconds)
    except EvalError as err:
        return _fail(f"--load: {err}", EXIT_USAGE)
    try:
        report = load_bench(config, progress=lambda step: print(f"policykb bench: {step}", file=sys.stderr, flush=True))
    except EvalError as err:
        return _fail(str(err))
    write_section(args.out, render_section(report))
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else f"wrote the Load section of {args.out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from eval.beir import EvalError, load_dataset
    from eval.bench import BenchError, render_markdown, run_bench
    from eval.ocrbench import find_section, replace_section
    from policykb.settings import load_settings

    if args.ocr:
        return _bench_ocr(args)
    if args.load:
        return _bench_load(args)
    try:
        sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        return _fail(f"--sizes '{args.sizes}' must be whole numbers separated by commas", EXIT_USAGE)
    if not sizes or min(sizes) < 10:
        return _fail("--sizes needs sizes of at least 10 chunks", EXIT_USAGE)
    if args.rounds < 1:
        return _fail("--rounds must be at least 1", EXIT_USAGE)
    settings = load_settings()
    cache = settings.embed.cache_path
    try:
        report = run_bench(
            sizes,
            cache.parent / "bench" if cache else None,  # synthetic stores are kept beside the embedding cache
            load_dataset(args.dataset),
            settings.embed,
            settings.ingest,
            args.rounds,
            progress=lambda step: print(f"policykb bench: {step}", file=sys.stderr, flush=True),
            server=args.server,
        )
    except BenchError as err:
        if err.detail:
            print(err.detail, file=sys.stderr, end="")
        return _fail(str(err))
    except EvalError as err:
        return _fail(str(err))
    markdown = render_markdown(report)
    old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    for heading in ("## OCR", "## Load"):  # keep the sections --ocr and --load write
        kept = find_section(old, heading)
        markdown = replace_section(markdown, kept, heading) if kept else markdown
    args.out.write_text(markdown, encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else f"wrote {args.out}")
    return 0


MAX_PROBLEMS_SHOWN = 20


def _eval(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from eval.beir import load_dataset
    from eval.harness import evaluate_kb
    from eval.report import write_report
    from kb.config import MODES
    from kb.embed import Embedder
    from kb.sync import tty_progress
    from policykb.settings import load_settings

    if args.k < 1:
        return _fail("--k must be at least 1", EXIT_USAGE)
    settings = load_settings()
    dataset = load_dataset(args.dataset)
    embedder = Embedder(settings.embed)
    try:
        modes = MODES if args.mode == "all" else (args.mode,)
        retrieval = replace(settings.retrieval, index_dir=None)  # the throw-away store's index stays in memory
        evaluation = evaluate_kb(
            dataset, embedder, modes, args.k, retrieval, settings.ingest, tty_progress(False), server=_eval_server(args)
        )
    finally:
        embedder.close()
    summary = evaluation.summary
    problems: list[str] = summary["problems"]
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        print(f"policykb: {problem}", file=sys.stderr)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        print(f"policykb: ... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems (all in --json or --out)", file=sys.stderr)
    written = write_report(evaluation, args.out) if args.out else []
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
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
    print("wrote " + ", ".join(map(str, written)) if written else "by language, language pair and kind: --json or --out DIR")
    return 0


def _eval_ablation(args: argparse.Namespace) -> int:
    from eval.ablation import render, run_ablation, variants
    from eval.beir import load_dataset
    from kb.embed import Embedder
    from policykb.settings import load_settings

    if args.k < 1:
        return _fail("--k must be at least 1", EXIT_USAGE)
    embedder = Embedder(load_settings().embed)
    try:
        print(render(run_ablation(load_dataset(args.dataset), embedder, variants(), args.k), args.k))
    finally:
        embedder.close()
    return 0


def _eval_server(args: argparse.Namespace) -> StoreConfig | None:
    """The Chroma server an evaluation's throw-away store goes to (--chroma-url or the environment), if any."""
    from policykb.settings import load_settings

    store = load_settings(chroma_url=args.chroma_url).store
    return store if store.chroma_url else None


def _eval_answers(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from eval.answers import evaluate_answers, render_summary, write_answers
    from eval.beir import load_dataset
    from kb.embed import Embedder
    from policykb.settings import load_settings

    settings = load_settings()
    dataset = load_dataset(args.dataset)
    embedder = Embedder(settings.embed)
    try:
        summary, records, answers = evaluate_answers(
            dataset,
            embedder,
            replace(settings.retrieval, index_dir=None),
            settings.ingest,
            settings.assistant,
            server=_eval_server(args),
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


def _serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from assistant.server import ServeConfig, serve
    from policykb.settings import load_settings

    settings = load_settings(store=args.store, chroma_url=args.chroma_url)
    if not 0 < args.port < 65536:
        return _fail(f"--port {args.port} is not a port number", EXIT_USAGE)
    web = replace(
        settings.web,
        host=args.host,
        port=args.port,
        users_file=args.users or settings.web.users_file,
        audit_log=args.audit_log or settings.web.audit_log,
        anonymous_upload=args.allow_anonymous_upload,
    )
    if web.users_file is None and not os.environ.get("POLICYKB_ADMIN_PASSWORD") and not _loopback(web.host):
        print(
            f"policykb: warning: serving on {web.host} without a login: anyone who reaches the port may ask"
            + (" and add documents" if web.anonymous_upload else "")
            + "; add --users FILE (policykb user add) or serve on 127.0.0.1",
            file=sys.stderr,
            flush=True,
        )
    store = settings.store.path
    if not settings.store.chroma_url and store.is_dir() and store.stat().st_mode & 0o077:
        # Stores made before the CLI wrote them 0700; the server does not change an operator's modes.
        print(
            f"policykb: warning: {store} is open to other accounts (mode {store.stat().st_mode & 0o777:o}) and holds "
            f"every document's text; run: chmod -R go= {store}",
            file=sys.stderr,
            flush=True,
        )
    config = ServeConfig(settings.store, settings.embed, settings.retrieval, settings.ingest, settings.assistant, web)
    serve(
        config, announce=lambda url: print(f"policykb: serving {settings.store.describe()} on {url} (Ctrl+C stops)", flush=True)
    )
    return 0


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _user(args: argparse.Namespace) -> int:
    import getpass

    from assistant.access import add_user, remove_user

    users = args.users or (Path(os.environ["POLICYKB_USERS"]) if os.environ.get("POLICYKB_USERS") else None)
    if users is None:
        return _fail("no users file: pass --users FILE or set POLICYKB_USERS", EXIT_USAGE)
    if args.user_command == "remove":
        if not remove_user(users, args.name):
            return _fail(f"{users}: no user '{args.name}'; nothing changed")
        print(f"{users}: {args.name} removed")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            return _fail("the two passwords differ; nothing changed")
    add_user(users, args.name, password, "admin" if args.admin else "reader")
    print(f"{users}: {args.name} ({'admin' if args.admin else 'reader'}) saved")
    return 0


def _without_ocr(settings: Settings) -> Settings:
    ingest = settings.ingest
    return replace(settings, ingest=replace(ingest, load=replace(ingest.load, ocr=replace(ingest.load.ocr, enabled=False))))


def _inspect(args: argparse.Namespace) -> int:
    from ingest.errors import IngestError
    from ingest.inspection import format_reports, page_reports
    from ingest.load import SourceFile
    from ingest.sandbox import ParserProcess
    from policykb.settings import load_settings

    settings = load_settings()
    if args.no_ocr:
        settings = _without_ocr(settings)
    path = args.file.resolve()
    if not path.is_file():
        what = "a folder" if path.is_dir() else "no such file"
        return _fail(f"{args.file}: {what}; give the path of one PDF, DOCX, HTML, Markdown or text file", EXIT_USAGE)
    try:
        with ParserProcess(settings.ingest.parse, settings.ingest.load) as parser:
            texts, parsed_by = parser.pages(SourceFile(path=path, root=path.parent))
    except IngestError as err:
        return _fail(str(err), EXIT_FAILED)
    reports = page_reports(texts)
    if args.json:
        record = {"file": str(args.file), "parser": parsed_by, "pages": [r.as_dict() for r in reports]}
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        indexed = sum(r.indexed for r in reports)
        print(f"{args.file}: {len(reports)} page(s), {indexed} indexed; read with {parsed_by}")
        print(format_reports(reports))
    return 0


def _export(args: argparse.Namespace) -> int:
    from kb.backup import export_store, tty_progress
    from kb.store import Store
    from policykb.settings import load_settings

    settings = load_settings(store=args.store, chroma_url=args.chroma_url)
    if not settings.store.chroma_url and not settings.store.path.is_dir():
        return _fail(f"{settings.store.path}: no store there; name the store to back up with --store DIR or --chroma-url URL")
    report = export_store(Store(settings.store), args.dir, progress=tty_progress("export"))
    print(json.dumps(report.as_dict(), indent=2) if args.json else f"{report.target}: {report.summary()}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from kb.backup import restore_store, tty_progress, verify_backup
    from kb.lexical import update_index
    from kb.store import Store
    from policykb.settings import load_settings

    settings = load_settings(store=args.store, chroma_url=args.chroma_url)
    manifest = verify_backup(args.dir)  # before the store is opened: a bad backup creates nothing
    store = Store(settings.store)
    report = restore_store(args.dir, store, replace=args.replace, progress=tty_progress("restore"), verified=manifest)
    if settings.retrieval.index_dir is not None:
        update_index(store, settings.retrieval.index_dir)  # the derived lexical index follows the restored store
    print(json.dumps(report.as_dict(), indent=2) if args.json else f"{settings.store.describe()}: {report.summary()}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from kb.embed import Embedder
    from kb.health import check_store, describe
    from kb.rebuild import repair_store
    from policykb.settings import load_settings

    settings = load_settings(store=args.store, chroma_url=args.chroma_url)
    health = check_store(settings.store, thorough=True)
    found: dict[str, object] = {"health": asdict(health)}
    if not args.json:
        print("\n".join(describe(health)))
    if health.ok or not args.repair:
        if args.json:
            print(json.dumps(found, indent=2, ensure_ascii=False, default=str))
        return 0 if health.ok else EXIT_FAILED
    if settings.store.chroma_url:
        return _fail(f"{settings.store.chroma_url}: a Chroma server keeps its own files; repair applies to an embedded store")
    embedder = Embedder(settings.embed)
    try:
        report = repair_store(
            settings.store, embedder, settings.ingest, progress=lambda step: print(f"policykb: {step}", file=sys.stderr)
        )
    finally:
        embedder.close()
    if settings.retrieval.index_dir is not None:
        from kb.lexical import update_index
        from kb.store import Store

        update_index(Store(settings.store), settings.retrieval.index_dir)  # derived: rebuilt for the new store
    for lost in report.lost:
        print(f"policykb: lost: {lost}; ingest it again", file=sys.stderr)
    found["repair"] = asdict(report)
    print(json.dumps(found, indent=2, ensure_ascii=False, default=str) if args.json else report.summary())
    return EXIT_FAILED if report.lost else 0


def _run(args: argparse.Namespace) -> int:
    from kb.embed import Embedder
    from kb.store import Store
    from policykb.settings import load_settings

    if args.command in ("ingest", "serve", "check", "export", "restore", "user"):
        # What these write (the store, with every document's text, and its backups and repairs;
        # uploads; the audit log; users) is for this account only: folders 0700, files 0600.
        os.umask(0o077)
    if args.command in ("ingest", "eval"):
        # The model's OpenMP threads spin while waiting by default: fastest for a lone query, but
        # when another process (our own parser) holds a core, spinning stalls batches for seconds.
        # Must be set before the model's library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if args.command == "bench":
        return _bench(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "user":
        return _user(args)
    if args.command == "inspect":
        return _inspect(args)
    if args.command in ("export", "restore"):
        return _export(args) if args.command == "export" else _restore(args)
    if args.command == "check":
        return _check(args)  # before the store is opened here: it may be what crashes
    if args.command == "eval":
        if args.ablation:
            return _eval_ablation(args)
        return _eval_answers(args) if args.answers else _eval(args)
    settings = load_settings(store=args.store, chroma_url=args.chroma_url)
    if args.command == "ingest" and args.no_ocr:
        settings = _without_ocr(settings)
    store = Store(settings.store)
    embedder = Embedder(settings.embed)
    try:
        if args.command == "ingest":
            from kb.sync import ingest_paths, tty_progress

            report = ingest_paths(
                args.paths, store, embedder, settings.ingest, prune=args.prune, progress=tty_progress(args.quiet)
            )
            for error in report.failed:
                print(f"policykb: {error}", file=sys.stderr)
            for warning in report.warnings:
                print(f"policykb: warning: {warning}", file=sys.stderr)
            if settings.retrieval.index_dir is not None and (report.added or report.updated or report.pruned):
                from kb.lexical import update_index

                update_index(store, settings.retrieval.index_dir)  # keep the derived lexical index in step
            print(f"{settings.store.describe()}: {report.summary()}")
            return 0 if report.ok else EXIT_FAILED
        if args.command == "search":
            from kb.search import Searcher

            if args.k < 1:
                return _fail("--k must be at least 1", EXIT_USAGE)
            filters = _filters(args)
            hits = Searcher(store, embedder, settings.retrieval).search(args.query, k=args.k, filters=filters, mode=args.mode)
            if args.json:
                print(json.dumps([hit.as_dict() for hit in hits], ensure_ascii=False, indent=2))
            elif not hits:
                print("no passages found (is the store empty? run 'policykb ingest PATH')")
            else:
                print("\n".join(_format_hit(hit) for hit in hits))
            return 0
        if args.command == "ask":
            return _ask(args, store, embedder, settings)
        if args.command == "stats":
            from kb.stats import collect_stats

            stats = collect_stats(store)
            if args.json:
                print(json.dumps(stats, ensure_ascii=False, indent=2))
            else:
                print(f"{stats['documents']} documents, {stats['chunks']} chunks in {settings.store.describe()}")
                for key in ("by_country", "by_lang", "by_type"):
                    print(f"  {key[3:]}: " + ", ".join(f"{k} {v}" for k, v in stats[key].items()))
            return 0
    finally:
        embedder.close()
    return _fail(f"unknown command {args.command}", EXIT_USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    enforce_offline()
    args = build_parser().parse_args(argv)
    import httpx

    from assistant.errors import AssistantError
    from eval.beir import EvalError
    from ingest.errors import IngestError
    from kb.errors import KBError
    from policykb.settings import SettingsError

    try:
        return _run(args)
    except SettingsError as err:
        return _fail(str(err), EXIT_USAGE)
    except (KBError, IngestError, EvalError, AssistantError) as err:
        return _fail(str(err))
    except httpx.TransportError as err:  # a Chroma server that stopped answering mid-command
        reason = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        return _fail(f"the Chroma server stopped answering ({reason}); check that it runs, then run the command again")
    except KeyboardInterrupt:
        return _fail("interrupted; nothing half-written is visible (run the command again)", 130)


if __name__ == "__main__":
    sys.exit(main())
