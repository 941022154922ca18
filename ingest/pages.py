"""Page text that can be trusted: each page repaired or rejected, and rejected or image-only PDF pages OCR'd.

A page whose best reading still scores below ``MIN_QUALITY`` is garbage that looks like text; indexing
it would put nonsense in search results, so it is never indexed as text. Such pages, and PDF pages
that only paint an image, go to OCR when it is available; otherwise they are reported with what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.arabic import has_arabic
from ingest.errors import shown_path
from ingest.langid import detect_language
from ingest.normalize import normalize_page_text, read_page_text
from ingest.ocr import OcrConfig, OcrError, ocr_page, ocr_status, tesseract_version
from ingest.quality import has_letters
from ingest.records import Extracted, Page
from ingest.repair import MIN_QUALITY, Reading

Progress = Callable[[str], None]
FIRST_LINE_CHARS = 80


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class PageNote:
    """A page that is not indexed: what is wrong with it and why OCR did not save it."""

    number: int
    problem: str  # "unreadable text layer (...)", "no text layer (image only)"
    why: str  # "OCR needs Tesseract: ...", "OCR found no readable text", ...

    @property
    def advice(self) -> str:
        return f"OCR it or supply a text version ({self.why})"

    def message(self, path: Path) -> str:
        return f"{shown_path(path)}: page {self.number}: {self.problem}; {self.advice}"


@dataclass
class PageTexts:
    pages: list[Page]
    notes: list[PageNote] = field(default_factory=list)  # pages not indexed
    ocr_engine: str = ""  # e.g. "tesseract 5.3.0" when any page was OCR'd


def first_line(text: str) -> str:
    line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return line if len(line) <= FIRST_LINE_CHARS else line[: FIRST_LINE_CHARS - 1] + "…"


# A glyph-position reading is kept unless it scores this much below the content-stream reading. The
# score counts known words and Arabic word-order evidence; it cannot see a number, a Latin word or a
# bracket out of place, which is what the glyph reading puts right (eval.fidelity: Arabic corpus PDFs
# from 58.6 % to over 99 % of source sentences verbatim). A clearly lower score means PDFium read the
# glyphs worse than pypdf (a font map only one of them understands): then the stream reading stays.
GLYPH_TOLERANCE = 0.05


def _best_order(page: Page, prefer: str) -> tuple[Reading, str]:
    """The reading of the page's text layer in the best order, and the order's name ("stream", "glyphs", "")."""
    reading = read_page_text(page.text, prefer)
    order = page.order
    for name, text in page.alternatives:
        other = read_page_text(text, prefer)
        if has_letters(other.text) and other.quality.score >= reading.quality.score - GLYPH_TOLERANCE:
            reading, order = other, name
    return reading, order


def _read(page: Page, prefer: str = "") -> Page:
    reading, order = _best_order(page, prefer)
    quality = reading.quality
    if quality.judged and quality.score < MIN_QUALITY:
        reason = f"unreadable text layer (quality {quality.score:.2f}, begins «{first_line(reading.text)}»)"
        return Page(
            page.number,
            "",
            reading.repair,
            (),
            quality.score,
            has_image=page.has_image,
            skipped=reason,
            rejected=reading.text,
            order=order,
        )
    if not has_letters(reading.text):
        reason = "no text layer (image only)" if page.has_image else "no text"
        return Page(
            page.number, reading.text, reading.repair, (), quality.score, has_image=page.has_image, skipped=reason, order=order
        )
    headings = tuple(normalize_page_text(heading)[0] for heading in page.headings)
    return Page(page.number, reading.text, reading.repair, headings, quality.score, has_image=page.has_image, order=order)


def _mostly_word_order(pages: list[Page]) -> bool:
    arabic = [page for page in pages if page.text and has_arabic(page.text)]
    reversed_pages = sum(1 for page in arabic if page.repair == "word-order")
    return reversed_pages >= 2 and reversed_pages >= 0.6 * len(arabic)


def _wants_ocr(page: Page, document_has_text: bool) -> bool:
    if not page.skipped:
        return False
    if page.skipped == "no text":
        return not document_has_text  # a blank page in a text PDF is blank; in a PDF with no text at all, maybe a scan
    return True


def _ocr(path: Path, page: Page, config: OcrConfig, lang_hint: str) -> tuple[Page, str]:
    """The page read by OCR, or the page unchanged and the reason OCR did not help."""
    try:
        result = ocr_page(path, page.number, config, lang_hint=lang_hint)
    except OcrError as err:
        # The note names the file and page already.
        return page, f"OCR failed: {str(err).removeprefix(f'{path}: page {page.number}: ')}"
    reading = read_page_text(result.text)
    if not has_letters(reading.text) or (reading.quality.judged and reading.quality.score < MIN_QUALITY):
        return page, f"OCR found no readable text (quality {reading.quality.score:.2f})"
    return Page(
        page.number, reading.text, "ocr", (), reading.quality.score, ocr=True, has_image=page.has_image, rejected=page.rejected
    ), ""


def read_pages(
    path: Path,
    extracted: Extracted,
    ocr: OcrConfig,
    lang_hint: str = "",
    progress: Progress = _quiet,
) -> PageTexts:
    """Repair or reject every page; OCR the rejected and image-only pages of PDFs (up to ``ocr.max_pages``)."""
    pages = [_read(page) for page in extracted.pages]
    if _mostly_word_order(pages):
        # A browser printed every page the same way; pages with little evidence of their own follow the rest.
        pages = [
            page if page.repair == "word-order" else _read(raw, prefer="word-order")
            for page, raw in zip(pages, extracted.pages, strict=True)
        ]
    result = PageTexts(pages=pages)
    has_text = any(not page.skipped for page in pages)
    wanted = [i for i, page in enumerate(pages) if _wants_ocr(page, has_text)]
    if not wanted:
        return result
    status = ocr_status(ocr) if path.suffix.lower() == ".pdf" else "OCR reads PDF pages only"
    for count, i in enumerate(wanted):
        page = pages[i]
        why = status
        if why is None and count >= ocr.max_pages:
            why = f"over the OCR limit of {ocr.max_pages} page(s) per document: raise POLICYKB_OCR_MAX_PAGES"
        if why is None:
            progress(f"OCR page {page.number}")
            page, why = _ocr(path, page, ocr, lang_hint)
            pages[i] = page
            if page.ocr:
                result.ocr_engine = tesseract_version(ocr)
                # Without a declared language Tesseract detects the script on every page (about 1 s);
                # the first page read tells the language of the others.
                lang_hint = lang_hint or detect_language(page.text)
                continue
        if page.skipped != "no text":
            result.notes.append(PageNote(page.number, page.skipped, why))
    return result
