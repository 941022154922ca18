"""The text-layer makers deliver what they promise: the named writer, pypdf's broken extraction and, for
the font-map classes, a page that still reads right (rendered by pdftoppm, read by tesseract).

Each PDF is built once for the module; each OCR check reads one page.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.pdfmaker import textlayers as tl

REPORTLAB = "ReportLab PDF Library"
FPDF2 = "PyFPDF/fpdf2"
PRESENTATION_FORM_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")
ARABIC_LETTER_RE = re.compile("[\u0621-\u064a]")
LAW_LINE = 6  # AR_LINES[6] holds the number 23-12

Maker = Callable[[Path, list[str]], Path]
MAKERS: dict[str, tuple[Maker, list[str], str]] = {
    "visual_order": (tl.visual_order_pdf, tl.AR_LINES, REPORTLAB),
    "presentation_forms": (tl.presentation_forms_pdf, tl.AR_LINES, REPORTLAB),
    "reversed_words": (tl.reversed_words_pdf, tl.AR_LINES, FPDF2),
    "shifted_font_map": (tl.shifted_font_map_pdf, tl.FR_LINES, FPDF2),
    "wrong_unicode_map_arabic": (tl.wrong_unicode_map_arabic_pdf, tl.AR_LINES, FPDF2),
    "remapped_accents": (tl.remapped_accents_pdf, tl.FR_LINES, FPDF2),
    "doubled_letters": (tl.doubled_letters_pdf, tl.FR_LINES, REPORTLAB),
    "glyph_names": (tl.glyph_names_pdf, tl.AR_LINES, REPORTLAB),
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("textlayers")
    return {name: maker(root / f"{name}.pdf", lines) for name, (maker, lines, _) in MAKERS.items()}


def extracted_lines(path: Path) -> list[str]:
    return PdfReader(path).pages[0].extract_text().split("\n")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def ocr(path: Path, lang: str, tmp_path: Path) -> str:
    """The first page rasterised at 150 dpi in grey and read by tesseract."""
    page = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-f", "1", "-l", "1", str(path), str(page)], check=True)
    (image,) = tmp_path.glob("page*.png")
    result = subprocess.run(["tesseract", str(image), "-", "-l", lang], check=True, capture_output=True, text=True)
    return result.stdout


@pytest.mark.parametrize("name", MAKERS)
def test_written_by_the_named_writer(pdfs: dict[str, Path], name: str) -> None:
    metadata = PdfReader(pdfs[name]).metadata
    producer = str(metadata.get("/Producer", "")) if metadata else ""
    assert producer.startswith(MAKERS[name][2]), f"{name}: Producer {producer!r}"


def test_visual_order_has_presentation_forms_and_runs_in_visual_order(pdfs: dict[str, Path]) -> None:
    lines = extracted_lines(pdfs["visual_order"])
    text = "\n".join(lines)
    assert PRESENTATION_FORM_RE.search(text), "Arabic: presentation forms expected in the text layer"
    assert not ARABIC_LETTER_RE.search(text), "Arabic: no base letters expected, only presentation forms"
    assert "\ufefb" in text, "Arabic: lam-alef expected as one presentation-form code point"
    # pypdf reverses right-to-left runs back: a purely Arabic line is only wrong in its forms...
    assert nfkc(lines[2]) == tl.AR_LINES[2], "Arabic: a line without digits comes back in logical order"
    # ...while digits split a line into runs that keep their visual order.
    assert nfkc(lines[1]) == "1 المادة", "Arabic: the heading's number should lead its line"
    assert "12-23" in lines[LAW_LINE] and "23-12" not in lines[LAW_LINE], "Arabic: get_display swaps the two numbers"
    assert nfkc(lines[LAW_LINE]).startswith("من هذا الاختبار"), "Arabic: the run after the number should come first"


def test_presentation_forms_in_logical_order_extract_mirrored(pdfs: dict[str, Path]) -> None:
    lines = extracted_lines(pdfs["presentation_forms"])
    assert PRESENTATION_FORM_RE.search(lines[2]), "Arabic: presentation forms expected"
    assert nfkc(lines[2]) == tl.AR_LINES[2][::-1], "Arabic: the line should come out mirrored"
    assert "ةدامل" in nfkc(lines[1]), "Arabic: المادة should come out reversed"


def test_reversed_words_have_words_in_visual_order(pdfs: dict[str, Path]) -> None:
    lines = extracted_lines(pdfs["reversed_words"])
    text = "\n".join(lines)
    assert not PRESENTATION_FORM_RE.search(text), "Arabic: base letters expected, not presentation forms"
    for number in (2, 5, LAW_LINE):
        expected = " ".join(reversed(tl.AR_LINES[number].split()))
        assert lines[number] == expected, f"Arabic: line {number} should have its words reversed"
    assert lines[1] == "1 المادة", "Arabic: the heading's words should be reversed"


def test_shifted_font_map_extracts_shifted_letters(pdfs: dict[str, Path], tmp_path: Path) -> None:
    text = PdfReader(pdfs["shifted_font_map"]).pages[0].extract_text()
    assert "$UWLFOH\x03\x14HU" in text, "French: 'Article 1er' should extract shifted by -29"
    assert "Article" not in text
    assert "Article 1er" in "".join(chr(ord(char) + 29) for char in text), "French: shifting back should restore the text"
    read = ocr(pdfs["shifted_font_map"], "fra", tmp_path)
    assert {"Article", "présente", "régions", "ministère"} <= set(re.findall(r"\w+", read)), f"French OCR: {read!r}"


def test_wrong_unicode_map_gives_arabic_letters_but_no_words(pdfs: dict[str, Path], tmp_path: Path) -> None:
    text = PdfReader(pdfs["wrong_unicode_map_arabic"]).pages[0].extract_text()
    words = {word for line in tl.AR_LINES for word in re.findall(r"\w{3,}", line) if not word.isdigit()}
    found = set(re.findall(r"\w{3,}", text))
    assert len(ARABIC_LETTER_RE.findall(text)) > 0.8 * len(re.findall(r"\S", text)), "Arabic: letters expected"
    assert len(words & found) < 0.1 * len(words), f"Arabic: real words left: {sorted(words & found)}"
    inverse = {wrong: right for right, wrong in tl.arabic_letter_permutation(tl.PERMUTATION_SEED).items()}
    restored = set(re.findall(r"\w{3,}", "".join(inverse.get(char, char) for char in text)))
    assert len(words & restored) > 0.9 * len(words), "Arabic: inverting the permutation should restore the words"
    read = ocr(pdfs["wrong_unicode_map_arabic"], "ara", tmp_path)
    assert {"المادة", "الإعانة", "البرنامج"} <= set(re.findall(r"\w+", read)), f"Arabic OCR: {read!r}"


def test_remapped_accents_extract_other_letters(pdfs: dict[str, Path], tmp_path: Path) -> None:
    text = PdfReader(pdfs["remapped_accents"]).pages[0].extract_text()
    assert "prØsente" in text and "rŁgles" in text, "French: é and è should extract as Ø and Ł"
    assert "é" not in text and "è" not in text
    assert "à l'État" in text, "French: à and É have no StandardEncoding slot and stay"
    read = ocr(pdfs["remapped_accents"], "fra", tmp_path)
    assert {"présente", "régions", "ministère", "Article"} <= set(re.findall(r"\w+", read)), f"French OCR: {read!r}"


def test_doubled_letters_in_fake_bold_headings(pdfs: dict[str, Path]) -> None:
    lines = extracted_lines(pdfs["doubled_letters"])
    assert lines[1] == "AArrttiiccllee 11eerr", "French: the heading should extract with doubled letters"
    assert lines[4] == "AArrtt.. 22"
    assert lines[2] == tl.FR_LINES[2], "French: body lines are drawn once"


def test_doubled_letters_rejects_arabic(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="left-to-right"):
        tl.doubled_letters_pdf(tmp_path / "ar.pdf", tl.AR_LINES[:2])


def test_glyph_names_leak_into_the_extraction(pdfs: dict[str, Path]) -> None:
    lines = extracted_lines(pdfs["glyph_names"])
    text = "\n".join(lines)
    assert not ARABIC_LETTER_RE.search(text) and not PRESENTATION_FORM_RE.search(text), "Arabic: no letters expected"
    assert lines[1].strip() == "1 /uni0629.isol/uni062F.isol/uni0627.fina/uni0645.medi/uni0644.init/uni0627.isol"
    assert "/uni0644_uni0627.isol" in text, "Arabic: the lam-alef ligature name should leak"


def test_page_breaks_and_full_pages_start_new_pages(tmp_path: Path) -> None:
    lines = tl.FR_LINES[:2] + [tl.PAGE_BREAK] + ["Ligne de test."] * (tl.LINES_PER_PAGE + 1)
    reader = PdfReader(tl.shifted_font_map_pdf(tmp_path / "pages.pdf", lines, shift=0))
    assert [page.extract_text().count("\n") + 1 for page in reader.pages] == [2, tl.LINES_PER_PAGE, 1]


def test_a_line_wider_than_the_page_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="text width"):
        tl.visual_order_pdf(tmp_path / "wide.pdf", [" ".join(tl.AR_LINES[2:5])])
