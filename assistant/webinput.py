"""Checks of what a web user or API client sends: the question and the filters.

Raises :class:`InputError` with a one-line message that says what to change; the app shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.config import WebConfig
from assistant.errors import AssistantError
from assistant.phrases import COUNTRY_NAMES
from kb.query import clean_query
from kb.search import Filters

COUNTRY_CODES: tuple[str, ...] = tuple(COUNTRY_NAMES)


class InputError(AssistantError):
    """A question or filter a user sent cannot be used as it is."""


def checked_question(question: str | None, config: WebConfig) -> str:
    """The question trimmed, control, bidi-override and lone-surrogate characters dropped (they would
    reach the audit log and the page as sent), and within the length limit."""
    question = clean_query(question or "", limit=len(question or ""))
    if not question:
        raise InputError("the question is empty: type a question, e.g. 'How does Tunisia fund clusters?'")
    if len(question) > config.max_question_chars:
        raise InputError(f"the question has {len(question)} characters; keep it under {config.max_question_chars}")
    return question


def _year(value: float | str | None) -> int | None:
    # An empty number field arrives as 0 from an API client, an unset year choice as "": both mean "not set".
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise InputError(f"year {value!r} is not a four-digit year; write one such as 2021, or leave the field empty")
        value = int(value)
    if float(value) != int(value) or not 1800 <= int(value) <= 2100:
        raise InputError(f"year {value} is not a four-digit year; write one such as 2021, or leave the field empty")
    return int(value)


def checked_filters(
    countries: Sequence[str] | None,
    langs: Sequence[str] | None,
    doc_types: Sequence[str] | None,
    year_min: float | str | None,
    year_max: float | str | None,
) -> Filters:
    low, high = _year(year_min), _year(year_max)
    if low is not None and high is not None and low > high:
        raise InputError(f"the year range {low}-{high} is empty: 'from' must not be after 'to'")
    unknown = [c for c in countries or () if c.upper() not in COUNTRY_CODES]
    if unknown:
        raise InputError(f"unknown country '{unknown[0]}': use one of {', '.join(COUNTRY_CODES)}")
    return Filters(
        countries=tuple(c.upper() for c in countries or ()),
        langs=tuple(lang.lower() for lang in langs or ()),
        doc_types=tuple(t.lower() for t in doc_types or ()),
        year_min=low,
        year_max=high,
    )


def year_range(years: Sequence[int] | None) -> tuple[int | None, int | None]:
    """The API's ``years``: [] (any), [year] or [from, to]."""
    given = list(years or [])
    if len(given) > 2:
        raise InputError("years takes at most two values: [from, to]")
    return (given[0], given[-1]) if given else (None, None)


def describe_filters(filters: Filters) -> str:
    """The filters in force, for a person reading a brief."""
    parts = []
    if filters.countries:
        parts.append("countries " + ", ".join(filters.countries))
    if filters.langs:
        parts.append("languages " + ", ".join(filters.langs))
    if filters.doc_types:
        parts.append("types " + ", ".join(filters.doc_types))
    if filters.year_min is not None or filters.year_max is not None:
        parts.append(f"years {filters.year_min or '…'}-{filters.year_max or '…'}")
    return "; ".join(parts)
