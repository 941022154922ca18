"""Typed, frozen records that flow from ingest to the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["ar", "fr", "en"] | str

DOC_TYPES: frozenset[str] = frozenset(
    {
        "law",
        "decree",
        "order",
        "circular",
        "regulation",
        "strategy",
        "policy",
        "programme",
        "guideline",
        "report",
        "agreement",
        "communication",
        "other",
    }
)

# ISO 3166 alpha-2 codes of the partner countries, plus EU for European Union texts. Other
# alpha-2 codes are accepted too (a deployment may add countries); these are the known ones.
KNOWN_COUNTRIES: frozenset[str] = frozenset({"DZ", "EG", "JO", "LB", "MA", "PS", "TN", "EU"})


@dataclass(frozen=True)
class DocMeta:
    """What a public authority needs to cite a document."""

    title: str
    country: str  # ISO 3166 alpha-2, "EU", or "" when unknown
    doc_type: str  # one of DOC_TYPES
    lang: str  # ISO 639-1
    issuer: str = ""
    date: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD, as precise as known
    year: int | None = None
    source: str = ""  # reference to the official source (citation or URL)
    summary_of: str = ""  # the official text a summary stands for
    notice: str = ""
    translation_of: str = ""  # doc id (or slug) of the other-language version


@dataclass(frozen=True)
class Page:
    """One page of extracted text. ``number`` is 1-based, as printed page indexes are."""

    number: int
    text: str  # "" when the page is not indexed (see ``skipped``)
    repair: str = "none"  # the reading chosen: "none", "nfkc", "visual-order", "word-order", "de-doubled", "font-shift", "ocr"
    headings: tuple[str, ...] = ()  # lines the file's own structure marks as headings (not PDFs)
    quality: float = 1.0  # text-quality score of ``text`` (ingest.quality); 1.0 when too short to judge
    ocr: bool = False  # the text was read by OCR from the page image
    has_image: bool = False  # the PDF page paints an image (a scan, when it has no text)
    skipped: str = ""  # why the page is not indexed ("unreadable text layer ..."); "" when it is
    rejected: str = ""  # the text layer that was judged unreadable, for inspection only (never indexed)
    # PDFs: how the text was put in reading order: "stream" (content-stream order, pypdf) or "glyphs"
    # (glyph positions and the bidi algorithm, ingest.glyphs); "" for other formats.
    order: str = ""
    # Other readings of the same text layer offered by the reader, as (order, text): ingest.pages keeps the best.
    alternatives: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Extracted:
    """What a format reader found in a file, before normalisation and metadata validation."""

    pages: tuple[Page, ...]
    declared: dict[str, object] = field(default_factory=dict)  # metadata fields (front matter): validated
    hints: dict[str, str] = field(default_factory=dict)  # found in the file (first heading, lang): for inference
    parser: str = ""
    notes: tuple[str, ...] = ()  # one-line warnings about the whole file ("path: not UTF-8: read as windows-1256 ...")


@dataclass(frozen=True)
class Document:
    doc_id: str  # stable: the file path relative to the ingested root, POSIX separators
    source: str  # file path relative to the ingested root
    content_hash: str  # sha256 of the file bytes and its sidecar metadata
    meta: DocMeta
    pages: tuple[Page, ...]
    parser: str = ""  # e.g. "pypdf 7.1.1"
    notes: tuple[str, ...] = ()  # one-line warnings: pages not indexed ("path: page 3: ..."), a guessed encoding


@dataclass(frozen=True)
class Chunk:
    """A passage small enough for the embedding model, carrying everything a citation needs."""

    chunk_id: str
    doc_id: str
    index: int
    page_start: int
    page_end: int
    article: str  # e.g. "Article 12", "المادة 3"; "" outside articles
    section: str  # enclosing chapter/part heading; "" when none
    lang: str
    text: str  # the text shown to users and quoted verbatim
    embed_text: str = field(default="", repr=False)  # what the model embeds (text plus context)
    ocr: bool = False  # some of the text was read by OCR (citations say so: OCR can misread)
    repair: str = "none"  # text-layer repairs of the pages it spans, comma-separated
    lead: bool = False  # front matter (ingest.chunk.is_lead): findable, never quoted as evidence
