"""OCR inside ingest: ``load_document`` and the parser process with the real Tesseract and poppler.

The scans come from tests/pdfmaker/scans.py (an fpdf2 page rasterised by pdftoppm, put back as JPEG by
Pillow), the broken text layer from tests/pdfmaker/textlayers.py, the text page from the fixture
documents. Their texts are written for the tests. Pages are few and small: every OCR'd page costs
about a second on two cores.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from ingest.errors import NoTextError
from ingest.load import LoadOptions, SourceFile, load_document
from ingest.ocr import INSTALL_HINT, OcrConfig
from ingest.records import Document
from ingest.sandbox import ParseLimits, ParserProcess
from tests.fixtures.documents import write_fixture
from tests.pdfmaker import textlayers
from tests.pdfmaker.scans import SAMPLE_PAGES, encrypted_copy, image_only_pdf, merged_pdf

NO_OCR = LoadOptions(ocr=OcrConfig(enabled=False))
OCR_PARSER = re.compile(r"pypdf \S+ \+ tesseract 5\.\d+\.\d+")
LANGUAGE_NAMES = {"ar": "Arabic", "fr": "French"}
# Phrases Tesseract reads exactly at 200 dpi (tests/ingest/test_ocr.py measures the error rates); the
# Arabic one carries a Latin word, which must come back in logical order.
PHRASES = {
    "ar": ("تعمل الوزارة على تحسين جودة الخدمات العمومية", "بصيغة PDF من الموقع"),
    "fr": ("la qualité des services publics", "avant le 31 décembre", "15 % du budget"),
}
OFF_WHY = "OCR is turned off (--no-ocr or POLICYKB_OCR=off)"
MISSING_WHY = f"OCR needs Tesseract: {INSTALL_HINT}"
# The parser process gives up after this long without news; each OCR'd page sends news first.


def _flat(text: str) -> str:
    return " ".join(text.split())


def _sidecar(pdf: Path, **fields: str) -> None:
    pdf.with_name(pdf.name + ".meta.json").write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")


def _load(path: Path, options: LoadOptions = LoadOptions()) -> Document:
    return load_document(SourceFile(path=path, root=path.parent), options)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ocr-pipeline")
    fr_pages = [SAMPLE_PAGES["fr"][:2], SAMPLE_PAGES["fr"][2:]]
    made = {
        "ar": image_only_pdf(folder / "ar-circular.pdf", [SAMPLE_PAGES["ar"]], "ar"),
        "fr": image_only_pdf(folder / "fr-circular.pdf", fr_pages, "fr"),
        # One short line a page, so that the whole file takes longer than the parser's timeout.
        "fr-pages": image_only_pdf(folder / "fr-pages.pdf", [[line] for line in SAMPLE_PAGES["fr"][:4]], "fr"),
        "wrong-map": textlayers.wrong_unicode_map_arabic_pdf(folder / "wrong-map.pdf", textlayers.AR_LINES),
    }
    _sidecar(made["ar"], lang="ar", country="EG", doc_type="circular", title="Circulaire de test (scan arabe)")
    _sidecar(made["fr"], lang="fr", country="TN", doc_type="circular", title="Circulaire de test (scan)")
    _sidecar(made["fr-pages"], lang="fr", country="TN", doc_type="report", title="Rapport de test (scan)")
    undeclared = folder / "undeclared"
    undeclared.mkdir()
    made["fr-undeclared"] = Path(shutil.copy(made["fr"], undeclared / "scan.pdf"))  # no sidecar: no language given
    made["aes256"] = encrypted_copy(made["ar"], folder / "ar-aes256.pdf", "AES-256")  # empty user password
    text_pdf = write_fixture("ma/loi-poles.fr.pdf", folder / "fixtures")
    made["mixed"] = merged_pdf(folder / "mixed.pdf", (text_pdf, 0), (made["fr"], 0))  # a text page, then a scanned one
    return made


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_image_only_pdf_is_read_by_ocr(pdfs: dict[str, Path], lang: str) -> None:
    name = LANGUAGE_NAMES[lang]
    steps: list[str] = []
    doc = load_document(SourceFile(pdfs[lang], pdfs[lang].parent), progress=steps.append)
    assert doc.notes == (), f"{name} scan: {doc.notes}"
    assert OCR_PARSER.fullmatch(doc.parser), f"{name} scan parsed by {doc.parser!r}"
    assert all(page.ocr and page.repair == "ocr" and page.text for page in doc.pages), f"{name} scan: {doc.pages}"
    assert steps == [f"OCR page {page.number}" for page in doc.pages], "each OCR'd page reports progress first"
    text = _flat(" ".join(page.text for page in doc.pages))
    for phrase in PHRASES[lang]:
        assert phrase in text, f"{name} OCR lost {phrase!r}: {text}"
    assert doc.meta.lang == lang and doc.meta.doc_type == "circular", f"{name}: the sidecar still decides the metadata"
    assert not re.search("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", text), f"{name}: bidi marks from Tesseract are dropped"


def test_scan_without_declared_language_in_the_parser_process(pdfs: dict[str, Path]) -> None:
    """No sidecar: Tesseract's script detection picks the languages, and the language is inferred from the OCR text."""
    path = pdfs["fr-undeclared"]
    with ParserProcess() as parser:
        doc = parser.parse(SourceFile(path, path.parent))
    assert [(page.number, page.ocr, page.repair) for page in doc.pages] == [(1, True, "ocr"), (2, True, "ocr")]
    assert OCR_PARSER.fullmatch(doc.parser) and doc.notes == ()
    assert doc.meta.lang == "fr", "French detected from the OCR'd text"
    assert (doc.meta.country, doc.meta.doc_type) == ("", "other"), "nothing declared, nothing invented"
    text = _flat(" ".join(page.text for page in doc.pages))
    assert all(phrase in text for phrase in PHRASES["fr"]), text


