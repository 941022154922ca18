"""Search the knowledge base: ranked passages with everything a citation needs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kb.embed import Embedder
from kb.store import Store


@dataclass(frozen=True)
class Filters:
    countries: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()  # document language
    doc_types: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these filters (None when there are none)."""
        clauses: list[dict[str, Any]] = []
        for key, values in (("country", self.countries), ("doc_lang", self.langs), ("doc_type", self.doc_types)):
            if values:
                clauses.append({key: {"$in": list(values)}})
        if self.year_min is not None:
            clauses.append({"year": {"$gte": self.year_min}})
        if self.year_max is not None:
            clauses.append({"year": {"$lte": self.year_max}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float  # cosine similarity
    chunk_id: str
    doc_id: str
    title: str
    country: str
    lang: str  # the passage's language
    doc_type: str
    year: int | None
    page: int
    page_end: int
    article: str
    section: str
    text: str
    source: str  # file path relative to the ingested root

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Searcher:
    """Dense search over the store. Built once per process; queries are cheap."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._committed: dict[str, str] | None = None

    def refresh(self) -> None:
        """Forget the cached commit records (after an ingest by this or another process)."""
        self._committed = None

    def _committed_hashes(self) -> dict[str, str]:
        if self._committed is None:
            self._committed = self.store.committed_hashes()
        return self._committed

    def search(self, query: str, k: int = 10, filters: Filters = Filters()) -> list[Hit]:
        if k < 1:
            raise ValueError("k must be at least 1")
        total = self.store.chunk_count()
        if total == 0 or not query.strip():
            return []
        vector = self.embedder.embed_query(query)
        committed = self._committed_hashes()
        # Over-fetch a little: chunks of an interrupted write (not committed) are skipped.
        result = self.store.query(vector, n=min(total, k + 10), where=filters.where())
        hits: list[Hit] = []
        for chunk_id, text, meta, distance in zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
        ):
            if committed.get(meta["doc_id"]) != meta.get("doc_hash"):
                continue
            hits.append(
                Hit(
                    rank=len(hits) + 1,
                    score=round(1.0 - float(distance), 6),
                    chunk_id=chunk_id,
                    doc_id=meta["doc_id"],
                    title=meta.get("title", ""),
                    country=meta.get("country", ""),
                    lang=meta.get("lang", ""),
                    doc_type=meta.get("doc_type", ""),
                    year=meta.get("year"),
                    page=int(meta.get("page_start", 0)),
                    page_end=int(meta.get("page_end", 0)),
                    article=meta.get("article", ""),
                    section=meta.get("section", ""),
                    text=text or "",
                    source=meta.get("source", ""),
                )
            )
            if len(hits) == k:
                break
        return hits
