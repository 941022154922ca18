"""The evaluation package's errors, under one base class. The library raises them; the CLI prints ``str(err)``.

Other modules add their own subclasses of :class:`EvalError` beside the code that raises them
(``BenchError``, ``LoadError``, ``OcrSetError``, ``ServerError``, ``WriterError``).
"""

from __future__ import annotations

from pathlib import Path


class EvalError(Exception):
    """Base class of evaluation errors; ``str(err)`` is a one-line user message."""


class InvalidValue(EvalError, ValueError):
    """A setting or argument out of its range (still a ValueError, as before it had a base class)."""


class DatasetError(EvalError):
    """The dataset cannot be used as a whole (a file is missing or unreadable, nothing to evaluate)."""


class BadLineError(DatasetError):
    """One line of a dataset file cannot be read. The loaders report it (file, line, reason) and skip the line."""

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason
