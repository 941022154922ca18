"""The store's own commands: ``stats``, ``export``, ``restore`` and ``check``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from policykb.commands.common import EXIT_FAILED, RAW, add_store_flags, fail, handle

if TYPE_CHECKING:
    from policykb.commands.common import Commands
    from policykb.settings import Settings

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


def add(commands: Commands) -> None:
    stats = commands.add_parser("stats", help="what the knowledge base holds")
    stats.add_argument("--json", action="store_true")
    add_store_flags(stats)
    handle(stats, run_stats)

    export = commands.add_parser(
        "export", help="back the store up into a new folder", epilog=EXPORT_EXAMPLES, formatter_class=RAW
    )
    export.add_argument("dir", type=Path, metavar="DIR", help="the backup folder to create (must not exist, or be empty)")
    export.add_argument("--json", action="store_true", help="print the report as JSON")
    add_store_flags(export)
    handle(export, run_export, private=True)

    restore = commands.add_parser("restore", help="restore a backup into the store", epilog=RESTORE_EXAMPLES, formatter_class=RAW)
    restore.add_argument("dir", type=Path, metavar="DIR", help="a folder written by 'policykb export'")
    restore.add_argument(
        "--replace", action="store_true", help="remove the store's documents that differ from the backup's, then restore"
    )
    restore.add_argument("--json", action="store_true", help="print the report as JSON")
    add_store_flags(restore)
    handle(restore, run_restore, private=True)

    check = commands.add_parser(
        "check",
        help="check that the store is whole and readable; --repair rebuilds a damaged one",
        epilog=CHECK_EXAMPLES,
        formatter_class=RAW,
    )
    check.add_argument("--repair", action="store_true", help="rebuild the store if the check finds it damaged")
    check.add_argument("--json", action="store_true", help="print the findings (and the repair) as JSON")
    add_store_flags(check)
    handle(check, run_check, private=True)


def run_stats(args: argparse.Namespace, settings: Settings) -> int:
    from kb.stats import collect_stats
    from kb.store import Store

    stats = collect_stats(Store(settings.store))
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
    else:
        print(f"{stats['documents']} documents, {stats['chunks']} chunks in {settings.store.describe()}")
        for key in ("by_country", "by_lang", "by_type"):
            print(f"  {key[3:]}: " + ", ".join(f"{k} {v}" for k, v in stats[key].items()))
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from kb.backup import export_store, tty_progress
    from kb.store import Store

    if not settings.store.chroma_url and not settings.store.path.is_dir():
        return fail(f"{settings.store.path}: no store there; name the store to back up with --store DIR or --chroma-url URL")
    report = export_store(Store(settings.store), args.dir, progress=tty_progress("export"))
    print(json.dumps(report.as_dict(), indent=2) if args.json else f"{report.target}: {report.summary()}")
    return 0


def run_restore(args: argparse.Namespace, settings: Settings) -> int:
    from kb.backup import restore_store, tty_progress, verify_backup
    from kb.lexical import update_index
    from kb.store import Store

    manifest = verify_backup(args.dir)  # before the store is opened: a bad backup creates nothing
    store = Store(settings.store)
    report = restore_store(args.dir, store, replace=args.replace, progress=tty_progress("restore"), verified=manifest)
    if settings.retrieval.index_dir is not None:
        update_index(store, settings.retrieval.index_dir)  # the derived lexical index follows the restored store
    print(json.dumps(report.as_dict(), indent=2) if args.json else f"{settings.store.describe()}: {report.summary()}")
    return 0


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    """Checked before anything here opens the store: the store may be what crashes."""
    from dataclasses import asdict

    from kb.health import check_store, describe

    health = check_store(settings.store, thorough=True)
    found: dict[str, object] = {"health": asdict(health)}
    if not args.json:
        print("\n".join(describe(health)))
    if health.ok or not args.repair:
        if args.json:
            print(json.dumps(found, indent=2, ensure_ascii=False, default=str))
        return 0 if health.ok else EXIT_FAILED
    if settings.store.chroma_url:
        return fail(f"{settings.store.chroma_url}: a Chroma server keeps its own files; repair applies to an embedded store")
    return _repair(args, settings, found)


def _repair(args: argparse.Namespace, settings: Settings, found: dict[str, object]) -> int:
    from dataclasses import asdict

    from kb.embed import Embedder
    from kb.rebuild import repair_store

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
