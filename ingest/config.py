"""Configuration of ingestion as a whole: parsing limits, chunking and loading (OCR). Built at the edge."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.chunk import ChunkConfig
from ingest.load import LoadOptions
from ingest.sandbox import ParseLimits


@dataclass(frozen=True)
class IngestConfig:
    parse: ParseLimits = ParseLimits()
    chunk: ChunkConfig = ChunkConfig()
    load: LoadOptions = LoadOptions()  # OCR settings
