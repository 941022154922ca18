"""Question analysis: language, countries, dimensions, and follow-ups in three languages."""

from __future__ import annotations

import pytest

from assistant.question import analyse
from kb.query import PARTNERS

FIRST = "How do Morocco and Tunisia fund cluster governance bodies?"


def test_a_comparative_question() -> None:
    q = analyse(FIRST)
    assert (q.lang, q.countries, q.comparative, q.follow_up) == ("en", ("MA", "TN"), True, False)
    assert q.dimensions == ("governance", "funding")


@pytest.mark.parametrize(
    ("text", "lang", "dimensions"),
    [
        ("Quel est le cadre juridique des technopôles en Tunisie ?", "fr", ("legal_basis",)),
        ("ما هي شروط الاستفادة من الحوافز في الأردن؟", "ar", ("funding", "eligibility")),
        ("How are the results of the cluster programme in Morocco monitored and evaluated?", "en", ("monitoring",)),
    ],
)
def test_dimensions_in_each_language(text: str, lang: str, dimensions: tuple[str, ...]) -> None:
    q = analyse(text)
    assert q.lang == lang and q.dimensions == dimensions, f"{lang}: {q}"


@pytest.mark.parametrize(
    ("text", "lang", "country"), [("and Jordan?", "en", "JO"), ("et en Tunisie ?", "fr", "TN"), ("وماذا عن الأردن؟", "ar", "JO")]
)
def test_follow_ups_keep_the_topic_and_take_the_new_country(text: str, lang: str, country: str) -> None:
    q = analyse(text, [analyse(FIRST).turn()])
    assert q.follow_up and q.lang == lang and q.countries == (country,), f"{lang}: {q}"
    assert q.search_text.startswith(FIRST) and q.dimensions == ("governance", "funding")


def test_a_follow_up_on_a_new_dimension_keeps_the_countries() -> None:
    q = analyse("What about monitoring?", [analyse(FIRST).turn()])
    assert q.follow_up and q.countries == ("MA", "TN") and q.dimensions == ("monitoring",)


def test_a_full_question_after_another_is_not_a_follow_up() -> None:
    q = analyse("Which agency manages technology parks in Egypt?", [analyse(FIRST).turn()])
    assert not q.follow_up and q.countries == ("EG",)


def test_asking_which_countries_covers_the_region() -> None:
    assert analyse("Which countries offer customs exemptions in technology parks?").countries == PARTNERS
    assert analyse("Quels pays du Maghreb financent les pôles ?").countries == ("DZ", "MA", "TN")
