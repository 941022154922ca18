"""What every command module shares: the one-line-error parser, exit codes, the store flags, handlers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from policykb.errors import PolicykbError

if TYPE_CHECKING:
    from typing import TypeAlias

    from policykb.settings import Settings

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]  # what add_parser is called on

EXIT_FAILED = 1
EXIT_USAGE = 2
RAW = argparse.RawDescriptionHelpFormatter

# A command's handler: the parsed flags and the one settings object, built once at the entry.
Handler = Callable[[argparse.Namespace, "Settings"], int]


class UsageError(PolicykbError):
    """A flag's value is unusable; the CLI prints the message and exits 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: scripts and people both read the last line.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"policykb: {message}", file=sys.stderr)
    return code


def handle(parser: argparse.ArgumentParser, func: Handler, *, private: bool = False, passive_threads: bool = False) -> None:
    """Dispatch ``parser``'s command to ``func``.

    ``private``: what the command writes (the store, with every document's text, its backups and
    repairs; uploads; the audit log; users) is for this account only, folders 0700 and files 0600.
    ``passive_threads``: the command embeds in bulk beside another busy process (see policykb.cli).
    """
    parser.set_defaults(func=func, private=private, passive_threads=passive_threads)


def add_store_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("store")
    group.add_argument("--store", metavar="DIR", help="embedded store directory (env POLICYKB_STORE, default ./.policykb)")
    group.add_argument(
        "--chroma-url", metavar="URL", help="use a Chroma server instead, e.g. http://127.0.0.1:8000 (env POLICYKB_CHROMA_URL)"
    )
