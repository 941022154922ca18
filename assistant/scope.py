"""What a question is searched in, made visible: filter chips beside Ask, the filter choices the store
can satisfy, and a notice when the question names a country the country filter leaves out.

Pure functions over plain values; the app wires them to components. All text that reaches the page is
escaped (filter values come from the browser).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.phrases import country_name, doc_type_name
from assistant.views import esc
from assistant.webtext import direction, text
from kb.query import understand
from kb.store import Store

LANG_ORDER: tuple[str, ...] = ("ar", "fr", "en")


@dataclass(frozen=True)
class HeldValues:
    """The languages, document types and years at least one stored document has."""

    langs: tuple[str, ...]
    doc_types: tuple[str, ...]
    years: tuple[int, ...]


def held_values(store: Store) -> HeldValues:
    """Read from the documents' records (one per document, not per passage): cheap at page load."""
    metas = [doc.metadata for doc in store.stored_documents().values()]
    langs = {str(m.get("lang")) for m in metas if m.get("lang")}
    types = {str(m.get("doc_type")) for m in metas if m.get("doc_type")}
    years = {int(m["year"]) for m in metas if str(m.get("year") or "").isdigit() and int(m["year"]) > 0}
    ordered = [code for code in LANG_ORDER if code in langs] + sorted(langs - set(LANG_ORDER))
    return HeldValues(langs=tuple(ordered), doc_types=tuple(sorted(types)), years=tuple(sorted(years)))


def lang_name(code: str, ui_lang: str) -> str:
    key = f"lang_{code}"
    return text(key, ui_lang) if code in LANG_ORDER else code


def lang_choices(held: HeldValues, ui_lang: str) -> list[tuple[str, str]]:
    return [(lang_name(code, ui_lang), code) for code in held.langs]


def type_choices(held: HeldValues, ui_lang: str) -> list[tuple[str, str]]:
    return [(doc_type_name(code, ui_lang), code) for code in held.doc_types]


def year_choices(held: HeldValues, ui_lang: str) -> list[tuple[str, str | int]]:
    """ "Any year" (the empty value, the default) then the years documents carry."""
    return [(text("any_year", ui_lang), ""), *((str(year), year) for year in held.years)]


def _chip(kind: str, value: str) -> str:
    return f'<span class="pkb-chip"><span class="pkb-chip-kind">{esc(kind)}</span> <bdi>{esc(value)}</bdi></span>'


def scope_chips_html(
    countries: Sequence[str] | None,
    langs: Sequence[str] | None,
    doc_types: Sequence[str] | None,
    year_min: int | str | None,
    year_max: int | str | None,
    ui_lang: str,
) -> str:
    """The filters in force as chips; "all documents" when none is."""
    chips = []
    if countries:
        chips.append(_chip(text("countries", ui_lang), ", ".join(country_name(c, ui_lang) for c in countries)))
    if langs:
        chips.append(_chip(text("languages", ui_lang), ", ".join(lang_name(c, ui_lang) for c in langs)))
    if doc_types:
        chips.append(_chip(text("doc_types", ui_lang), ", ".join(doc_type_name(t, ui_lang) for t in doc_types)))
    low, high = (str(v) if v not in (None, "", 0) else "" for v in (year_min, year_max))
    if low or high:
        chips.append(_chip(text("years", ui_lang), f"{low or '…'}–{high or '…'}"))
    if not chips:
        chips.append(f'<span class="pkb-chip pkb-chip-none">{esc(text("no_filter", ui_lang))}</span>')
    label = esc(text("searching_in", ui_lang))
    return f'<div class="pkb-scope" dir="{direction(ui_lang)}" role="status" aria-label="{label}">{"".join(chips)}</div>'


def outside_filter(question: str, country_filter: Sequence[str]) -> tuple[str, ...]:
    """Countries the question names (or names through a region) that the country filter leaves out.

    Only a named place counts: "which countries..." is answered within the filter without a notice.
    """
    if not country_filter:
        return ()
    return tuple(code for code in understand(question).all_countries if code not in country_filter)


def scope_notice_html(outside: Sequence[str], country_filter: Sequence[str], ui_lang: str) -> str:
    """The notice shown under the answer when the filter overrode a country the question named."""
    if not outside:
        return ""
    named = ", ".join(country_name(c, ui_lang) for c in outside)
    kept = ", ".join(country_name(c, ui_lang) for c in country_filter)
    said = text("outside_filter", ui_lang).format(named=named, kept=kept)
    return f'<div class="pkb-scope-notice" dir="{direction(ui_lang)}" role="alert">{esc(said)}</div>'


def widen_label(outside: Sequence[str], ui_lang: str) -> str:
    return text("answer_for", ui_lang).format(", ".join(country_name(c, ui_lang) for c in outside))
