"""The quote check: a quote is shown only if it is an exact substring of the passage it cites.

Whitespace is the one thing normalised (PDF line wraps become spaces); case, punctuation, digits and
Unicode forms must match as stored.
"""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, without leading or trailing space."""
    return _SPACE.sub(" ", text).strip()


def is_verbatim(quote: str, passage: str) -> bool:
    """Whether ``quote`` stands word for word in ``passage``, up to whitespace."""
    wanted = normalise_space(quote)
    return bool(wanted) and wanted in normalise_space(passage)
