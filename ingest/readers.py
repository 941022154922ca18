"""Format readers, chosen by file suffix. Each takes the path and the most pages it may read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.docx import read_docx
from ingest.html import read_html
from ingest.markdown import read_markdown
from ingest.pdf import read_pdf
from ingest.records import Extracted
from ingest.text import read_text

Reader = Callable[[Path, int], Extracted]  # (path, max_pages)

READERS: dict[str, Reader] = {
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
}

SIDECAR_SUFFIXES = (".meta.json", ".meta.yaml", ".meta.yml")


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIXES)


def reader_for(path: Path) -> Reader | None:
    return READERS.get(path.suffix.lower())
