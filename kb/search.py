"""Search the knowledge base: hybrid dense + lexical retrieval, rolled up to documents.

A query is embedded once (dense, Chroma) and analysed once per language (BM25, the derived
lexical index); the two are normalised per language group and fused (kb/fusion.py). Passage
scores roll up to documents (best passage), documents named in the question get a boost,
translations lift each other, and results are grouped by document with their best passages.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from kb import fusion
from kb.candidates import dense_candidates, fuse, lexical_candidates
from kb.config import Mode, RetrievalConfig
from kb.embed import Embedder
from kb.errors import InvalidValue
from kb.glossary import Glossary, glossary_at
from kb.lexical import LexicalIndex, ensure_lexical_index, fingerprint
from kb.query import QueryIntent, clean_query, has_words, understand
from kb.store import Store
from kb.timing import StageTimes
from kb.translations import load_or_find_translations


@dataclass(frozen=True)
class Filters:
    countries: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()  # document language
    doc_types: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    doc_ids: tuple[str, ...] = ()  # only these documents (the assistant reads a cited text's translation)

    def where(self) -> dict[str, Any] | None:
        """The Chroma ``where`` clause for these filters (None when there are none)."""
        clauses: list[dict[str, Any]] = []
        for key, values in (
            ("country", self.countries),
            ("doc_lang", self.langs),
            ("doc_type", self.doc_types),
            ("doc_id", self.doc_ids),
        ):
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
            and (not self.doc_ids or meta.get("doc_id") in self.doc_ids)
            and (self.year_min is None or (year is not None and year >= self.year_min))
            and (self.year_max is None or (year is not None and year <= self.year_max))
        )

    @property
    def active(self) -> bool:
        return self.where() is not None


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float  # fused score (the cosine similarity in dense mode)
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
    translations: tuple[str, ...] = ()  # ids of the document's other-language versions in the store
    # Raw cosine similarity of question and passage (None when the dense side did not propose it):
    # unlike ``score``, comparable across questions, so callers can judge absolute relevance.
    similarity: float | None = None
    ocr: bool = False  # the passage was read by OCR from a scanned page: quote it as such
    lead: bool = False  # the document's front matter (notice, self-description): never quoted as evidence

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DocHit:
    """A document with its best passages; ``translations`` are its other-language versions in the store."""

    rank: int
    score: float
    doc_id: str
    title: str
    country: str
    lang: str
    doc_type: str
    year: int | None
    passages: tuple[Hit, ...]
    translations: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _State:
    """What a Searcher derives from the store; replaced whole on refresh, so queries see one version."""

    records: dict[str, dict[str, Any]]
    index: LexicalIndex
    translations: dict[str, tuple[str, ...]]
    revision: str = ""  # the store's revision when the records were read (Store.revision)
    masks: dict[Filters, np.ndarray] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.index)


@dataclass(frozen=True)
class _Ranking:
    """One query's scores: fused per passage, boosted per document, and the raw scores for ties."""

    state: _State
    passages: dict[int, float]
    documents: dict[str, float]
    tiebreak: dict[int, float]  # raw dense similarity (raw BM25 in lexical mode)
    dense: dict[int, float] = field(default_factory=dict)  # raw cosine similarities

    def name(self, position: int) -> str:
        """A passage's chunk id: the last tie-break, the same in every store of the same documents."""
        return str(self.state.index.chunk_ids[position])

    def document_tiebreak(self) -> dict[str, float]:
        best: dict[str, float] = {}
        for position, score in self.tiebreak.items():
            doc_id = self.state.index.doc_ids[position]
            best[doc_id] = max(best.get(doc_id, float("-inf")), score)
        return best


