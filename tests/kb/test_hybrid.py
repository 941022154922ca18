"""Hybrid search over the whole sample corpus: documents, translations, countries named, diversity."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kb.config import RetrievalConfig
from kb.embed import Embedder
from kb.search import Searcher
from kb.store import Store
from kb.translations import declared_pairs


@pytest.fixture(scope="module")
def searcher(corpus_index: tuple[Store, object], embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    config = RetrievalConfig(index_dir=tmp_path_factory.mktemp("lexical") / "index")
    return Searcher(corpus_index[0], embedder, config)


def test_documents_come_with_their_best_passages(searcher: Searcher) -> None:
    results = searcher.search_documents("Tunisian startup label and its advantages for founders", k=5)
    assert results, "en->fr/ar: the Tunisian Startup Act answers"
    assert [r.rank for r in results] == [1, 2, 3, 4, 5]
    assert all(1 <= len(r.passages) <= searcher.config.passages_per_document for r in results)
    assert all(p.doc_id == r.doc_id for r in results for p in r.passages)
    assert results[0].country == "TN"


def test_a_translation_is_shown_with_its_original_and_lifted_by_it(searcher: Searcher) -> None:
    results = searcher.search_documents("Charte de la très petite, petite et moyenne entreprise au Maroc", k=10)
    by_id = {r.doc_id: r for r in results}
    assert "ma/charte-pme.fr.pdf" in by_id, "fr: the French charter answers"
    assert by_id["ma/charte-pme.fr.pdf"].translations == ("ma/charte-pme.ar.pdf",)
    assert all(p.translations == ("ma/charte-pme.ar.pdf",) for p in by_id["ma/charte-pme.fr.pdf"].passages)
    assert "ma/charte-pme.ar.pdf" in by_id, "fr->ar: its Arabic version is lifted into the top 10"
    french, arabic = by_id["ma/charte-pme.fr.pdf"].score, by_id["ma/charte-pme.ar.pdf"].score
    assert arabic >= searcher.config.translation_lift * french - 1e-6


def test_declared_translations_are_all_linked(searcher: Searcher, corpus_index: tuple[Store, object]) -> None:
    records = {doc_id: doc.metadata for doc_id, doc in corpus_index[0].stored_documents().items()}
    pairs = declared_pairs(records)
    assert len(pairs) == 15
    links = searcher._current().translations
    assert all(second in links[first] for first, second in map(sorted, pairs))


@pytest.mark.parametrize(
    ("question", "countries"),
    [
        ("How do Morocco and Tunisia support SMEs?", {"MA", "TN"}),
        ("Quelles aides pour les PME en Jordanie ?", {"JO"}),
        ("ما هي حوافز الاستثمار في الجزائر؟", {"DZ"}),
    ],
)
def test_countries_named_in_the_question_come_first(searcher: Searcher, question: str, countries: set[str]) -> None:
    results = searcher.search_documents(question, k=3)
    assert {r.country for r in results} <= countries, f"{question!r}: {[r.doc_id for r in results]}"


def test_one_long_document_does_not_fill_the_passage_list(searcher: Searcher) -> None:
    hits = searcher.search("investment incentives, tax exemptions and investor guarantees", k=10)
    per_doc = Counter(hit.doc_id for hit in hits)
    assert len(hits) == 10 and max(per_doc.values()) <= searcher.config.passages_per_document


def test_a_caller_may_take_more_passages_of_one_document(searcher: Searcher) -> None:
    # The assistant reads more articles of a law that answers than a results page lists.
    question = "Tunisian startup label conditions, advantages and guarantee fund"
    default = Counter(hit.doc_id for hit in searcher.search(question, k=20))
    wider = Counter(hit.doc_id for hit in searcher.search(question, k=20, per_document=6))
    assert max(default.values()) <= searcher.config.passages_per_document < max(wider.values()) <= 6
    with pytest.raises(ValueError, match="per_document"):
        searcher.search(question, per_document=0)


def test_the_lexical_index_is_saved_beside_and_reused(searcher: Searcher, corpus_index: tuple[Store, object]) -> None:
    searcher.search("clusters", k=1)
    directory = searcher.config.index_dir
    assert isinstance(directory, Path) and (directory / "manifest.json").is_file()
    again = Searcher(corpus_index[0], searcher.embedder, searcher.config)
    assert again._current().index.key == searcher._current().index.key


def test_modes_differ_only_in_the_passage_signal(searcher: Searcher) -> None:
    question = "المناطق الحرة والمناطق الاقتصادية الخاصة"
    for mode in ("dense", "lexical", "hybrid"):
        results = searcher.search_documents(question, k=5, mode=mode)
        assert results, f"ar: {mode} finds documents"
        assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
