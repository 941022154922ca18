"""The command groups of ``policykb``, one module each: each adds its subcommands and their handlers."""

from __future__ import annotations

import argparse

from policykb.commands import bench, ingest, search, serve, store
from policykb.commands import eval as evaluate
from policykb.commands.common import Parser

# The order of ``policykb --help``.
GROUPS = (ingest, search, bench, serve, store, evaluate)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="policykb", description="Euromed policy-dialogue knowledge base.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in GROUPS:
        group.add(commands)
    return parser
