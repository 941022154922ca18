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

    def matches(self, meta: dict[str, Any]) -> bool:
        """The same predicate as :meth:`where`, evaluated in Python on a chunk's metadata."""
        year = meta.get("year")
        return (
            (not self.countries or meta.get("country") in self.countries)
            and (not self.langs or meta.get("doc_lang") in self.langs)
            and (not self.doc_types or meta.get("doc_type") in self.doc_types)
            and (self.year_min is None or (year is not None and year >= self.year_min))
            and (self.year_max is None or (year is not None and year <= self.year_max))
        )

    @property
    def active(self) -> bool:
        return self.where() is not None


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


# Chroma's ``where`` filter cost grows with the number of rows it matches (measured at 20k chunks:
# 2.4 ms unfiltered, 18 ms at 12 %, 46 ms at 88 %: about 3.3 ms per 1,000 matching rows), while an
# unfiltered query grows with the number of results fetched (about 3.5 ms per 100). So a filter is
# applied in Python to an over-fetched unfiltered result when fetching that many results costs less
# than letting Chroma filter the matching rows; otherwise it goes to Chroma. See BENCHMARKS.md.
RESULT_COST_IN_ROWS = 10
OVERFETCH_FACTOR = 1.5


class Searcher:
    """Dense search over the store. Built once per process; queries are cheap."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._documents: dict[str, dict[str, Any]] | None = None
        self._shares: dict[Filters, float] = {}

    def refresh(self) -> None:
        """Forget the cached document records (after an ingest by this or another process)."""
        self._documents = None
        self._shares = {}

    def _document_records(self) -> dict[str, dict[str, Any]]:
        if self._documents is None:
            self._documents = {doc_id: doc.metadata for doc_id, doc in self.store.stored_documents().items()}
        return self._documents

    def _committed_chunks(self) -> int:
        """Chunks the commit records vouch for; counted from the cached records, not asked of Chroma per query."""
        return sum(int(meta.get("chunks", 0)) for meta in self._document_records().values())

    def filter_share(self, filters: Filters) -> float:
        """Share of committed chunks that ``filters`` keeps, from the per-document records."""
        if filters not in self._shares:
            docs = self._document_records().values()
            total = sum(int(meta.get("chunks", 0)) for meta in docs)
            kept = sum(int(meta.get("chunks", 0)) for meta in docs if filters.matches({**meta, "doc_lang": meta.get("lang")}))
            self._shares[filters] = kept / total if total else 0.0
        return self._shares[filters]

    def _candidates(self, vector: Any, k: int, total: int, filters: Filters) -> list[tuple[str, str, dict[str, Any], float]]:
        # A little slack: chunks of an interrupted write are skipped. Chroma returns fewer results
        # than asked when it holds fewer, so ``n`` is never capped below the slack.
        wanted = k + 10
        if not filters.active:
            return self._query(vector, wanted, None)
        share = self.filter_share(filters)
        if share == 0.0:
            return []
        n = min(total + 10, int(wanted / share * OVERFETCH_FACTOR) + 1)
        if RESULT_COST_IN_ROWS * n <= share * total:
            fetched = self._query(vector, n, None)
            rows = [row for row in fetched if filters.matches(row[2])]
            if len(rows) >= wanted or len(fetched) < n:  # enough, or everything was fetched
                return rows
        return self._query(vector, wanted, filters.where())

    def _query(self, vector: Any, n: int, where: dict[str, Any] | None) -> list[tuple[str, str, dict[str, Any], float]]:
        result = self.store.query(vector, n=n, where=where)
        return list(zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True))

    def search(self, query: str, k: int = 10, filters: Filters = Filters()) -> list[Hit]:
        if k < 1:
            raise ValueError("k must be at least 1")
        total = self._committed_chunks()
        if total == 0 or not query.strip():
            return []
        vector = self.embedder.embed_query(query)
        documents = self._document_records()
        hits: list[Hit] = []
        for chunk_id, text, meta, distance in self._candidates(vector, k, total, filters):
            if documents.get(meta["doc_id"], {}).get("content_hash") != meta.get("doc_hash"):
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
