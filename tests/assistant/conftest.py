"""One searcher over the whole sample corpus (the session's corpus index), for the answer tests."""

from __future__ import annotations

import pytest

from kb.embed import Embedder
from kb.search import Searcher
from kb.store import Store
from kb.sync import IngestReport


@pytest.fixture(scope="session")
def corpus_searcher(corpus_index: tuple[Store, IngestReport], embedder: Embedder) -> Searcher:
    return Searcher(corpus_index[0], embedder)
