"""What every search measurement asks: the queries, the filter cases, and a warm searcher."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.config import EmbedConfig, RetrievalConfig, StoreConfig
from kb.store import Store
from kb.timing import StageTimes

if TYPE_CHECKING:
    from kb.search import Searcher

COUNTRIES = ("DZ", "EG", "JO", "LB", "MA", "PS", "TN", "EU")


QUERIES = (
    "How do Morocco and Tunisia fund cluster governance bodies?",
    "incitations fiscales pour les start-up",
    "حوافز الاستثمار في المناطق التكنولوجية",
    "SME definition and eligibility criteria",
    "technology park management authority",
    "دعم المؤسسات الصغيرة والمتوسطة",
    "programme de mise à niveau des entreprises exportatrices",
    "export credit guarantee fund for small enterprises",
    "قانون الاستثمار وصندوق ضمان القروض",
)


ROUNDS = 10  # timed passes over QUERIES per filter case


INGEST_CACHE = "empty-cache.sqlite"  # the ingest bench's embedding cache, empty when it starts


def lexical_dir(store_path: Path) -> Path:
    """Where the lexical index of an embedded store lives (as policykb.settings.index_dir says)."""
    return store_path / f"{StoreConfig().collection_prefix}_lexical"


def search_cases() -> dict[str, Any]:
    from kb.search import Filters

    return {"": Filters(), "filtered_": Filters(countries=("MA",)), "broad_filter_": Filters(countries=COUNTRIES[:7])}


def warm_searcher(store: StoreConfig, index_dir: Path, embed: EmbedConfig, stages: StageTimes | None = None) -> Searcher:
    """A searcher over ``store`` whose model is loaded; ``stages`` hears where its searches spend their time."""
    from kb.embed import Embedder
    from kb.search import Searcher

    embedder = Embedder(replace(embed, cache_path=None))  # queries are never cached
    embedder.embed_query("warm up")  # the model load is start-up, not the first query
    return Searcher(Store(store), embedder, RetrievalConfig(index_dir=index_dir), stages)
