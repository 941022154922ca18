"""A cited document's original, when it is not a PDF, as a readable page: its text, escaped.

An HTML, Markdown, DOCX or text source is read by the same reader ingest used (ingest.readers) and
shown as plain paragraphs, so a policymaker who opens a citation reads the text, not its markup, and
nothing of the source (script, styles, remote images) reaches the browser. The quoted words are then
found by the browser itself: citation links end in a text fragment (``#:~:text=``), which Chromium,
Edge and Safari scroll to and highlight.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote as url_quote

from assistant.errors import InvalidValue
from ingest.normalize import clean_whitespace
from ingest.readers import reader_for

READABLE = (".html", ".htm", ".md", ".markdown", ".docx", ".txt")
MAX_PAGES = 3000  # as ingest's default; a longer file was refused at ingest anyway
FRAGMENT_WORDS = 8  # the start of a quote is enough to find it, and survives a line break further on

# The page runs nothing and fetches nothing: only its own inline style.
READABLE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox; base-uri 'none'; form-action 'none'"

STYLE = (
    "body{font:16px/1.6 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
    "h1{font-size:1.3rem}p{margin:0 0 .8rem;unicode-bidi:plaintext}.page{color:#666;font-size:.85rem;margin:1.5rem 0 .5rem}"
    "::target-text{background:#ffe58f}"
)


def is_readable(path: Path) -> bool:
    return path.suffix.lower() in READABLE


def readable_page(path: Path, title: str, lang: str) -> str:
    """The document at ``path`` as an HTML page of escaped paragraphs, one block per source page."""
    reader = reader_for(path)
    if reader is None:
        raise InvalidValue(f"{path.name}: no reader for this kind of file")
    extracted = reader(path, MAX_PAGES)
    parts = []
    several = len(extracted.pages) > 1
    for page in extracted.pages:
        if several:
            parts.append(f'<p class="page" id="page={page.number}">{page.number}</p>')
        for paragraph in page.text.split("\n"):
            line = clean_whitespace(paragraph)
            if line:
                parts.append(f"<p>{html.escape(line)}</p>")
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f'<!doctype html><html lang="{html.escape(lang)}" dir="{direction}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>{''.join(parts)}</body></html>"
    )


def text_fragment(quote: str) -> str:
    """``#:~:text=…`` for the start of ``quote`` (percent-encoded, dashes, commas and ampersands too)."""
    words = quote.split()[:FRAGMENT_WORDS]
    # "-" is left alone by percent-encoding but marks a prefix or suffix in a text directive.
    return "#:~:text=" + url_quote(" ".join(words), safe="").replace("-", "%2D") if words else ""
