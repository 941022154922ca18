"""The message catalogs (assistant/data/messages/*.json): complete in every interface language, the
same placeholders in each, and every CLDR plural form a language needs (Babel's rules)."""

from __future__ import annotations

import string

import pytest
from babel import Locale

from assistant.catalog import catalog, counted
from assistant.webtext import UI_LANGS, count_text


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("name", ["ui", "answer"])
def test_every_entry_speaks_every_interface_language_with_the_same_placeholders(name: str) -> None:
    for key, entry in catalog(name).items():
        assert set(entry) == set(UI_LANGS), f"{name}.json: {key} in {sorted(entry)}"
        templates = {lang: list(v.values()) if isinstance(v, dict) else [v] for lang, v in entry.items()}
        english = {f for t in templates["en"] for f in _fields(t)}
        for lang, texts in templates.items():
            found = {f for t in texts for f in _fields(t)}
            assert found <= english | {"n"} and english - {"n"} <= found, f"{name}.json: {key} ({lang}) placeholders {found}"


@pytest.mark.parametrize("name", ["ui", "answer"])
def test_plural_entries_have_each_form_their_language_uses(name: str) -> None:
    plural = {k: e for k, e in catalog(name).items() if isinstance(e["en"], dict)}
    assert plural, "counts are plural entries"
    for key, entry in plural.items():
        for lang, forms in entry.items():
            needed = set(Locale.parse(lang).plural_form.tags) | {"other"}
            assert needed <= set(forms), f"{name}.json: {key} ({lang}) lacks {needed - set(forms)}"


def test_arabic_counts_agree_with_their_number() -> None:
    said = {n: count_text("documents_count", n, "ar") for n in (1, 2, 3, 10, 11, 66, 100, 705)}
    assert said[1] == "وثيقة واحدة" and said[2] == "وثيقتان"
    assert said[3] == "3 وثائق" and said[10] == "10 وثائق" and said[705] == "705 وثائق"  # 3-10, also after hundreds
    assert said[11] == "11 وثيقة" and said[66] == "66 وثيقة" and said[100] == "100 وثيقة"
    assert count_text("documents_count", 1, "en") == "1 document" and count_text("documents_count", 66, "fr") == "66 documents"


def test_an_unknown_language_falls_back_to_english() -> None:
    assert counted(catalog("ui")["documents_count"], 2, "de") == "2 documents"


def test_answer_notes_agree_with_their_count() -> None:
    from assistant.phrases import phrase_count

    assert phrase_count("dropped", 1, "en") == "1 quote failed the verbatim check and was removed."
    assert phrase_count("dropped", 2, "ar").startswith("حُذف اقتباسان")
    assert phrase_count("translation_dropped", 11, "ar").startswith("استُبعدت 11 ترجمة آلية")
