"""Markdown for BENCHMARKS.md: tables, and the editor that replaces one ``## `` section and keeps the rest.

``policykb bench`` writes the whole file; ``bench --ocr`` and ``bench --load`` each rewrite their own
section (:func:`write_section`), and a full run keeps the sections they wrote (:func:`find_section`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """A Markdown table: the first column left-aligned, the others right-aligned (they hold numbers)."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _bounds(lines: list[str], heading: str) -> tuple[int, int] | None:
    """Where the section ``heading`` starts and ends (the next heading of its level or above), or None."""
    for start, line in enumerate(lines):
        if line.rstrip() == heading:
            end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("# ", "## "))), len(lines))
            return start, end
    return None


def find_section(markdown: str, heading: str) -> str | None:
    """The section of ``markdown`` under ``heading`` (heading included), or None."""
    lines = markdown.splitlines(keepends=True)
    bounds = _bounds([line.rstrip("\n") for line in lines], heading)
    return None if bounds is None else "".join(lines[bounds[0] : bounds[1]]).rstrip("\n") + "\n"


def replace_section(markdown: str, section: str, heading: str) -> str:
    """``markdown`` with its ``heading`` section replaced by ``section``, or ``section`` appended; the rest untouched."""
    lines = markdown.splitlines(keepends=True)
    bounds = _bounds([line.rstrip("\n") for line in lines], heading)
    if bounds is None:
        body = markdown.rstrip("\n")
        return (body + "\n\n" if body else "") + section
    start, end = bounds
    after = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + after if after else "")


def write_section(path: Path, section: str, heading: str) -> None:
    """Put ``section`` (headed ``heading``) into the file at ``path``, created with a ``# Benchmarks`` title when missing."""
    old = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    path.write_text(replace_section(old, section, heading), encoding="utf-8")
