"""The CLI's shape: one module per command group, every command dispatched by its own handler."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from policykb.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]


def _leaves(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every runnable command (``user add`` is one, ``user`` is not), by its words."""
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        return {prefix: parser}
    for name, sub in groups[0].choices.items():
        found.update(_leaves(sub, (*prefix, name)))
    return found


def test_every_command_has_a_handler() -> None:
    leaves = _leaves(build_parser())
    expected = {"ingest", "inspect", "search", "ask", "bench", "serve", "stats", "export", "restore", "check", "eval"}
    assert {words[0] for words in leaves} == expected | {"user"}
    assert {words for words in leaves if words[0] == "user"} == {("user", "add"), ("user", "remove")}
    for words, parser in leaves.items():
        assert callable(parser.get_default("func")), f"'policykb {' '.join(words)}' has no handler"


def test_the_script_entry_is_policykb_cli_main() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["policykb"] == "policykb.cli:main" and callable(main)
