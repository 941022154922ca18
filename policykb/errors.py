"""The composition root's own exceptions, under one base class; the CLI turns them into one-line messages."""

from __future__ import annotations


class PolicykbError(Exception):
    """Base class of policykb's errors: ``str(err)`` is one line that says what to do."""
