"""Pure text normalisation that search depends on. Every function is ``str -> str`` or works on pages."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace

from ingest.articles import match_heading
from ingest.records import Page
from ingest.repair import Reading, best_reading

# The second half is a lookahead, so a word cut over three lines ("compé-\ntiti-\nvité") joins in one pass.
_HYPHENATED = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿŒœ]{2,})[-\u00AD]\n(?=[a-zà-öø-ÿœ]{2,})")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00A0\u2000-\u200A\u202F\u205F\u3000]+")
_BIDI_CONTROLS = re.compile(r"[\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]")
_DIGITS = re.compile(r"[0-9\u0660-\u0669]+")
_PAGE_WORD = r"(?:page|p\.|صفحة|الصفحة)"
_PAGE_NUMBER = r"[-–]?\s*[0-9\u0660-\u0669]{1,4}\s*(?:(?:/|of|sur|من)\s*[0-9\u0660-\u0669]{1,4})?\s*[-–]?"
# "12", "- 12 -", "Page 3 of 9", and "3 الصفحة" (Arabic extraction often puts the number first).
_PAGE_NUMBER_ONLY = re.compile(rf"^\s*(?:{_PAGE_WORD}\s*{_PAGE_NUMBER}|{_PAGE_NUMBER}\s*{_PAGE_WORD}?)\s*$", re.IGNORECASE)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def clean_whitespace(text: str) -> str:
    """Collapse runs of spaces, drop bidi control marks, keep line breaks.

    Lone surrogates (a broken font map decoded with surrogatepass) become U+FFFD: they cannot be
    encoded, and would fail far later, in the embedder or the store.
    """
    text = _SURROGATE.sub("\ufffd", _BIDI_CONTROLS.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines)


def repair_hyphenation(text: str) -> str:
    """Join words split across lines with a hyphen ("compéti-\\ntivité" -> "compétitivité").

    Only when the second half starts in lower case, so "Nord-\\nAfrique" style compounds survive.
    """
    return _HYPHENATED.sub(r"\1", text)


def read_page_text(raw: str, prefer: str = "") -> Reading:
    """Clean whitespace, pick the best repair of the text layer (ingest.repair), join hyphenated words."""
    reading = best_reading(clean_whitespace(raw), prefer)
    return replace(reading, text=repair_hyphenation(reading.text))


def normalize_page_text(raw: str) -> tuple[str, str]:
    """(text, repair) of :func:`read_page_text`, for text that is never rejected (headings, records)."""
    reading = read_page_text(raw)
    return reading.text, reading.repair


def _line_key(line: str) -> str:
    """Key that makes 'Page 3 of 9' and 'Page 4 of 9' the same running line."""
    return _DIGITS.sub("#", line.strip().casefold())


def strip_running_lines(pages: list[Page], min_pages: int = 2) -> list[Page]:
    """Remove headers and footers that repeat on most pages, and bare page numbers.

    A line counts as running when it is among the first or last three lines of at least half the
    pages (and of ``min_pages`` pages or more). Documents shorter than that keep their lines, except
    bare page numbers. Article and chapter headings are never running lines, though "Article #"
    may well stand at the top of every page.
    """
    edge = 3
    counts: Counter[str] = Counter()
    for page in pages:
        lines = [line for line in page.text.split("\n") if line.strip()]
        counts.update({_line_key(line) for line in lines[:edge] + lines[-edge:] if match_heading(line) is None})
    threshold = max(min_pages, (len(pages) + 1) // 2)
    running = {key for key, n in counts.items() if n >= threshold and len(pages) >= min_pages}
    cleaned = []
    for page in pages:
        lines = page.text.split("\n")
        nonblank = [i for i, line in enumerate(lines) if line.strip()]
        edges = set(nonblank[:edge] + nonblank[-edge:])
        kept = [
            line
            for i, line in enumerate(lines)
            if not (i in edges and (_line_key(line) in running or _PAGE_NUMBER_ONLY.match(line)))
        ]
        cleaned.append(replace(page, text="\n".join(kept).strip()))
    return cleaned
