"""Plain-text reader. A form feed (\\f) separates pages, as pdftotext writes them."""

from __future__ import annotations

from pathlib import Path

from ingest.encoding import decode_text
from ingest.errors import MAX_PAGES, CorruptDocumentError, check_page_count
from ingest.markdown import split_front_matter
from ingest.records import Extracted, Page


def read_text(path: Path, max_pages: int = MAX_PAGES) -> Extracted:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CorruptDocumentError(path, f"cannot read the file ({err.strerror or err})") from err
    decoded = decode_text(path, data)
    declared, body = split_front_matter(path, decoded.text)
    texts = body.split("\f")
    check_page_count(path, len(texts), max_pages)
    pages = tuple(Page(number=i + 1, text=text) for i, text in enumerate(texts))
    return Extracted(pages=pages, declared=declared, parser=decoded.parser("text"), notes=decoded.notes(path))