def test_ocr_heartbeats_keep_a_long_scan_within_the_parser_timeout(pdfs: dict[str, Path]) -> None:
    """The timeout runs without news: a scan whose pages each take less parses even when the whole takes more.

    The timeout is set from this machine's own pace (one page, parsed first in the same worker),
    at 2 pages: four pages take about 2 timeouts, and a page may run twice as slow as the measured
    one before it times out (at 1.6 pages, a page slowed by other work on the machine once did).
    """
    path = pdfs["fr-pages"]
    single = pdfs["fr"]  # two pages
    with ParserProcess(ParseLimits(timeout_s=600)) as parser:
        parser.parse(SourceFile(single, single.parent))  # the worker starts and loads its word lists
        started = time.monotonic()
        parser.parse(SourceFile(single, single.parent))
        per_page = (time.monotonic() - started) / 2
    timeout = 2.0 * per_page
    with ParserProcess(ParseLimits(timeout_s=timeout + 5)) as parser:  # start-up is not a page: warm it first
        parser.parse(SourceFile(single, single.parent))
        parser.limits = ParseLimits(timeout_s=timeout)
        started = time.monotonic()
        doc = parser.parse(SourceFile(path, path.parent))
    elapsed = time.monotonic() - started
    assert len(doc.pages) == 4 and all(page.ocr for page in doc.pages)
    assert elapsed > timeout, f"the scan parsed in {elapsed:.1f} s against a timeout of {timeout:.1f} s"


def test_wrong_arabic_font_map_is_replaced_by_ocr_of_the_page(pdfs: dict[str, Path]) -> None:
    """The page image is right and the text layer garbage: OCR reads the Arabic the layer hides."""
    doc = _load(pdfs["wrong-map"])
    assert doc.notes == ()
    assert OCR_PARSER.fullmatch(doc.parser)
    page = doc.pages[0]
    assert page.ocr and page.repair == "ocr" and page.quality > 0.8, page
    assert page.rejected and "فظتن ظطظ شاقشتة" in page.rejected, "the rejected layer is kept for inspection, not indexed"
    expected = {word.strip(".:،") for line in textlayers.AR_LINES for word in line.split() if not word[0].isdigit()}
    found = set(_flat(page.text).replace(".", " ").split())
    recovered = len(expected & found) / len(expected)
    assert recovered >= 0.9, f"Arabic: OCR recovered {recovered:.0%} of the words: {page.text}"
    assert "المادة 1" in page.text and "المادة 4" in page.text
    assert doc.meta.lang == "ar"


