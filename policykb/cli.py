"""The ``policykb`` command: the entry that sets the process up, builds the settings once and dispatches.

Each command group lives in its own module (policykb/commands/); a handler parses nothing and
prints its result. Library code raises; only here are exceptions turned into one-line messages and
exit codes (2: usage error, 1: the work failed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from kb.offline import enforce_offline
from policykb.commands import build_parser
from policykb.commands.common import EXIT_FAILED, EXIT_USAGE, UsageError, fail
from policykb.errors import PolicykbError

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "build_parser", "main"]


def _prepare_process(args: argparse.Namespace) -> None:
    """Process-wide switches, set once here before any library loads."""
    if args.private:
        # What the command writes (the store, with every document's text, and its backups and repairs;
        # uploads; the audit log; users) is for this account only: folders 0700, files 0600.
        os.umask(0o077)
    if args.passive_threads:
        # The model's OpenMP threads spin while waiting by default: fastest for a lone query, but
        # when another process (our own parser) holds a core, spinning stalls batches for seconds.
        # Must be set before the model's library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _run(args: argparse.Namespace) -> int:
    from policykb.settings import load_settings

    _prepare_process(args)
    settings = load_settings(store=getattr(args, "store", None), chroma_url=getattr(args, "chroma_url", None))
    return int(args.func(args, settings))


def main(argv: Sequence[str] | None = None) -> int:
    enforce_offline()
    args = build_parser().parse_args(argv)
    from assistant.errors import AssistantError
    from eval.beir import EvalError
    from ingest.errors import IngestError
    from kb.errors import KBError
    from policykb.settings import SettingsError

    try:
        return _run(args)
    except (SettingsError, UsageError) as err:
        return fail(str(err), EXIT_USAGE)
    except (PolicykbError, KBError, IngestError, EvalError, AssistantError) as err:
        # Each stage raises its own errors only (kb turns a Chroma server's transport failures into
        # StoreUnavailableError): anything else is a bug, and its traceback is what to report.
        return fail(str(err))
    except KeyboardInterrupt:
        return fail("interrupted; nothing half-written is visible (run the command again)", 130)


if __name__ == "__main__":
    sys.exit(main())
