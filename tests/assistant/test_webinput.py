"""What the web app accepts from users and API clients, and the one-line messages it refuses with."""

from __future__ import annotations

import pytest

from assistant.config import WebConfig
from assistant.webinput import InputError, checked_filters, checked_question, describe_filters, year_range


def test_questions_are_trimmed_and_bounded() -> None:
    assert checked_question("  How does Tunisia fund clusters?\n", WebConfig()) == "How does Tunisia fund clusters?"
    with pytest.raises(InputError, match="question is empty"):
        checked_question("   ", WebConfig())
    with pytest.raises(InputError, match="has 11 characters; keep it under 10"):
        checked_question("x" * 11, WebConfig(max_question_chars=10))


def test_filters_are_normalised_and_an_empty_year_field_means_any_year() -> None:
    filters = checked_filters(["ma", "TN"], ["FR"], ["Law"], 0, 2020.0)
    assert filters.countries == ("MA", "TN") and filters.langs == ("fr",) and filters.doc_types == ("law",)
    assert (filters.year_min, filters.year_max) == (None, 2020)
    assert describe_filters(filters) == "countries MA, TN; languages fr; types law; years …-2020"
    assert describe_filters(checked_filters(None, None, None, None, None)) == ""
    # The web page's year choices send "" for any year and the year itself otherwise.
    chosen = checked_filters(None, None, None, "", "2020")
    assert (chosen.year_min, chosen.year_max) == (None, 2020)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((["XX"], None, None, None, None), "unknown country 'XX'"),
        ((None, None, None, 2030, 2000), "year range 2030-2000 is empty"),
        ((None, None, None, 2021.5, None), "2021.5 is not a four-digit year"),
        ((None, None, None, 99, None), "99 is not a four-digit year"),
        ((None, None, None, "20x1", None), "'20x1' is not a four-digit year"),
    ],
)
def test_bad_filters_are_refused_with_what_to_change(arguments: tuple[object, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        checked_filters(*arguments)  # type: ignore[arg-type]


def test_api_year_ranges() -> None:
    assert year_range(None) == (None, None)
    assert year_range([2015]) == (2015, 2015)
    assert year_range([2010, 2020]) == (2010, 2020)
    with pytest.raises(InputError, match="at most two values"):
        year_range([2010, 2015, 2020])
