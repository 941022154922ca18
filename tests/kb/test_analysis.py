"""Lexical analysis: hand-written expectations per language, then properties over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.analysis import ANALYZER_VERSION, analyze, analyze_many, light_stem


def same(a: str, b: str, lang: str) -> bool:
    return analyze(a, lang) == analyze(b, lang)


def test_version_is_a_non_empty_string() -> None:
    assert isinstance(ANALYZER_VERSION, str) and ANALYZER_VERSION


# --- Arabic ---------------------------------------------------------------------------------------


def test_arabic_prefixes_and_suffixes_are_stripped() -> None:
    # One stem for the bare word, its plural, and forms with article, conjunction and preposition.
    forms = ["مؤسسة", "المؤسسة", "المؤسسات", "والمؤسسات", "للمؤسسات", "بالمؤسسة", "مؤسساتها"]
    stems = {tuple(analyze(form, "ar")) for form in forms}
    assert len(stems) == 1, f"ar: all forms of مؤسسة share one stem, got {stems}"
    assert analyze("الاستثمار", "ar") == analyze("استثمارات", "ar") == ["استثمار"], "ar: ال and ات are stripped"
    assert analyze("المستثمرين", "ar") == analyze("مستثمرون", "ar") == ["مستثمر"], "ar: ين and ون are stripped"
    assert analyze("الحاضنات", "ar") == analyze("حاضنة", "ar"), "ar: plural and singular of حاضنة meet"


def test_arabic_light_stem_keeps_at_least_two_letters() -> None:
    assert light_stem("الي") == "ال", "ar: a suffix goes only when two letters remain"
    assert light_stem("وطن") == "وطن", "ar: و stays when fewer than three letters would remain"
    assert light_stem("كالات") == "كال", "ar: كال is an article only when three letters remain"


def test_arabic_waw_initial_and_alif_lam_initial_words_meet_their_article_forms() -> None:
    assert same("وزارة", "الوزارة", "ar"), "ar: وزارة and الوزارة have the same stem"
    assert same("وطنية", "الوطني", "ar"), "ar: وطنية and الوطني have the same stem"
    assert same("وكالات", "الوكالة", "ar"), "ar: وكالات and الوكالة have the same stem"
    assert same("التزام", "الالتزام", "ar"), "ar: التزام and الالتزام have the same stem"
    assert same("إلكترونية", "الإلكتروني", "ar"), "ar: إلكترونية and الإلكتروني have the same stem"


def test_arabic_orthographic_normalisation() -> None:
    assert same("أحمد", "احمد", "ar") and same("إنشاء", "انشاء", "ar") and same("آلية", "الية", "ar"), "ar: alef forms fold"
    assert same("ٱلبيت", "البيت", "ar"), "ar: alef wasla folds"
    assert same("مستوى", "مستوي", "ar"), "ar: alef maqsura folds to ya"
    assert same("شركة", "شركه", "ar"), "ar: ta marbuta folds to ha"
    assert same("مسؤول", "مسئول", "ar"), "ar: hamza on waw and on ya meet"


def test_arabic_diacritics_and_tatweel_are_removed() -> None:
    assert same("مُؤَسَّسَةٌ", "مؤسسة", "ar"), "ar: harakat, shadda and tanwin are removed"
    assert same("المـــؤسسة", "المؤسسة", "ar"), "ar: tatweel is removed"
    assert same("الرَّحْمٰن", "الرحمن", "ar"), "ar: superscript alef is removed"


def test_arabic_indic_digits_become_ascii() -> None:
    assert analyze("المادة ١٢ من القانون رقم ٢٠١٧", "ar") == ["ماد", "12", "قان", "رقم", "2017"], "ar: Arabic-Indic digits"
    assert analyze("۲۰۲۰", "ar") == ["2020"], "ar: Extended Arabic-Indic (Persian) digits"
    assert analyze("2020", "ar") == ["2020"], "ar: ASCII digits are kept"


def test_arabic_stopwords_are_removed() -> None:
    assert analyze("في من على إلى عن التي الذي هذا هذه ذلك مع كما أو ثم قد كل بين", "ar") == [], "ar: function words"
    assert analyze("وفي ومن وعلى", "ar") == [], "ar: و + a function word"
    assert analyze("تدعم الدولة الحاضنات في المناطق", "ar") == ["تدعم", "دول", "حاضن", "مناطق"], "ar: content words stay"


def test_latin_tokens_in_arabic_text_are_folded_and_english_stemmed() -> None:
    tokens = analyze("تدعم ANPME الشركات الناشئة عبر برنامج PME و SEZ Startups", "ar")
    assert {"pme", "sez", "startup"} <= set(tokens), f"ar: acronyms are lowercase tokens, got {tokens}"
    assert analyze("Société", "ar") == ["societ"], "ar: a Latin word is accent-folded and stemmed"


# --- French ---------------------------------------------------------------------------------------


def test_french_elisions_are_removed_with_either_apostrophe() -> None:
    assert analyze("l'État", "fr") == analyze("l’État", "fr") == analyze("état", "fr") == ["etat"], "fr: l' and l’"
    assert analyze("d'investissement", "fr") == analyze("investissement", "fr"), "fr: d'"
    assert analyze("qu'il jusqu'à lorsqu'elle", "fr") == [], "fr: qu' jusqu' lorsqu' before stopwords"
    assert analyze("R&D", "fr") == ["r", "d"], "fr: the d of R&D is not an elision"


def test_french_accents_are_folded_after_stemming() -> None:
    assert analyze("pôle", "fr") == analyze("pole", "fr") == analyze("pôles", "fr") == ["pol"], "fr: pôle / pole / pôles"
    assert analyze("Compétitivité", "fr") == ["competit"], "fr: suffix removed, then accents folded"
    assert analyze("mise en œuvre", "fr") == analyze("mise en oeuvre", "fr"), "fr: œ and oe"


def test_french_stopwords_are_removed() -> None:
    assert analyze("le la les de des du et à au aux dans pour par sur", "fr") == [], "fr: function words"
    assert analyze("Le financement des pépinières d'entreprises", "fr") == ["financ", "pepini", "entrepris"], "fr"


def test_french_text_keeps_arabic_words_with_arabic_analysis() -> None:
    assert analyze("les تجمعات صناعية du Maroc", "fr") == ["تجمع", "صناع", "maroc"], "fr: Arabic words inside French"


# --- English --------------------------------------------------------------------------------------


def test_english_possessives_plurals_and_stems() -> None:
    assert analyze("the cluster's members", "en") == analyze("cluster members", "en") == ["cluster", "member"], "en: 's"
    assert analyze("cluster’s", "en") == ["cluster"], "en: typographic apostrophe"
    assert analyze("SMEs", "en") == analyze("SME", "en") == ["sme"], "en: acronym plural"
    assert analyze("technology parks", "en") == analyze("technology park", "en"), "en: plural"
    assert analyze("financing", "en") == analyze("finance", "en"), "en: Porter2 stems"


def test_english_stopwords_removed_and_numbers_kept() -> None:
    assert analyze("The law of 2023, article 12, is in force", "en") == ["law", "2023", "articl", "12", "forc"], "en"
    assert analyze("start-up", "en") == ["start", "up"], "en: 'up' is not a stopword (start-up)"


# --- Generic and shared ---------------------------------------------------------------------------


def test_other_languages_get_generic_analysis() -> None:
    assert analyze("Sociétés PARKS", "es") == ["societes", "parks"], "es: lowercase, accents folded, no stemming"
    assert analyze("the", "") == ["the"], "generic: no stopwords"
    assert analyze("الحاضنات", "de") == ["حاضن"], "de: Arabic tokens still get the Arabic analysis"


def test_language_codes_are_normalised() -> None:
    assert analyze("Pôles", "FR") == analyze("Pôles", "fr-FR") == ["pol"], "fr: FR and fr-FR mean French"


def test_format_characters_do_not_split_words() -> None:
    assert analyze("compéti\u00adtivité", "fr") == ["competit"], "fr: soft hyphen inside a word"
    assert analyze("\u200fالمؤسسات\u200e", "ar") == analyze("المؤسسات", "ar"), "ar: bidi marks"


def test_tokens_never_span_scripts() -> None:
    assert analyze("PMEالتي", "fr") == ["pme"], "fr: PME then the Arabic stopword التي"


@pytest.mark.parametrize("lang", ["ar", "fr", "en", "es"])
def test_empty_and_punctuation_only_text(lang: str) -> None:
    assert analyze("", lang) == [] and analyze(" ،؛؟ .,;—«»", lang) == [], f"{lang}: nothing to index"


# --- Properties -----------------------------------------------------------------------------------

LANGS = st.sampled_from(["ar", "fr", "en", "", "es"])
ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىة"
ARABIC_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"


@settings(max_examples=300, deadline=None)
@given(st.text(), LANGS)
def test_analyze_never_raises_and_gives_clean_tokens(text: str, lang: str) -> None:
    tokens = analyze(text, lang)
    assert all(tok and not any(c.isspace() for c in tok) for tok in tokens), f"{lang!r}: tokens are non-empty words"
    assert analyze(text, lang) == tokens, f"{lang!r}: deterministic"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8), LANGS)
def test_analyze_many_equals_analyze_one_by_one(texts: list[str], lang: str) -> None:
    assert analyze_many(texts, lang) == [analyze(t, lang) for t in texts], f"{lang!r}: batch equals single"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=ARABIC_LETTERS, min_size=1, max_size=8), min_size=1, max_size=6), st.data())
def test_arabic_marks_never_change_the_terms(words: list[str], data: st.DataObject) -> None:
    plain = " ".join(words)
    marked = "".join(c + (data.draw(st.sampled_from(["", *ARABIC_MARKS])) if c != " " else "") for c in plain)
    assert analyze(marked, "ar") == analyze(plain, "ar"), "ar: diacritics and tatweel are ignored"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàôçœ '-", max_size=60), st.sampled_from(["fr", "en"]))
def test_case_never_changes_the_terms(text: str, lang: str) -> None:
    assert analyze(text.upper(), lang) == analyze(text, lang), f"{lang}: upper and lower case give the same terms"