class Searcher:
    """Hybrid search over the store. Built once per process; queries are cheap.

    The lexical index is loaded from ``config.index_dir`` when it matches the store, else rebuilt
    from Chroma (and saved there). Commits by other processes (another app worker on the same
    Chroma server, a ``policykb ingest``) are noticed through the store's revision, read at most
    every ``config.freshness_s``; :meth:`refresh` catches up at once.

    ``stages`` adds up where searches spend their time: embed_query, chroma_nearest, bm25,
    chroma_get_passages, and the start-up stages lexical_index and translations (``policykb bench``).
    """

    def __init__(
        self, store: Store, embedder: Embedder, config: RetrievalConfig = RetrievalConfig(), stages: StageTimes | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.config = config
        self.stages = stages if stages is not None else StageTimes()
        self._state: _State | None = None
        self._checked_at = 0.0
        self._loading = threading.Lock()  # one rebuild at a time; the app searches from several threads

    @property
    def glossary(self) -> Glossary:
        """The glossary the lexical side expands queries with (``config.glossary_path``), read once per process."""
        return glossary_at(self.config.glossary_path)

    # --- derived state ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the commit records; reload or rebuild the lexical index if the store changed."""
        with self._loading:
            self._state = self._load_state(self._state)

    def _current(self) -> _State:
        state = self._state
        if state is not None and time.monotonic() - self._checked_at < self.config.freshness_s:
            return state
        with self._loading:
            if self._state is None or self.store.revision() != self._state.revision:
                self._state = self._load_state(self._state)
            self._checked_at = time.monotonic()
            return self._state

    def _load_state(self, previous: _State | None) -> _State:
        revision = self.store.revision()  # read first: a commit during the reading below is seen next time
        records = {doc_id: doc.metadata for doc_id, doc in self.store.stored_documents().items()}
        key = fingerprint({doc_id: str(meta.get("content_hash", "")) for doc_id, meta in records.items()})
        if previous is not None and previous.index.key == key:
            return _State(records, previous.index, previous.translations, revision)
        with self.stages.stage("lexical_index"):
            index = ensure_lexical_index(self.store, self.config.index_dir, key, records, previous.index if previous else None)
        with self.stages.stage("translations"):
            translations = load_or_find_translations(records, self.store, index, self.config.index_dir)
        return _State(records, index, translations, revision)

    def _mask(self, state: _State, filters: Filters) -> np.ndarray | None:
        if not filters.active:
            return None
        if filters not in state.masks:
            keep = {doc_id for doc_id, meta in state.records.items() if filters.matches({**meta, "doc_lang": meta.get("lang")})}
            state.masks[filters] = np.fromiter((doc_id in keep for doc_id in state.index.doc_ids), dtype=bool, count=state.total)
        return state.masks[filters]

    # --- documents ---------------------------------------------------------------------------
    def _score_documents(self, state: _State, passages: dict[int, float], intent: QueryIntent) -> dict[str, float]:
        doc_ids = state.index.doc_ids
        scores: dict[str, float] = {}
        for position, score in passages.items():
            doc_id = doc_ids[position]
            if score > scores.get(doc_id, float("-inf")):
                scores[doc_id] = score  # a document is as relevant as its best passage
        lift = self.config.translation_lift
        lifted = dict(scores)
        for doc_id, score in scores.items():
            for other in state.translations.get(doc_id, ()):
                lifted[other] = max(lifted.get(other, float("-inf")), lift * score)
        named = set(intent.all_countries)
        for doc_id in lifted:
            meta = state.records.get(doc_id, {})
            if meta.get("country") in named:
                lifted[doc_id] += self.config.country_boost
            if _year_named(meta.get("year"), intent):
                lifted[doc_id] += self.config.year_boost
        return lifted

    def _rank(self, query: str, filters: Filters, mode: Mode | None) -> _Ranking:
        state = self._current()
        mode = mode or self.config.mode
        query = clean_query(query)  # bounded, and nothing an encoder or a reader would trip on
        if state.total == 0 or not has_words(query):
            return _Ranking(state, {}, {}, {})
        intent = understand(query)
        mask = self._mask(state, filters)
        if mask is not None and not mask.any():
            return _Ranking(state, {}, {}, {})
        index, config = state.index, self.config
        dense: dict[int, float] = {}
        if mode != "lexical":
            vector = self._embed_query(query)
            with self.stages.stage("chroma_nearest"):
                dense = dense_candidates(self.store, index, vector, filters.where(), mask, config.dense_candidates)
        glossary = self.glossary if config.glossary else None
        lexical: dict[int, float] = {}
        if mode != "dense":
            with self.stages.stage("bm25"):
                lexical = lexical_candidates(index, query, intent.lang, mask, mode, config, glossary)
        passages = fuse(index, dense, lexical, intent.lang, mode, config)
        tiebreak = dense or lexical
        return _Ranking(state, passages, self._score_documents(state, passages, intent), tiebreak, dense)

    def _embed_query(self, query: str) -> np.ndarray:
        with self.stages.stage("embed_query"):
            return self.embedder.embed_query(query)

    def term_weights(self, text: str, lang: str) -> dict[str, float]:
        """Analysed terms of ``text`` in ``lang`` with their BM25 inverse document frequency in the
        store: how much finding each term in a passage says about it."""
        from kb.analysis import analyze

        return self._current().index.idf(analyze(text, lang), lang)

    def search_documents(self, query: str, k: int = 10, filters: Filters = Filters(), mode: Mode | None = None) -> list[DocHit]:
        """The ``k`` best documents, each with its best passages (at most ``passages_per_document``); the
        query is read as in :meth:`search`."""
        if k < 1:
            raise InvalidValue("k must be at least 1")
        ranking = self._rank(query, filters, mode)
        state, passages, documents = ranking.state, ranking.passages, ranking.documents
        top_docs = fusion.ranked(documents, ranking.document_tiebreak())[:k]
        per_doc: dict[str, list[int]] = {doc_id: [] for doc_id in top_docs}
        for position in fusion.ranked(passages, ranking.tiebreak, ranking.name):
            best = per_doc.get(state.index.doc_ids[position])
            if best is not None and len(best) < self.config.passages_per_document:
                best.append(position)
        hits = self._hits(state, [p for doc_id in top_docs for p in per_doc[doc_id]], passages, ranking.dense)
        by_doc: dict[str, list[Hit]] = {doc_id: [] for doc_id in top_docs}
        for hit in hits:
            by_doc[hit.doc_id].append(hit)
        results: list[DocHit] = []
        for doc_id in top_docs:
            meta = state.records.get(doc_id, {})
            results.append(
                DocHit(
                    rank=len(results) + 1,
                    score=round(documents[doc_id], 6),
                    doc_id=doc_id,
                    title=str(meta.get("title", "")),
                    country=str(meta.get("country", "")),
                    lang=str(meta.get("lang", "")),
                    doc_type=str(meta.get("doc_type", "")),
                    year=meta.get("year"),
                    passages=tuple(by_doc[doc_id]),
                    translations=state.translations.get(doc_id, ()),
                )
            )
        return results

    def search(
        self, query: str, k: int = 10, filters: Filters = Filters(), mode: Mode | None = None, per_document: int | None = None
    ) -> list[Hit]:
        """The ``k`` best passages, at most ``per_document`` (default ``passages_per_document``) from any one document.

        The query is read as :func:`kb.query.clean_query` reads it: its first 2,000 characters, control
        and bidi-override characters dropped. A query without a letter or digit finds nothing.
        """
        if k < 1:
            raise InvalidValue("k must be at least 1")
        cap = self.config.passages_per_document if per_document is None else per_document
        if cap < 1:
            raise InvalidValue("per_document must be at least 1")
        ranking = self._rank(query, filters, mode)
        state, passages, documents = ranking.state, ranking.passages, ranking.documents
        doc_ids = state.index.doc_ids
        best: dict[str, float] = {}
        for position, score in passages.items():
            best[doc_ids[position]] = max(best.get(doc_ids[position], float("-inf")), score)
        # A passage inherits its document's boosts (country named, translation found), so that the
        # passage order agrees with the document order.
        adjusted = {p: s + documents[doc_ids[p]] - best[doc_ids[p]] for p, s in passages.items()}
        chosen: list[int] = []
        taken: dict[str, int] = {}
        for position in fusion.ranked(adjusted, ranking.tiebreak, ranking.name):
            doc_id = doc_ids[position]
            if taken.get(doc_id, 0) < cap:
                chosen.append(position)
                taken[doc_id] = taken.get(doc_id, 0) + 1
                if len(chosen) == k:
                    break
        return [replace(hit, rank=i + 1) for i, hit in enumerate(self._hits(state, chosen, passages, ranking.dense))]

    def _hits(self, state: _State, positions: list[int], scores: dict[int, float], dense: dict[int, float]) -> list[Hit]:
        ids = [state.index.chunk_ids[p] for p in positions]
        with self.stages.stage("chroma_get_passages"):
            stored = self.store.get_chunks(ids)
        hits: list[Hit] = []
        for position, chunk_id in zip(positions, ids, strict=True):
            if chunk_id not in stored:
                continue  # deleted since the index was built: refresh() catches up
            text, meta = stored[chunk_id]
            hits.append(
                Hit(
                    rank=len(hits) + 1,
                    score=round(scores[position], 6),
                    chunk_id=chunk_id,
                    doc_id=str(meta["doc_id"]),
                    title=str(meta.get("title", "")),
                    country=str(meta.get("country", "")),
                    lang=str(meta.get("lang", "")),
                    doc_type=str(meta.get("doc_type", "")),
                    year=meta.get("year"),
                    page=int(meta.get("page_start", 0)),
                    page_end=int(meta.get("page_end", 0)),
                    article=str(meta.get("article", "")),
                    section=str(meta.get("section", "")),
                    text=text,
                    source=str(meta.get("source", "")),
                    translations=state.translations.get(str(meta["doc_id"]), ()),
                    similarity=round(dense[position], 6) if position in dense else None,
                    ocr=bool(meta.get("ocr", False)),
                    lead=bool(meta.get("lead", False)),
                )
            )
        return hits


def _year_named(year: Any, intent: QueryIntent) -> bool:
    """Whether a document's year is one the question names or falls in the span it asks about."""
    if not isinstance(year, int):
        return False
    if intent.year_min is not None or intent.year_max is not None:
        return (intent.year_min or year) <= year <= (intent.year_max or year)
    return year in intent.years
