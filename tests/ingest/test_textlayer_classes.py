"""Each failure class of real text layers, in PDFs written by real writers, through the ingest pipeline.

The PDFs come from tests/pdfmaker/textlayers.py (fpdf2, reportlab, pypdf-edited font maps); their
texts are written for the tests. OCR is off here (tests/ingest/test_ocr_pipeline.py runs it), so a
page that cannot be repaired must be reported, not indexed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.load import LoadOptions, SourceFile, read_file_pages
from ingest.ocr import OcrConfig
from ingest.pages import PageTexts
from tests.pdfmaker import textlayers as make

NO_OCR = LoadOptions(ocr=OcrConfig(enabled=False))
AR_SENTENCES = [line.rstrip(".") for line in make.AR_LINES if len(line.split()) >= 8 and "23-12" not in line]
FR_SENTENCES = [line.rstrip(".") for line in make.FR_LINES if len(line.split()) >= 8 and "'" not in line and "23-12" not in line]


def _read(path: Path) -> PageTexts:
    texts, _ = read_file_pages(SourceFile(path=path, root=path.parent), NO_OCR)
    return texts


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("textlayers")
    makers: dict[str, tuple[Callable[..., Path], list[str], dict[str, object]]] = {
        "visual": (make.visual_order_pdf, make.AR_LINES, {}),
        "presentation": (make.presentation_forms_pdf, make.AR_LINES, {}),
        "reversed-words": (make.reversed_words_pdf, make.AR_LINES, {}),
        "shifted": (make.shifted_font_map_pdf, make.FR_LINES, {}),
        "accents": (make.remapped_accents_pdf, make.FR_LINES, {}),
        "doubled-headings": (make.doubled_letters_pdf, make.FR_LINES, {"bold": "headings"}),
        "doubled-all": (make.doubled_letters_pdf, make.FR_LINES, {"bold": "all"}),
        "wrong-map": (make.wrong_unicode_map_arabic_pdf, make.AR_LINES, {}),
        "glyph-names": (make.glyph_names_pdf, make.AR_LINES, {}),
    }
    return {name: maker(folder / f"{name}.pdf", lines, **options) for name, (maker, lines, options) in makers.items()}


def _text(texts: PageTexts) -> str:
    return " ".join(" ".join(page.text.split()) for page in texts.pages)


@pytest.mark.parametrize("name", ["visual", "presentation", "reversed-words", "glyph-names"])
def test_arabic_text_layers_come_back_in_reading_order(pdfs: dict[str, Path], name: str) -> None:
    texts = _read(pdfs[name])
    text = _text(texts)
    assert not texts.notes, texts.notes
    missing = [sentence for sentence in AR_SENTENCES if sentence not in text]
    assert not missing, f"{name}: repairs {[p.repair for p in texts.pages]}; missing {missing[:2]} in {text[:300]}"
    assert not any("\ufb50" <= ch <= "\ufeff" for ch in text), "no presentation forms left"
    assert all(page.quality > 0.8 for page in texts.pages if page.text)


def test_each_arabic_class_is_named_by_its_repair(pdfs: dict[str, Path]) -> None:
    repairs = {name: {page.repair for page in _read(pdfs[name]).pages} for name in ("reversed-words", "glyph-names")}
    # Read by glyph positions the reversed words are in order already; read from the stream they need the repair.
    reversed_words = _read(pdfs["reversed-words"]).pages
    assert all(page.repair == "word-order" or (page.order == "glyphs" and page.repair == "none") for page in reversed_words)
    assert all(repair.startswith("glyph-names") for repair in repairs["glyph-names"])


@pytest.mark.parametrize(
    ("name", "repair"), [("shifted", "font-shift"), ("accents", "accent-map"), ("doubled-all", "de-doubled")]
)
def test_french_text_layers_are_repaired(pdfs: dict[str, Path], name: str, repair: str) -> None:
    texts = _read(pdfs[name])
    text = _text(texts)
    assert {page.repair for page in texts.pages} == {repair}
    missing = [sentence for sentence in FR_SENTENCES if sentence not in text]
    assert not missing, f"{name}: missing {missing[:2]} in {text[:300]}"
    assert "Article 1er" in text and "Art. 2" in text


def test_fake_bold_headings_are_undoubled(pdfs: dict[str, Path]) -> None:
    text = _text(_read(pdfs["doubled-headings"]))
    assert "Article 1er" in text and "Chapitre II : Dispositions financières" in text
    assert "AArrttiiccllee" not in text


def test_wrong_arabic_font_map_is_not_indexed_and_is_reported(pdfs: dict[str, Path]) -> None:
    path = pdfs["wrong-map"]
    texts = _read(path)
    assert all(not page.text and page.skipped.startswith("unreadable text layer") for page in texts.pages)
    assert all(page.rejected for page in texts.pages), "the rejected layer is kept for inspection"
    message = texts.notes[0].message(path)
    assert message.startswith(f"{path}: page 1: unreadable text layer")
    assert "; OCR it or supply a text version (OCR is turned off" in message
    assert "\n" not in message


def test_real_gazette_pages_are_all_indexed_and_left_as_they_are(realpdfs: Path) -> None:
    # Egyptian official gazette, InDesign CS4 (jsoma/natural-pdf, MIT): clean logical Arabic, kashida.
    texts = _read(realpdfs / "ar_eg_gazette_indesign.pdf")
    assert len(texts.pages) == 23 and not texts.notes
    assert {page.repair for page in texts.pages} <= {"none", "nfkc"}
    assert min(page.quality for page in texts.pages) > 0.7
    text = _text(texts)
    assert "\u0640" not in text, "kashida stretching removed"
    # Lines a justified layout cut at kashida runs, whose runs pypdf returns in painting order:
    for line in (
        "فى تطبيق أحكام هذا القانون يقصد بالكلمات والعبارات التالية المعنى المبين",
        "الحاصلة على ترخيص من الوزارة المختصة ، ومنها : الفنادق ، القرى السياحية،",
        "الفنادق العائمة ، الفنادق التراثية ، فنادق البوتيك ، الذهبيات ، أماكن الإقامة",
    ):
        assert line in text, line


def test_real_word_and_federal_register_pdfs_are_clean_text(realpdfs: Path) -> None:
    # Word LTSC Arabic export (docling, MIT) and a GPO/iText three-column Federal Register (pdfplumber, MIT).
    for name in ("ar_word_ltsc_rtl01.pdf", "en_us_federal_register_itext.pdf"):
        texts = _read(realpdfs / name)
        assert not texts.notes, (name, texts.notes)
        assert {page.repair for page in texts.pages} <= {"none", "nfkc"}, name


def test_real_ilovepdf_export_with_a_wrong_font_map_is_rejected(realpdfs: Path) -> None:
    # PowerPoint -> iLovePDF (docling, MIT): some letters map to the wrong code points ('ياى' for 'على').
    texts = _read(realpdfs / "ar_ppt_ilovepdf_rtl02.pdf")
    assert texts.pages[0].skipped.startswith("unreadable text layer"), texts.pages[0]
    assert texts.pages[0].quality < 0.45
