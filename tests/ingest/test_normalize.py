"""Normalisation: visual-order Arabic, NFKC, folding, hyphenation, running headers."""

from __future__ import annotations

import unicodedata

import arabic_reshaper
from bidi import get_display
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.arabic import fold, repair_visual_order
from ingest.normalize import clean_whitespace, join_across_pages, normalize_page_text, repair_hyphenation, strip_running_lines
from ingest.records import Page

LOGICAL = "المادة 12: تدعم الدولة العناقيد الصناعية وفق القانون 23-12 (الجريدة الرسمية)."


def as_gazette(line: str) -> str:
    """What a gazette's text layer holds: presentation forms in visual order."""
    return str(get_display(arabic_reshaper.reshape(line), base_dir="R"))


def test_visual_order_line_is_detected_and_restored_before_nfkc() -> None:
    visual = as_gazette(LOGICAL)
    text, repair = normalize_page_text(visual)
    assert repair == "visual-order", "Arabic: a reversed gazette line must be detected"
    assert text == LOGICAL, "Arabic: words, digits (23-12) and brackets back in logical order"


def test_lam_alef_ligature_survives_because_reversal_precedes_nfkc() -> None:
    line = "لا يجوز الإخلال بأحكام هذا القانون والاستثمار في الصناعة"
    visual = as_gazette(line)
    assert "\ufefb" in visual or "\ufefc" in visual or "\ufef7" in visual or "\ufef9" in visual, (
        "fixture must hold a lam-alef ligature"
    )
    assert normalize_page_text(visual)[0] == line
    # The trap the order avoids: NFKC first decomposes the ligature, and reversing then swaps lam and alef.
    assert repair_visual_order(unicodedata.normalize("NFKC", visual)) != line


def test_logical_arabic_is_left_alone() -> None:
    text, repair = normalize_page_text(LOGICAL)
    assert repair == "none" and text == LOGICAL


def test_presentation_forms_in_logical_order_are_repaired_by_nfkc() -> None:
    shaped = arabic_reshaper.reshape("الاستثمار والمؤسسات الصغيرة")
    assert shaped != "الاستثمار والمؤسسات الصغيرة"
    assert normalize_page_text(shaped)[0] == "الاستثمار والمؤسسات الصغيرة"


ARABIC_WORDS = st.sampled_from(
    [
        "الدولة",
        "العناقيد",
        "الصناعية",
        "القانون",
        "المؤسسات",
        "الصغيرة",
        "والمتوسطة",
        "الاستثمار",
        "التمويل",
        "الحوافز",
        "تدعم",
        "تنشأ",
        "لجنة",
        "وطنية",
        "لا",
        "إلا",
        "في",
        "من",
        "على",
        "الحدائق",
        "التكنولوجية",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ARABIC_WORDS, min_size=6, max_size=18))
def test_any_gazette_line_round_trips(words: list[str]) -> None:
    line = " ".join(words)
    visual = as_gazette(line)
    assert normalize_page_text(visual)[0] == line, "Arabic: repaired line must equal the original"


def test_fold_unifies_spelling_variants_for_matching_only() -> None:
    assert fold("الإستراتيجيّة") == fold("الاستراتيجيه")
    assert fold("مـــــادة") == fold("مادة")
    assert fold("مستشفى") == fold("مستشفي")


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "M", "N", "Zs"]), max_size=80))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_hyphenation_repair_drops_only_a_typesetters_hyphen() -> None:
    assert repair_hyphenation("pôles de compéti-\ntivité") == "pôles de compétitivité"
    assert repair_hyphenation("les entre-\nprises du pays") == "les entreprises du pays"
    # Browsers and word processors break lines after the hyphens of compounds and numbers: the lines join, the hyphen stays.
    assert repair_hyphenation("Afrique du Nord-\nAfrique") == "Afrique du Nord-Afrique"
    assert repair_hyphenation("vingt-\ncinq pour cent") == "vingt-cinq pour cent"
    assert repair_hyphenation("des start-\nup, accompagnée") == "des start-up, accompagnée"
    assert repair_hyphenation("the NES 2014-\n2018, the") == "the NES 2014-2018, the"
    assert repair_hyphenation("تشرين الأول/\nأكتوبر 2004") == "تشرين الأول/أكتوبر 2004"
    # The page's own spelling decides first.
    assert repair_hyphenation("les con-\ntenir et contenir") == "les contenir et contenir"


def test_a_line_that_ends_with_an_opening_bracket_joins_the_next() -> None:
    assert repair_hyphenation("الأولى 1444 (\n9 ديسمبر 2022)") == "الأولى 1444 (9 ديسمبر 2022)"
    assert repair_hyphenation("le label «\nStart-up »") == "le label «\nStart-up »", "French spaces its guillemets"


def test_symbol_font_bullets_become_bullets() -> None:
    # Word's Symbol-font bullet is a private-use character: a left-to-right letter to the bidi algorithm.
    assert clean_whitespace("\uf0b7 50% من التكاليف") == "• 50% من التكاليف"


def test_whitespace_cleanup_drops_bidi_marks_and_keeps_lines() -> None:
    assert clean_whitespace("a\u200f  b\t c\r\nd\u00a0e") == "a b c\nd e"


def test_running_headers_footers_and_page_numbers_are_removed_but_articles_kept() -> None:
    bodies = {1: "Les pôles sont définis.", 2: "La gouvernance est partagée.", 3: "Le financement est public."}
    pages = [Page(n, f"JOURNAL OFFICIEL N° 45\nArticle {n}\n{body}\nPage {n} sur 3") for n, body in bodies.items()]
    cleaned = strip_running_lines(pages)
    for page in cleaned:
        assert "JOURNAL OFFICIEL" not in page.text
        assert "sur 3" not in page.text
        assert f"Article {page.number}" in page.text, "article headings are not running lines"
        assert bodies[page.number] in page.text


def test_running_header_glued_to_its_page_number_is_removed() -> None:
    # French gazettes print the page number against the header: "5JOURNAL OFFICIEL ...", "6JOURNAL ...".
    pages = [Page(n, f"{n + 4}JOURNAL OFFICIEL DE LA REPUBLIQUE N° 12\nArt. {n}. - Texte {n}.\nSuite.") for n in range(1, 4)]
    for page in strip_running_lines(pages):
        assert page.text.startswith(f"Art. {page.number}. - Texte"), page.text


def test_a_line_that_goes_on_with_the_sentence_above_is_no_running_line() -> None:
    # A short document whose title and a chapter heading both wrap before the same word (Chromium's print).
    pages = [
        Page(1, "Loi-cadre formant charte de\nl'investissement\nLe présent document est un résumé."),
        Page(2, "Chapitre II : Dispositifs de soutien à\nl'investissement\nArticle 4 – Dispositif principal"),
    ]
    assert [page.text for page in strip_running_lines(pages)] == [page.text for page in pages]


def test_a_word_hyphenated_across_a_page_break_is_joined_on_its_first_page() -> None:
    pages = join_across_pages([Page(1, "The plan builds a tech-"), Page(2, "enabled economy for all.")])
    assert [page.text for page in pages] == ["The plan builds a tech-enabled", "economy for all."]
    pages = join_across_pages([Page(1, "les pôles de compéti-"), Page(2, "tivité du pays")])
    assert [page.text for page in pages] == ["les pôles de compétitivité", "du pays"]
