"""The extractive answerer over the whole sample corpus: real model, real Chroma, real documents."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant import answer
from assistant.answerjson import answer_from_json, answer_to_json
from assistant.config import DIMENSIONS_FILE, AssistantConfig
from assistant.extractive import CitationBook
from assistant.model import Answer
from assistant.question import analyse
from assistant.views import answer_html, document_url, grid_html
from kb.search import Filters, Searcher

CONFIG = AssistantConfig()


def _check_citations(result: Answer, searcher: Searcher) -> None:
    """Every quote is word for word in the passage it cites, read back from the store."""
    stored = searcher.store.get_chunks([c.chunk_id for c in result.citations])
    for citation in result.citations:
        text, meta = stored[citation.chunk_id]
        assert meta["doc_id"] == citation.doc_id
        assert citation.passage == text
        assert " ".join(citation.quote.split()) in " ".join(text.split()), citation.quote
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))


def test_comparative_answer_covers_each_country_with_verified_quotes(corpus_searcher: Searcher) -> None:
    result = answer(corpus_searcher, "How do Morocco and Tunisia support technology parks and clusters?", CONFIG)
    assert not result.abstained
    assert result.countries == ("MA", "TN") and set(result.coverage) == {"MA", "TN"}
    assert {f.country for f in result.findings} == {c for c, v in result.coverage.items() if v == "evidence"}
    _check_citations(result, corpus_searcher)
    cited_countries = {c.country for c in result.citations}
    assert cited_countries == {"MA", "TN"}, "balanced evidence: both countries are quoted"
    cells = {(cell.country, cell.dimension) for cell in result.grid}
    assert cells == {(c, d) for c in result.countries for d in result.dimensions}, "a full grid"
    for cell in result.grid:
        if cell.citations:
            quote = result.citations[cell.citations[0] - 1].quote
            assert quote.startswith(cell.finding.removesuffix(" …")), "a cell shows the start of its cited quote"
    assert "## Answer" in result.markdown and "### Sources" in result.markdown and "| Country |" in result.markdown


def test_a_country_without_evidence_is_reported_not_filled(corpus_searcher: Searcher) -> None:
    # The corpus holds no Libyan text: asked for Morocco and Libya, the answer says so for Libya.
    question = "How are clusters funded and governed?"
    result = answer(corpus_searcher, question, CONFIG, filters=Filters(countries=("MA", "LY")))
    assert result.coverage == {"MA": "evidence", "LY": "no_evidence"}
    assert all(not cell.citations and not cell.finding for cell in result.grid if cell.country == "LY")
    assert any(cell.citations for cell in result.grid if cell.country == "MA")
    assert "The documents held say nothing on this point for: LY." in result.markdown
    assert "| LY | *no evidence* |" in result.markdown


def test_regional_question_gathers_evidence_country_by_country(corpus_searcher: Searcher) -> None:
    result = answer(corpus_searcher, "Which countries of the region give tax incentives to investors?", CONFIG)
    assert len(result.countries) == 7 and set(result.coverage) == set(result.countries)
    assert len({c.country for c in result.citations}) >= 4, "evidence from many countries, not ten passages from one"
    _check_citations(result, corpus_searcher)


def test_unanswerable_question_abstains_and_shows_closest_documents(corpus_searcher: Searcher) -> None:
    result = answer(corpus_searcher, "What is the recipe for couscous with seven vegetables in Morocco?", CONFIG)
    assert result.abstained and not result.citations and not result.grid
    assert result.closest and all(doc.country == "MA" for doc in result.closest)
    assert "no answer" in result.markdown
    shown = answer_html(result, "en")
    for doc in result.closest:  # every document an answer names is a link to its original
        assert f'href="{document_url(doc.doc_id)}"' in shown, doc.doc_id


def test_answer_framing_follows_the_question_language(corpus_searcher: Searcher) -> None:
    arabic = answer(corpus_searcher, "ما هي الحوافز الجبائية للاستثمار في تونس؟", CONFIG)
    assert arabic.language == "ar" and arabic.markdown.startswith("## الإجابة")
    french = answer(corpus_searcher, "Quelles incitations fiscales la loi tunisienne accorde-t-elle aux investisseurs ?", CONFIG)
    assert french.language == "fr" and french.markdown.startswith("## Réponse")
    _check_citations(french, corpus_searcher)


def test_the_translation_in_the_question_language_is_quoted(corpus_searcher: Searcher) -> None:
    # The Tunisian investment law is held in French and Arabic: a French question quotes French.
    result = answer(corpus_searcher, "Quel est le rôle du Fonds tunisien de l'investissement ?", CONFIG)
    tunisian = [c for c in result.citations if c.doc_id.startswith("tn/loi-investissement")]
    assert tunisian, "the investment law answers"
    assert all(c.lang == "fr" for c in tunisian), "fr: the French version is quoted"
    assert any("tn/loi-investissement.ar.pdf" in c.other_versions for c in tunisian), "the Arabic version is named"


def test_a_follow_up_answers_for_the_new_country(corpus_searcher: Searcher) -> None:
    first = analyse("How does Morocco fund its industrial clusters?")
    result = answer(corpus_searcher, "and Jordan?", CONFIG, history=[first.turn()])
    assert result.countries == ("JO",)
    assert all(c.country == "JO" for c in result.citations)


def test_a_country_filter_sets_the_countries(corpus_searcher: Searcher) -> None:
    result = answer(corpus_searcher, "start-up label conditions", CONFIG, filters=Filters(countries=("DZ",)))
    assert result.countries == ("DZ",) and all(c.country == "DZ" for c in result.citations)


def test_a_quote_that_is_not_verbatim_is_dropped(corpus_searcher: Searcher) -> None:
    hit = corpus_searcher.search("Fonds tunisien de l'investissement", k=1)[0]
    book = CitationBook()
    words = hit.text.split()
    assert book.cite(hit, " ".join(words[2:9])) == 1
    assert book.cite(hit, " ".join(words[2:9]).upper() + " invented") is None
    assert book.checked == 2 and len(book.dropped) == 1 and len(book.citations) == 1


def test_json_shape_is_the_documented_one(corpus_searcher: Searcher) -> None:
    data = answer(corpus_searcher, "Quelles aides pour les clusters au Maroc ?", CONFIG).as_json()
    for key in ("answer", "language", "countries", "coverage", "grid", "citations", "abstained"):
        assert key in data, key
    assert set(data["coverage"].values()) <= {"evidence", "no_evidence"}
    for cell in data["grid"]:
        assert set(cell) == {"country", "dimension", "finding", "citations"}
    for citation in data["citations"]:
        for key in (
            "n",
            "doc_id",
            "title",
            "country",
            "lang",
            "doc_type",
            "year",
            "page",
            "article",
            "quote",
            "passage",
            "source",
        ):
            assert key in citation, key


def test_an_empty_question_is_refused(corpus_searcher: Searcher) -> None:
    with pytest.raises(ValueError, match="empty"):
        answer(corpus_searcher, "   ", CONFIG)


def test_the_period_asked_about_is_stated(corpus_searcher: Searcher) -> None:
    result = answer(corpus_searcher, "Quelles mesures la Tunisie a-t-elle prises pour les start-up depuis 2018 ?", CONFIG)
    assert result.period == (2018, None) and result.as_json()["period"] == [2018, None]
    assert "Période visée : dès 2018" in result.markdown, "fr: the framing states the period"


ASKED_IN_THREE_LANGUAGES = [
    "Quelles incitations la loi marocaine accorde-t-elle aux investisseurs ?",
    "ما هي شروط الاستفادة من علامة المؤسسة الناشئة في تونس؟",
    "How do Egypt and Jordan support small and medium enterprises?",
    "Comment la Tunisie finance-t-elle l'investissement dans les régions ?",
]


def test_every_quote_comes_from_the_askers_version_and_never_from_front_matter(corpus_searcher: Searcher) -> None:
    langs = {doc_id: str(doc.metadata["lang"]) for doc_id, doc in corpus_searcher.store.stored_documents().items()}
    for question in ASKED_IN_THREE_LANGUAGES:
        result = answer(corpus_searcher, question, CONFIG)
        assert result.citations, question
        for c in result.citations:
            if any(langs.get(v) == result.language for v in c.other_versions):
                assert c.lang == result.language, f"{question}: {c.doc_id} quoted although its {result.language} version is held"
        front = corpus_searcher.store.get_chunks([c.chunk_id for c in result.citations])
        assert not any(meta.get("lead") for _, meta in front.values()), f"{question}: a document's front matter was quoted"


def test_the_answer_opens_with_one_line_per_country(corpus_searcher: Searcher) -> None:
    result = answer(corpus_searcher, "How are clusters funded and governed?", CONFIG, filters=Filters(countries=("MA", "LY")))
    short = result.markdown.split("### In short", 1)[1].split("###", 1)[0]
    lines = [line for line in short.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and lines[0].startswith("- **Morocco**: «") and "[1]" in lines[0]
    assert lines[1] == "- **LY**: nothing on this point in the documents held."


def test_a_question_naming_no_place_is_answered_for_the_places_whose_texts_match_it(corpus_searcher: Searcher) -> None:
    # COSME is an EU programme: the next-best texts of other countries share its vocabulary only.
    result = answer(corpus_searcher, "What is the COSME programme and how large is its budget?", CONFIG)
    assert result.countries == ("EU",) and result.coverage == {"EU": "evidence"}
    assert all(c.country == "EU" for c in result.citations)
    assert any(c.doc_id.startswith("eu/cosme") for c in result.citations)


def test_a_regional_question_about_an_eu_text_is_answered_from_it_and_not_filled_for_every_country(
    corpus_searcher: Searcher,
) -> None:
    question = "Which principles does the Euro-Mediterranean Charter for Enterprise set for the partner countries?"
    result = answer(corpus_searcher, question, CONFIG)
    assert "EU" in result.countries and result.coverage["EU"] == "evidence", "the Charter is the EU's text"
    assert any(c.doc_id.startswith("eu/euro-mediterranean-charter") for c in result.citations)
    lacking = {c for c, v in result.coverage.items() if v == "no_evidence"}
    assert len(lacking) >= 3, "partner countries whose texts only share the vocabulary are 'nothing on this point'"
    assert not any(f.country in lacking for f in result.findings) and not any(c.country in lacking for c in result.citations)
    assert all(not cell.citations for cell in result.grid if cell.country in lacking)
    assert {d.country for d in result.closest} == lacking, "each is linked to its closest documents, to check by hand"
    assert "Closest documents: **" in result.markdown and "say nothing on this point for:" in result.markdown
    _check_citations(result, corpus_searcher)


def test_a_configured_lexicon_names_the_grid_columns_everywhere(corpus_searcher: Searcher, tmp_path: Path) -> None:
    """POLICYKB_DIMENSIONS is one setting: the lexicon it names finds the question's dimensions and
    names the grid's columns, in the Markdown, the page and a saved answer alike."""
    bundled = DIMENSIONS_FILE.read_text(encoding="utf-8")
    custom = tmp_path / "dimensions.tsv"
    renamed = bundled.replace("funding\ten\tlabel\tFunding and incentives", "funding\ten\tlabel\tMoney on the table")
    custom.write_text(renamed, encoding="utf-8")
    config = replace(CONFIG, dimensions_path=custom)
    result = answer(corpus_searcher, "How do Morocco and Tunisia fund cluster governance bodies?", config)
    assert "funding" in result.dimensions
    assert "Money on the table" in result.markdown and "Money on the table" in grid_html(result, "en")
    assert answer_from_json(answer_to_json(result)).labels == result.labels
    default = answer(corpus_searcher, "How do Morocco and Tunisia fund cluster governance bodies?", CONFIG)
    assert "Funding and incentives" in default.markdown and "Money on the table" not in default.markdown
