"""A cited PDF page as an image with the quoted words marked, drawn on the server by PDFium.

A browser's own PDF viewer opens a file at a page but cannot be told what to highlight, and PDF.js
would be a second copy of a PDF engine shipped to every user. PDFium (pypdfium2, which ingest
already uses to read glyph positions) renders the page and gives the boxes of the characters that
hold the quote; the viewer page (assistant.viewerpage) shows the image with the boxes filled in.

The quote is the stored text (normalised by ingest), so it is looked up in the page's text layer
with spaces and line breaks ignored. Where the text layer differs from the stored text (an Arabic
layer in visual order that ingest rebuilt, a scan read by OCR), the longest run of the quote's words
that the layer does hold is marked instead, and when none is, the page is shown unmarked and says so.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SPAN = 2  # pages after the cited one that a passage may run onto (a chunk is at most a few hundred words)
SCALE = 1.5  # 108 dpi: readable on a laptop, a few hundred kilobytes a page
# A page may declare any size up to 200 inches a side: drawn at SCALE that is 21,600 pixels square,
# gigabytes of memory for one request. Larger pages are drawn smaller, never beyond this many pixels a side.
MAX_SIDE_PIXELS = 3000
MAX_QUOTE_CHARS = 2000  # a quote is a sentence or two; anything longer is not one
MIN_RUN_WORDS = 3  # fewer words than this match by chance
MAX_WORDS = 60  # the runs tried grow with the square of the words: a long quote is found by its start
HIGHLIGHT = (255, 214, 0, 110)  # translucent yellow, the colour of the passage viewer's <mark>

_SPACE = re.compile(r"\s+")
# Hyphens are ignored on both sides: ingest joins a word hyphenated across a line break
# ("dévelop-" / "pement"), and tatweel stretches Arabic words in some layers, never in stored text.
_JOINERS = frozenset("-\u00ad\u2010\u0640")


class PageNotFound(ValueError):
    """The document has no such page."""


@dataclass(frozen=True)
class RenderedPage:
    png: bytes
    pages: int  # the document's page count, for the viewer's navigation
    marked: str  # "quote", "part" (a run of its words) or "" (not found on the page)


def _squeezed(text: str) -> tuple[str, list[int]]:
    """``text`` compatibility-normalised (Arabic presentation forms become letters, as ingest stores
    them) without whitespace, and for each kept character the index of the character it came from."""
    kept, where = [], []
    for i, ch in enumerate(text):
        for part in unicodedata.normalize("NFKC", ch).casefold():
            if not part.isspace() and part not in _JOINERS:
                kept.append(part)
                where.append(i)
    return "".join(kept), where


def _find(page_text: str, quote: str) -> tuple[tuple[int, int] | None, str]:
    """(first character index, count) in ``page_text`` of the quote, or of its longest run of words found."""
    squeezed, where = _squeezed(page_text)
    words = _SPACE.split(unicodedata.normalize("NFKC", quote).strip())[:MAX_WORDS]
    for size in range(len(words), MIN_RUN_WORDS - 1, -1):
        for start in range(0, len(words) - size + 1):
            wanted = "".join(c for c in "".join(words[start : start + size]).casefold() if c not in _JOINERS)
            # A text layer in visual order (right-to-left lines stored left to right) holds it reversed.
            for form in (wanted, wanted[::-1]):
                at = squeezed.find(form) if form else -1
                if at >= 0:
                    first, last = where[at], where[at + len(form) - 1]
                    return (first, last - first + 1), ("quote" if size == len(words) else "part")
    return None, ""


def render_page(path: Path, page_number: int, quote: str, draw: bool = True) -> RenderedPage:
    """Page ``page_number`` (1-based) of the PDF at ``path`` as PNG bytes, the quote's characters marked.

    ``draw=False`` only finds the quote (``png`` is empty): the viewer's page says whether it was found."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    document = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page_number <= len(document):
            raise PageNotFound(f"{path.name} has {len(document)} pages, not a page {page_number}")
        page = document[page_number - 1]
        text_page = page.get_textpage()
        found, marked = _find(text_page.get_text_range(), quote[:MAX_QUOTE_CHARS]) if quote.strip() else (None, "")
        if not draw:
            return RenderedPage(b"", len(document), marked)
        scale = min(SCALE, MAX_SIDE_PIXELS / max(page.get_width(), page.get_height(), 1.0))
        image = page.render(scale=scale).to_pil().convert("RGBA")
        if found is not None:
            overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
            pen = ImageDraw.Draw(overlay)
            height = page.get_height()
            for i in range(text_page.count_rects(*found)):
                left, bottom, right, top = text_page.get_rect(i)
                pen.rectangle((left * scale, (height - top) * scale, right * scale, (height - bottom) * scale), fill=HIGHLIGHT)
            image = Image.alpha_composite(image, overlay)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=False)
        return RenderedPage(out.getvalue(), len(document), marked)
    finally:
        document.close()


def locate(path: Path, page_number: int, quote: str) -> tuple[int, RenderedPage]:
    """The page of ``path`` from ``page_number`` on (a passage may run onto the next pages) holding the
    quote, whole if any page does, else a run of its words; ``page_number`` itself if none does."""
    first = render_page(path, page_number, quote, draw=False)
    found = [(page_number, first)]
    for later in range(page_number + 1, min(page_number + SPAN, first.pages) + 1):
        if found[0][1].marked == "quote":
            break
        found.append((later, render_page(path, later, quote, draw=False)))
    for wanted in ("quote", "part"):
        for page, facts in found:
            if facts.marked == wanted:
                return page, facts
    return page_number, first
