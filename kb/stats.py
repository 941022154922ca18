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
    }
