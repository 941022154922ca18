"""The quote check: a quote is shown only if it is an exact substring of the passage it cites.

Whitespace is the one thing normalised (PDF line wraps become spaces); case, punctuation, digits and
Unicode forms must match as stored.
"""

from __future__ import annotations

from ingest.sentences import normalise_space

__all__ = ["is_verbatim", "normalise_space"]


def is_verbatim(quote: str, passage: str) -> bool:
    """Whether ``quote`` stands word for word in ``passage``, up to whitespace."""
    wanted = normalise_space(quote)
    return bool(wanted) and wanted in normalise_space(passage)
