"""Errors raised by ingestion. Each message names the file and says what to do next."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """Base class: a file could not be ingested. ``str(err)`` is a one-line user message."""

    hint = "check the file"

    def __init__(self, path: Path | str, reason: str, hint: str | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.hint = hint or self.hint
        super().__init__(f"{self.path}: {reason}; {self.hint}")


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
