"""What the knowledge base holds, counted by document."""

from __future__ import annotations

from collections import Counter
from typing import Any

from kb.store import Store


def collect_stats(store: Store) -> dict[str, Any]:
    docs = store.stored_documents().values()

    def count(key: str) -> dict[str, int]:
        return dict(sorted(Counter(str(d.metadata.get(key) or "unknown") for d in docs).items()))

    return {
        "documents": len(docs),
        "chunks": store.chunk_count(),
        "by_country": count("country"),
        "by_lang": count("lang"),
        "by_type": count("doc_type"),
        "by_year": count("year"),
        # How much of the text is not as published: pages read by OCR, and text-layer repairs by kind.
        "ocr_pages": sum(int(d.metadata.get("ocr_pages") or 0) for d in docs),
        "pages_not_indexed": sum(int(d.metadata.get("pages_skipped") or 0) for d in docs),
        "repairs": dict(sorted(Counter(r for d in docs for r in str(d.metadata.get("repairs") or "").split(",") if r).items())),
    }


def list_documents(store: Store) -> list[dict[str, Any]]:
    """Every stored document's metadata, by country, then year (newest first), then title."""
    docs = [dict(doc.metadata) for doc in store.stored_documents().values()]
    return sorted(docs, key=lambda d: (str(d.get("country") or ""), -int(d.get("year") or 0), str(d.get("title") or "")))
