"""Errors raised by the knowledge base. Messages say what to do next."""

from __future__ import annotations


class KBError(Exception):
    """Base class for knowledge-base errors; ``str(err)`` is a one-line user message."""


class InvalidValue(KBError, ValueError):
    """A setting or argument out of its range (still a ValueError, as before it had a base class)."""


class StoreLockedError(KBError):
    """Another process is writing to the same store directory."""


class StoreUnavailableError(KBError):
    """The Chroma server cannot be reached, or the store cannot be opened."""


class IncompatibleStoreError(KBError):
    """The store was built with another embedding model or schema."""


class BackupError(KBError):
    """A backup cannot be written, or is damaged or incompatible, or cannot be restored into the given store."""


class StoreDamagedError(KBError):
    """The store's files are damaged: ``policykb check --repair`` rebuilds it."""


class RepairError(KBError):
    """A damaged store could not be rebuilt; the damaged store is left as it was."""


class DataFileError(KBError, ValueError):
    """A data file kb ships or is given (``kb/data/places.tsv``) is malformed; the message names the line.

    A ValueError too, as it was before it had a class.
    """
