"""The same code against a real Chroma server (``chroma run`` on loopback), started by the fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.config import RetrievalConfig, StoreConfig
from kb.embed import Embedder
from kb.errors import StoreUnavailableError
from kb.search import Filters, Searcher
from kb.stats import collect_stats
from kb.store import Store
from kb.sync import ingest_paths
from tests.chroma_server import chroma_server, free_port

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma") / "data") as url:
        yield url


def test_server_mode_ingests_and_searches_like_embedded(
    server_url: str, fixture_docs: Path, embedder: Embedder, shared_index_embedded: tuple[Store, object]
) -> None:
    store = Store(StoreConfig(chroma_url=server_url, collection_prefix="servertest"))
    report = ingest_paths([fixture_docs], store, embedder)
    assert report.ok and len(report.added) == 6
    assert ingest_paths([fixture_docs], store, embedder).unchanged.__len__() == 6, "idempotent on a server too"

    embedded = Searcher(shared_index_embedded[0], embedder)
    served = Searcher(store, embedder)
    for query, filters in [
        ("customs exemptions for companies located in technology parks", Filters()),
        ("gouvernance des pôles", Filters(countries=("MA",))),
        ("المؤسسات الناشئة", Filters(langs=("ar",))),
    ]:
        a = [(h.chunk_id, h.page, h.article) for h in embedded.search(query, k=5, filters=filters)]
        b = [(h.chunk_id, h.page, h.article) for h in served.search(query, k=5, filters=filters)]
        assert a == b, f"same ranking in both modes for {query!r}"
    assert collect_stats(store) == collect_stats(shared_index_embedded[0])


def test_unreachable_server_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailableError, match=rf"cannot reach the Chroma server at {url}.*chroma run"):
        Store(StoreConfig(chroma_url=url))


def test_a_served_searcher_catches_up_with_another_writer(
    server_url: str, fixture_docs: Path, embedder: Embedder, tmp_path: Path
) -> None:
    config = StoreConfig(chroma_url=server_url, collection_prefix="catchup")
    reader = Searcher(Store(config), embedder, RetrievalConfig(index_dir=tmp_path / "lexical"))
    writer = Store(config)  # another client, as another machine's ingest would be
    ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], writer, embedder)
    # A file given by itself is named relative to its folder.
    assert {h.doc_id for h in reader.search("cotisations des entreprises membres", k=5, mode="lexical")} <= {"evaluation.en.md"}
    ingest_paths([fixture_docs / "ma" / "loi-poles.fr.pdf"], writer, embedder)
    reader.refresh()  # re-reads the commit records: the lexical index is rebuilt from the server's content
    hits = reader.search("cotisations des entreprises membres", k=1, mode="lexical")
    assert hits[0].doc_id == "loi-poles.fr.pdf"
    assert (tmp_path / "lexical" / "manifest.json").is_file()


def test_an_ingest_on_a_server_leaves_another_writers_uncommitted_chunks_alone(
    server_url: str, fixture_docs: Path, embedder: Embedder
) -> None:
    config = StoreConfig(chroma_url=server_url, collection_prefix="twowriters")
    other = Store(config)  # another process, half-way through writing a new document: chunks in, no commit yet
    vector = embedder.embed_passages(["Cluster observatory annual report"])
    other.chunks.add(
        ids=["observatory.en.md#abcdefabcdef#0000"],
        embeddings=vector,
        documents=["The cluster observatory publishes an annual report."],
        metadatas=[{"doc_id": "observatory.en.md", "doc_hash": "ab" * 32, "page_start": 1, "page_end": 1}],
    )
    report = ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], Store(config), embedder)
    assert report.ok and report.orphans_removed == 0
    assert other.get_chunks(["observatory.en.md#abcdefabcdef#0000"]), "the other writer's chunks are still there to commit"


def test_check_reads_a_server_store_and_names_a_server_that_is_down(
    server_url: str, fixture_docs: Path, embedder: Embedder
) -> None:
    from kb.health import check_store

    config = StoreConfig(chroma_url=server_url, collection_prefix="checked")
    ingest_paths([fixture_docs / "ma" / "evaluation.en.md"], Store(config), embedder)
    health = check_store(config, thorough=True)
    assert health.ok and health.documents == 1 and health.chunks, health.message()
    down = check_store(StoreConfig(chroma_url=f"http://127.0.0.1:{free_port()}", retries=0))
    assert not down.ok
    assert "cannot reach the Chroma server" in down.message() and "--repair" not in down.message(), "no repair for a server"
