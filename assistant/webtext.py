"""The web interface's own words in English, French and Arabic (labels, buttons, notes).

Answers keep the framing language of their question (assistant.phrases); these strings follow the
interface language the user picked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.catalog import catalog, counted, localised

UI_LANGS: tuple[str, ...] = ("en", "fr", "ar")
UI_LANG_NAMES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية"}

# The strings themselves are data: assistant/data/messages/ui.json (assistant.catalog).
TEXT: Mapping[str, Mapping[str, Any]] = catalog("ui")


def text(key: str, lang: str) -> str:
    return str(localised(TEXT[key], lang))


def count_text(key: str, n: int, lang: str, **values: object) -> str:
    """A count that agrees with its number ("1 document", "66 وثيقة"), from a plural entry of ui.json."""
    return counted(TEXT[key], n, lang, **values)


def direction(lang: str) -> str:
    """The writing direction of an interface or text language."""
    return "rtl" if lang == "ar" else "ltr"
