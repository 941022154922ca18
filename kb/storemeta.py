"""What the store's rows say: a passage's citation metadata and a document's commit record.

Chroma metadata values are flat (str, int, float, bool): lists are comma-joined, and a missing year
is left out rather than faked, so that a year filter excludes the document.
"""

from __future__ import annotations

from typing import Any

from ingest.load import INGEST_VERSION
from ingest.records import Chunk, Document


def chunk_metadata(doc: Document, chunk: Chunk) -> dict[str, Any]:
    """A passage's row: where it stands (page span, article, section) and what its document is, for citing and filtering."""
    meta: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "doc_hash": doc.content_hash,
        "index": chunk.index,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "article": chunk.article,
        "section": chunk.section,
        "lang": chunk.lang,
        "doc_lang": doc.meta.lang,
        "country": doc.meta.country,
        "doc_type": doc.meta.doc_type,
        "title": doc.meta.title,
        "source": doc.source,
        "ocr": chunk.ocr,
        "repair": chunk.repair,
        "lead": chunk.lead,
    }
    if doc.meta.year is not None:
        meta["year"] = doc.meta.year  # absent rather than a fake value: a year filter then excludes it
    return meta


def document_metadata(doc: Document, root: str, chunk_count: int) -> dict[str, Any]:
    """A document's row, its commit record: the content hash its current passages carry, and its metadata."""
    meta = doc.meta
    record: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "content_hash": doc.content_hash,
        "title": meta.title,
        "country": meta.country,
        "doc_type": meta.doc_type,
        "lang": meta.lang,
        "issuer": meta.issuer,
        "date": meta.date,
        "official_source": meta.source,
        "summary_of": meta.summary_of,
        "notice": meta.notice,
        "translation_of": meta.translation_of,
        "source": doc.source,
        "root": root,
        "parser": doc.parser,
        # What version of ingest parsed the file: a store written by an older one is re-parsed (the
        # version is part of content_hash), and only passages whose text changed are embedded again.
        "ingest_version": INGEST_VERSION,
        # How each page was put in reading order ("stream", "glyphs"), comma-separated, for PDFs.
        "orders": ",".join(sorted({page.order for page in doc.pages if page.order})),
        "pages": len(doc.pages),
        "chunks": chunk_count,
        "repairs": ",".join(sorted({page.repair for page in doc.pages if page.repair != "none"})),
        "ocr_pages": sum(1 for page in doc.pages if page.ocr),
        "pages_skipped": sum(1 for page in doc.pages if page.skipped and page.skipped != "no text"),
    }
    if meta.year is not None:
        record["year"] = meta.year
    return record
