"""A cited PDF page drawn with the quote marked (assistant.pdfview), on the sample corpus's real PDFs:
fpdf2 text layers in French and shaped Arabic, and a reportlab 'gazette' whose Arabic layer is in
visual order. The quotes are what ingest stores, as an answer cites them."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant.pdfview import HIGHLIGHT, MAX_SIDE_PIXELS, PageNotFound, locate, render_page
from ingest.load import SourceFile, load_document

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "documents"


def _marked_pixels(png: bytes) -> int:
    """Pixels tinted by the highlight: yellow, where the page is white or black text."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((r > 200) & (g > 180) & (b < 150)).sum())


def _stored_sentences(relative: str) -> list[tuple[int, str]]:
    """(page, sentence) of the text ingest stores for a corpus PDF, long sentences only."""
    document = load_document(SourceFile(CORPUS / relative, CORPUS))
    found = []
    for page in document.pages:
        for line in page.text.split("\n"):
            for sentence in line.split(". "):
                if len(sentence.split()) >= 8:
                    found.append((page.number, sentence.strip()))
    return found


def test_a_french_quote_is_marked_on_its_page() -> None:
    quote = "formant charte de l'investissement, publiée au Bulletin officiel"  # runs over a line break
    page = render_page(CORPUS / "ma" / "charte-investissement.fr.pdf", 1, quote)
    assert page.marked == "quote" and page.pages >= 2
    assert _marked_pixels(page.png) > 500
    unmarked = render_page(CORPUS / "ma" / "charte-investissement.fr.pdf", 1, "")
    assert unmarked.marked == "" and _marked_pixels(unmarked.png) < 50
    assert HIGHLIGHT[3] < 255, "the mark is translucent: the words stay readable"


@pytest.mark.parametrize("relative", ["tn/startup-act.ar.pdf", "tn/loi-investissement.ar.pdf", "ma/charte-pme.fr.pdf"])
def test_stored_sentences_are_found_in_the_pdf_text_layer(relative: str) -> None:
    sentences = _stored_sentences(relative)[:12]
    assert len(sentences) >= 5
    found = [locate(CORPUS / relative, page, sentence)[1].marked for page, sentence in sentences]
    whole = found.count("quote")
    assert "" not in found, f"{relative}: every stored sentence is located, whole or by a run of its words"
    assert whole >= len(found) // 2, f"{relative}: most are found whole ({found})"


def test_a_quote_absent_from_the_page_is_shown_unmarked_and_a_missing_page_refused() -> None:
    path = CORPUS / "ma" / "charte-investissement.fr.pdf"
    page = render_page(path, 1, "nothing of this sentence stands anywhere in the charter at all")
    assert page.marked == "" and _marked_pixels(page.png) < 50
    with pytest.raises(PageNotFound, match="pages, not a page 99"):
        render_page(path, 99, "x")
    with pytest.raises(PageNotFound):
        render_page(path, 0, "x")


def test_a_very_long_quote_is_cut_not_searched_whole() -> None:
    path = CORPUS / "ma" / "charte-investissement.fr.pdf"
    page = render_page(path, 1, "formant charte de l'investissement " * 5000, draw=False)
    assert page.marked in ("quote", "part")


def test_a_page_of_the_largest_declared_size_is_drawn_within_bounds(tmp_path: Path) -> None:
    """The attack: a PDF whose page declares 14,400 points a side (the format's limit) would be drawn
    21,600 pixels square, about 1.4 GB, by one request for its viewer image."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=14400, height=14400)
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as out:
        writer.write(out)
    page = render_page(huge, 1, "")
    width, height = Image.open(io.BytesIO(page.png)).size
    assert max(width, height) <= MAX_SIDE_PIXELS
