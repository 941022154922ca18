"""Text-quality score and repair choice, on text with each failure of real text layers.

The sentences are written for the tests and reproduce no official text.
"""

from __future__ import annotations

import random
from pathlib import Path

import arabic_reshaper
import pytest
from bidi import get_display

from ingest.load import discover, load_document
from ingest.ocr import OcrConfig
from ingest.pages import read_pages
from ingest.quality import MIN_WORDS, text_quality
from ingest.records import Extracted, Page
from ingest.repair import MIN_QUALITY, best_reading, reverse_word_order, undouble, unshift_font_map

ARABIC = """المادة الأولى: يهدف هذا القانون إلى دعم التجمعات الصناعية في جميع الجهات.
تتولى الوزارة المكلفة بالصناعة تنسيق البرامج التي تمولها الدولة لفائدة المؤسسات الصغيرة والمتوسطة.
المادة 2: تحدث لجنة وطنية تسهر على متابعة تنفيذ هذه البرامج وتقييم نتائجها كل سنة.
تعرض اللجنة تقريرها على الحكومة وتنشره على الموقع الإلكتروني للوزارة.
المادة 3: تستفيد المؤسسات التي تنخرط في هذه التجمعات من منح للتكوين والبحث والتطوير."""

FRENCH = """Article premier : La présente loi a pour objet de soutenir les pôles de compétitivité dans les régions.
Art. 2 : Le ministère chargé de l'industrie coordonne les programmes financés par l'État en faveur des entreprises.
ART. 3 : Une commission nationale suit la mise en œuvre de ces programmes et publie un rapport chaque année.
Les entreprises membres des pôles bénéficient d'aides à la formation, à la recherche et à l'innovation."""

ENGLISH = """Article 1: This law supports industrial clusters in every region of the country.
The ministry in charge of industry coordinates the programmes that the state funds for small enterprises.
Article 2: A national committee follows the implementation of these programmes and reports every year."""


def _shifted(text: str, offset: int) -> str:
    return "".join(chr(ord(ch) + offset) if ch not in " \n" else ch for ch in text)


def _permuted_arabic(text: str, seed: int = 7) -> str:
    letters = [chr(c) for c in range(0x0628, 0x064B)]
    shuffled = letters[:]
    random.Random(seed).shuffle(shuffled)
    return text.translate(str.maketrans(dict[str, str | int | None](zip(letters, shuffled, strict=True))))


def _words_reversed(text: str) -> str:
    return "\n".join(" ".join(reversed(line.split(" "))) for line in text.split("\n"))


@pytest.mark.parametrize("text", [ARABIC, FRENCH, ENGLISH], ids=["ar", "fr", "en"])
def test_clean_text_scores_high_and_is_left_alone(text: str) -> None:
    quality = text_quality(text)
    assert quality.judged and quality.score > 0.8, quality
    reading = best_reading(text)
    assert reading.repair == "none" and reading.text == text


@pytest.mark.parametrize(
    ("garbage", "what"),
    [
        (_shifted(FRENCH, -29), "font map shifted by 29 ('$UWLFOH' for 'Article')"),
        (_permuted_arabic(ARABIC), "wrong ToUnicode map: Arabic letters that form no words"),
        ("".join(ch * 2 if ch not in " \n" else ch for ch in FRENCH), "fake bold: every letter doubled"),
        (" ".join(f"/afii{57400 + i % 40}/afii{57410 + i % 30}" for i in range(40)), "glyph names leaking"),
        (FRENCH.replace("é", "Ø").replace("è", "Ł").replace("à", "ß").replace("ô", "¶"), None),
    ],
)
def test_broken_text_layers_score_low(garbage: str, what: str | None) -> None:
    quality = text_quality(garbage)
    if what is None:
        # Accents mapped to other characters break one word in five or six: a lower score, still text.
        assert text_quality(FRENCH).score - quality.score > 0.08, quality
        return
    assert quality.judged and quality.score < MIN_QUALITY, (what, quality)


def test_visual_order_arabic_is_put_back_in_reading_order_before_nfkc() -> None:
    visual = "\n".join(get_display(arabic_reshaper.reshape(line), base_dir="R") for line in ARABIC.split("\n"))
    assert any("\ufe70" <= ch <= "\ufeff" for ch in visual), "fixture: presentation forms"
    reading = best_reading(visual)
    assert reading.repair == "visual-order"
    assert reading.text == ARABIC
    assert text_quality(visual).score < MIN_QUALITY, "as painted, the page is not readable"


