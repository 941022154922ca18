"""Errors raised by ingestion. Each message names the file and says what to do next."""

from __future__ import annotations

import unicodedata
from pathlib import Path

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shown_path(path: Path | str) -> str:
    """A path fit for a one-line message, written with escapes for what would break or disguise the line:
    control characters and line separators (a newline in a file name), bidi overrides, and the lone
    surrogates that stand for bytes of a name that is not UTF-8."""
    return "".join(
        ascii(ch)[1:-1] if ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch
        for ch in str(path)
    )


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(shown_path(part) for part in text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class IngestError(Exception):
    """Base class: a file could not be ingested. ``str(err)`` is a one-line user message."""

    hint = "check the file"

    def __init__(self, path: Path | str, reason: str, hint: str | None = None) -> None:
        self.path = str(path)
        self.reason = _one_line(reason)  # parsers' messages may quote the file's bytes, newlines included
        self.hint = hint or self.hint
        super().__init__(f"{shown_path(path)}: {self.reason}; {self.hint}")


class UnsupportedFormatError(IngestError):
    hint = "convert it to PDF, DOCX, HTML, Markdown or plain text"


class EncryptedDocumentError(IngestError):
    hint = "supply a copy without a password"


class CorruptDocumentError(IngestError):
    hint = "re-export or re-download the file"


class NoTextError(IngestError):
    hint = "it has no text layer: OCR it or supply a text version"


class InvalidMetadataError(IngestError):
    hint = "fix the metadata field (see README, 'Document metadata')"


class ParseLimitError(IngestError):
    hint = "the file is too large or too complex to parse safely; split it or raise the limit"


# Pages per file, by default. Document services cap a file at 2,000-3,000 pages; a longer file is
# a compilation better split (and a hostile one would otherwise cost minutes of parsing).
MAX_PAGES = 3000


def check_page_count(path: Path, count: int, max_pages: int) -> None:
    """Refuse a file of more than ``max_pages`` pages before its text is read (see ``LoadOptions.max_pages``)."""
    if count > max_pages:
        raise ParseLimitError(
            path, f"{count} pages, over the limit of {max_pages} pages per file", "split the file, or raise POLICYKB_MAX_PAGES"
        )


class UsageError(IngestError, ValueError):
    """A caller broke the API's contract (a page number below 1, a parser asked for a result it was not
    given a file for): a bug in the calling code rather than bad input, so its message is the whole
    line, with no file to name; still a ValueError, as it was before."""

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.path, self.reason, self.hint = "", message, ""
