"""The answer's framing words in Arabic, French and English: headings, country names, notes.

Framing never states what a policy says; only quotes do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.catalog import catalog, counted, localised

# The words themselves are data: assistant/data/messages/names.json and answer.json (assistant.catalog).
_LANGS = ("en", "fr", "ar")
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    code: tuple(str(names[lang]) for lang in _LANGS) for code, names in catalog("names")["countries"].items()
}
DOC_TYPE_NAMES: dict[str, tuple[str, ...]] = {
    kind: tuple(str(names[lang]) for lang in _LANGS) for kind, names in catalog("names")["doc_types"].items()
}
_INDEX = {"en": 0, "fr": 1, "ar": 2}

PHRASES: Mapping[str, Mapping[str, Any]] = catalog("answer")


def phrase(key: str, lang: str) -> str:
    return str(localised(PHRASES[key], lang))


def phrase_count(key: str, n: int, lang: str) -> str:
    """A framing sentence that agrees with its number ``n`` (a plural entry of answer.json)."""
    return counted(PHRASES[key], n, lang)


def country_name(code: str, lang: str) -> str:
    names = COUNTRY_NAMES.get(code)
    return names[_INDEX.get(lang, 0)] if names else code


def doc_type_name(doc_type: str, lang: str) -> str:
    names = DOC_TYPE_NAMES.get(doc_type)
    return names[_INDEX.get(lang, 0)] if names else doc_type


def join_names(names: list[str], lang: str) -> str:
    return ("، " if lang == "ar" else ", ").join(names)
