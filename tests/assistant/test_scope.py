"""The search scope made visible: filter choices from the store, chips, and the left-out-country notice."""

from __future__ import annotations

import html

from assistant.scope import (
    held_values,
    outside_filter,
    scope_chips_html,
    scope_notice_html,
    type_choices,
    widen_label,
    year_choices,
)
from kb.store import Store
from kb.sync import IngestReport

HOSTILE = '<img src=x onerror="alert(1)">'


def test_the_filter_choices_are_what_the_store_holds(corpus_index_embedded: tuple[Store, IngestReport]) -> None:
    held = held_values(corpus_index_embedded[0])
    assert held.langs == ("ar", "fr", "en"), "the three corpus languages, in the interface's order"
    assert "law" in held.doc_types and "order" not in held.doc_types, "no corpus document is an order"
    assert held.years == tuple(sorted(held.years)) and 2016 in held.years  # Tunisia's investment law
    assert [value for _, value in type_choices(held, "fr")] == list(held.doc_types)
    assert ("loi", "law") in type_choices(held, "fr"), "types are named in the interface language"
    years = year_choices(held, "en")
    assert years[0] == ("Any year", ""), "the empty range comes first and is the default"
    assert [value for _, value in years[1:]] == list(held.years)


def test_chips_show_the_filters_in_force_escaped() -> None:
    assert "no filter" in scope_chips_html((), (), (), None, None, "en")
    assert "no filter" in scope_chips_html(None, None, None, "", 0, "en"), "an unset year is no filter"
    chips = scope_chips_html(["MA", "TN"], ["fr"], ["law", HOSTILE], "2015", "", "en")
    assert "Morocco, Tunisia" in chips and ">French<" in chips and "2015–…" in chips
    assert HOSTILE not in chips and html.escape(HOSTILE) in chips, "a value sent by the browser is shown as text"
    assert 'dir="rtl"' in scope_chips_html(["DZ"], (), (), None, None, "ar")


def test_a_named_country_outside_the_filter_is_noticed() -> None:
    maghreb = ("DZ", "MA", "TN")
    assert outside_filter("What support does Jordan offer to innovative startups?", maghreb) == ("JO",)
    assert outside_filter("What support does Jordan offer to innovative startups?", ()) == (), "no filter, no notice"
    assert outside_filter("How does Morocco fund clusters?", maghreb) == ()
    assert outside_filter("Which countries fund cluster governance bodies?", maghreb) == (), "no country is named"
    assert outside_filter("Comment le Maroc et la Jordanie financent-ils les clusters ?", maghreb) == ("JO",)
    assert set(outside_filter("How do Mashreq countries fund incubators?", maghreb)) >= {"JO", "LB"}

    notice = scope_notice_html(("JO",), maghreb, "en")
    assert "Jordan" in notice and "Algeria, Morocco, Tunisia" in notice and 'role="alert"' in notice
    assert scope_notice_html((), maghreb, "en") == ""
    assert widen_label(("JO",), "fr") == "Répondre plutôt pour Jordanie"
