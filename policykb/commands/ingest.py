"""``policykb ingest`` and ``policykb inspect``: files into the store, and what ingest makes of one file."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from policykb.commands.common import EXIT_FAILED, EXIT_USAGE, RAW, add_store_flags, fail, handle

if TYPE_CHECKING:
    from policykb.commands.common import Commands
    from policykb.settings import Settings

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


def add(commands: Commands) -> None:
    ingest = commands.add_parser("ingest", help="ingest files and folders", epilog=INGEST_EXAMPLES, formatter_class=RAW)
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument(
        "--prune", action="store_true", help="remove stored documents whose files are gone from the given folders"
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress bar, only errors and the summary")
    ingest.add_argument(
        "--no-ocr", action="store_true", help="do not OCR image-only or unreadable PDF pages (env POLICYKB_OCR=off)"
    )
    add_store_flags(ingest)
    handle(ingest, run_ingest, private=True, passive_threads=True)

    inspect = commands.add_parser(
        "inspect",
        help="show what ingest makes of each page of a file (language, quality, repair, OCR)",
        epilog=INSPECT_EXAMPLES,
        formatter_class=RAW,
    )
    inspect.add_argument("file", type=Path, metavar="FILE")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.add_argument("--no-ocr", action="store_true", help="report pages that need OCR without running it")
    handle(inspect, run_inspect)


def without_ocr(settings: Settings) -> Settings:
    ingest = settings.ingest
    return replace(settings, ingest=replace(ingest, load=replace(ingest.load, ocr=replace(ingest.load.ocr, enabled=False))))


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from kb.embed import Embedder
    from kb.store import Store
    from kb.sync import ingest_paths, tty_progress

    if args.no_ocr:
        settings = without_ocr(settings)
    store = Store(settings.store)
    embedder = Embedder(settings.embed)
    try:
        report = ingest_paths(args.paths, store, embedder, settings.ingest, prune=args.prune, progress=tty_progress(args.quiet))
    finally:
        embedder.close()
    for error in report.failed:
        print(f"policykb: {error}", file=sys.stderr)
    for warning in report.warnings:
        print(f"policykb: warning: {warning}", file=sys.stderr)
    if settings.retrieval.index_dir is not None and (report.added or report.updated or report.pruned):
        from kb.lexical import update_index

        update_index(store, settings.retrieval.index_dir)  # keep the derived lexical index in step
    print(f"{settings.store.describe()}: {report.summary()}")
    return 0 if report.ok else EXIT_FAILED


def run_inspect(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.errors import IngestError
    from ingest.inspection import format_reports, page_reports
    from ingest.load import SourceFile
    from ingest.sandbox import ParserProcess

    if args.no_ocr:
        settings = without_ocr(settings)
    path = args.file.resolve()
    if not path.is_file():
        what = "a folder" if path.is_dir() else "no such file"
        return fail(f"{args.file}: {what}; give the path of one PDF, DOCX, HTML, Markdown or text file", EXIT_USAGE)
    try:
        with ParserProcess(settings.ingest.parse, settings.ingest.load) as parser:
            texts, parsed_by = parser.pages(SourceFile(path=path, root=path.parent))
    except IngestError as err:
        return fail(str(err), EXIT_FAILED)
    reports = page_reports(texts)
    if args.json:
        record = {"file": str(args.file), "parser": parsed_by, "pages": [r.as_dict() for r in reports]}
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        indexed = sum(r.indexed for r in reports)
        print(f"{args.file}: {len(reports)} page(s), {indexed} indexed; read with {parsed_by}")
        print(format_reports(reports))
    return 0
