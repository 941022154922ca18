"""Wording as data: the message catalogs in ``assistant/data/messages/`` and CLDR plural rules.

The interface's words (``ui.json``), the answer's framing words (``answer.json``) and the names of
countries and document types (``names.json``) are JSON files, so a translator edits data, not code,
and a new interface language is a new key in each entry. An entry is ``{lang: text}``, or for a
count ``{lang: {plural form: text}}``: Babel gives each language's CLDR plural form of a number, so
Arabic says "وثيقتان" for two, "3 وثائق" for three and "66 وثيقة" for sixty-six.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from babel import Locale

Entry = Mapping[str, Any]  # language -> text, or language -> plural form -> text


@cache
def catalog(name: str) -> Mapping[str, Entry]:
    """The catalog ``name`` (``ui``, ``answer`` or ``names``), read once: it is package data, not state."""
    raw = files("assistant.data").joinpath(f"messages/{name}.json").read_text(encoding="utf-8")
    return {key: value for key, value in json.loads(raw).items() if not key.startswith("_")}


@cache
def plural_form(n: int, lang: str) -> str:
    """The CLDR plural category of ``n`` in ``lang`` (zero, one, two, few, many or other)."""
    return str(Locale.parse(lang).plural_form(abs(n)))


def localised(entry: Entry, lang: str) -> Any:
    return entry.get(lang) or entry["en"]


def counted(entry: Entry, n: int, lang: str, **values: object) -> str:
    """The form of ``entry`` that agrees with ``n`` in ``lang``, with ``{n}`` and ``values`` filled in."""
    forms = entry.get(lang)
    if not forms:
        lang, forms = "en", entry["en"]
    if isinstance(forms, str):
        return forms.format(n=n, **values)
    return str(forms.get(plural_form(n, lang)) or forms["other"]).format(n=n, **values)
