"""Plain-text reader. A form feed (\\f) separates pages, as pdftotext writes them."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import CorruptDocumentError
from ingest.markdown import split_front_matter
from ingest.records import Extracted, Page


def read_text(path: Path) -> Extracted:
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as err:
        raise CorruptDocumentError(path, f"cannot read as UTF-8 text ({err})") from err
    declared, body = split_front_matter(path, raw)
    pages = tuple(Page(number=i + 1, text=text) for i, text in enumerate(body.split("\f")))
    return Extracted(pages=pages, declared=declared, parser="text")