def test_presentation_forms_in_logical_order_are_folded_by_nfkc() -> None:
    shaped = arabic_reshaper.reshape(ARABIC)
    assert shaped != ARABIC
    reading = best_reading(shaped)
    assert reading.repair == "nfkc" and reading.text == ARABIC


def test_reversed_word_order_is_detected_and_undone() -> None:
    reversed_words = _words_reversed(ARABIC)
    assert text_quality(reversed_words).order < 0, "demonstratives after nouns, sentence marks opening lines"
    assert text_quality(ARABIC).order > 0
    reading = best_reading(reversed_words)
    assert reading.repair == "word-order"
    assert reading.text == ARABIC


def test_pages_without_order_evidence_follow_a_document_printed_in_reversed_word_order() -> None:
    weak = "وزارة الصناعة والتجارة\nوزارة المالية والاقتصاد\nالمجلس الوطني للتنمية\nالهيئة العامة للاستثمار"
    assert best_reading(_words_reversed(weak)).repair == "none", "alone, a page with no evidence is left as it is"
    pages = [Page(1, _words_reversed(ARABIC)), Page(2, _words_reversed(weak)), Page(3, _words_reversed(ARABIC))]
    texts = read_pages(Path("printed.pdf"), Extracted(pages=tuple(pages)), OcrConfig(enabled=False))
    assert [page.repair for page in texts.pages] == ["word-order"] * 3
    assert texts.pages[1].text == weak


def test_word_order_keeps_latin_runs_in_their_own_order() -> None:
    assert reverse_word_order("لغة Python and R البرمجة تعلم") == "تعلم البرمجة Python and R لغة"


def test_doubled_letters_are_undoubled_with_their_numbers() -> None:
    assert undouble("AArrttiiccllee 1122 :: le texte 11") == "Article 12 : le texte 11", "a lone '11' stays eleven"
    doubled = "".join(ch * 2 if ch not in " \n" else ch for ch in FRENCH)
    reading = best_reading(doubled)
    assert reading.repair == "de-doubled" and reading.text == FRENCH


def test_shifted_font_map_is_unshifted() -> None:
    shifted = _shifted(FRENCH, -29)
    assert shifted.startswith("$UWLFOH")
    assert unshift_font_map(shifted) == FRENCH
    reading = best_reading(shifted)
    assert reading.repair == "font-shift" and reading.text == FRENCH


def test_kashida_stretching_is_removed_and_split_pieces_rejoined() -> None:
    # InDesign justifies Arabic with tatweel; a stretch can end a text run and the runs come out reversed.
    line = "ق أحكام هذا القانون يقصد بالكلمات التالية المعنى المبين ـــفى تطبي"
    reading = best_reading(line)
    assert reading.text == "فى تطبيق أحكام هذا القانون يقصد بالكلمات التالية المعنى المبين"
    assert best_reading("أحكـــام عامـــة").text == "أحكام عامة"


def test_short_text_is_not_judged() -> None:
    quality = text_quality("Annexe 3 — Tableau")
    assert quality.words < MIN_WORDS and not quality.judged


def test_every_page_of_the_sample_corpus_is_clean_text(tmp_path: Path) -> None:
    """The product's own documents are clean: none may be rejected or 'repaired'."""
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    pages = 0
    found = discover([corpus / "documents"])
    assert not found.errors, found.errors
    for source in found.sources:
        doc = load_document(source)
        # Gazette-style PDFs of the corpus are drawn in visual order with presentation forms on purpose
        # (corpus/build.py); pypdf reverses right-to-left runs itself, so NFKC may be all they need, and
        # read by glyph positions (PDFium gives base letters) they need no repair at all.
        origin = corpus / "sources" / source.relative.parent / (source.relative.name.rsplit(".", 1)[0] + ".md")
        visual = "format: pdf-visual" in origin.read_text(encoding="utf-8")
        expected = ("visual-order", "nfkc", "none") if visual else ("none", "nfkc")
        for page in doc.pages:
            pages += 1
            assert not page.skipped or page.skipped == "no text", (source.doc_id, page.number, page.skipped)
            assert page.repair in expected or not page.text, (source.doc_id, page.number, page.repair)
            assert page.repair != "none" or not visual or page.order == "glyphs", (source.doc_id, page.number, page.order)
            assert page.quality >= 0.6 or len(page.text.split()) < MIN_WORDS, (source.doc_id, page.number, page.quality)
        assert not doc.notes
    assert pages > 100