def test_aes256_scan_with_an_empty_password_is_read_by_ocr(pdfs: dict[str, Path]) -> None:
    doc = _load(pdfs["aes256"])
    assert doc.notes == () and doc.pages[0].ocr and doc.pages[0].repair == "ocr"
    assert all(phrase in _flat(doc.pages[0].text) for phrase in PHRASES["ar"]), doc.pages[0].text


def test_mixed_pdf_with_ocr_off_indexes_the_text_page_and_reports_the_scan(pdfs: dict[str, Path]) -> None:
    path = pdfs["mixed"]
    doc = _load(path, NO_OCR)
    assert doc.parser.startswith("pypdf ") and "tesseract" not in doc.parser
    first, second = doc.pages
    assert "pôles de compétitivité" in first.text and not first.ocr
    assert second.text == "" and not second.ocr and second.skipped == "no text layer (image only)"
    assert doc.notes == (f"{path}: page 2: no text layer (image only); OCR it or supply a text version ({OFF_WHY})",)


def test_scan_only_pdf_with_ocr_off_is_a_no_text_error(pdfs: dict[str, Path]) -> None:
    path = pdfs["fr"]
    with pytest.raises(NoTextError) as caught:
        _load(path, NO_OCR)
    assert str(caught.value) == (
        f"{path}: no readable text on its 2 page(s) (page 1: no text layer (image only)); "
        f"OCR it or supply a text version ({OFF_WHY})"
    )


def test_without_tesseract_on_path_the_parser_process_reports_scanned_pages(
    pdfs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child inherits a PATH without Tesseract: OCR is on but cannot run, and the message says what to install."""
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory
    mixed, scan = pdfs["mixed"], pdfs["fr"]
    with ParserProcess() as parser:
        doc = parser.parse(SourceFile(mixed, mixed.parent))
        with pytest.raises(NoTextError) as caught:
            parser.parse(SourceFile(scan, scan.parent))
    assert "pôles de compétitivité" in doc.pages[0].text and doc.pages[1].text == ""
    assert doc.notes == (f"{mixed}: page 2: no text layer (image only); OCR it or supply a text version ({MISSING_WHY})",)
    assert str(caught.value) == (
        f"{scan}: no readable text on its 2 page(s) (page 1: no text layer (image only)); "
        f"OCR it or supply a text version ({MISSING_WHY})"
    )
    assert "\n" not in str(caught.value)


def test_pages_over_the_ocr_limit_are_reported(pdfs: dict[str, Path]) -> None:
    path = pdfs["fr"]
    doc = _load(path, LoadOptions(ocr=OcrConfig(max_pages=1)))
    assert doc.pages[0].ocr and "la qualité des services publics" in doc.pages[0].text
    assert not doc.pages[1].ocr and doc.pages[1].text == ""
    assert doc.notes == (
        f"{path}: page 2: no text layer (image only); OCR it or supply a text version "
        "(over the OCR limit of 1 page(s) per document: raise POLICYKB_OCR_MAX_PAGES)",
    )


def test_the_ocr_limit_counts_pages_ocrd_not_page_numbers(pdfs: dict[str, Path]) -> None:
    """POLICYKB_OCR_MAX_PAGES is documented as 'pages OCR'd per document at most': one scanned page is within 1."""
    doc = _load(pdfs["mixed"], LoadOptions(ocr=OcrConfig(max_pages=1)))
    assert doc.notes == () and doc.pages[1].ocr


def test_a_failed_ocr_page_is_reported_once_with_its_reason(pdfs: dict[str, Path]) -> None:
    path = pdfs["mixed"]
    doc = _load(path, LoadOptions(ocr=OcrConfig(page_timeout_s=0.001)))
    assert not doc.pages[1].ocr and doc.pages[0].text
    (note,) = doc.notes
    assert note.startswith(f"{path}: page 2: no text layer (image only); OCR it or supply a text version (OCR failed: ")
    assert "took longer than 0.001 s" in note and note.count(str(path)) == 1
