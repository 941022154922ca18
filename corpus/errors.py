"""The corpus tools' errors, under one base class: a malformed source, or a build where some sources failed."""

from __future__ import annotations

from pathlib import Path


class CorpusError(Exception):
    """Base of the errors the corpus tools (corpus/build.py and its modules) raise."""


class SourceError(CorpusError):
    """A malformed source; str() is the one-line message naming the file and the field."""

    def __init__(self, path: Path, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}")


class BuildFailed(CorpusError):
    """Raised by build_all after every source was tried, if any of them failed."""

    def __init__(self, failures: list[str], written: list[Path]) -> None:
        super().__init__(f"{len(failures)} source(s) failed")
        self.failures = failures
        self.written = written
