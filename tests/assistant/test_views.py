"""The HTML views of real answers: document text escaped, direction per element, no-evidence cells."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest

from assistant import answer
from assistant.model import Answer
from assistant.views import answer_html, citation_choices, document_url, grid_html, passage_html, text_direction
from kb.search import Filters, Searcher

INJECTED = 'Le pôle <script>alert("x")</script> publie <img src=x onerror=alert(1)> son rapport.'


@pytest.fixture(scope="module")
def comparative(corpus_searcher: Searcher) -> Answer:
    # Libya is outside the corpus: named in the filter, it gets a row without evidence.
    return answer(corpus_searcher, "How are cluster governance bodies funded?", filters=Filters(countries=("MA", "LY")))


def test_document_markup_is_escaped_everywhere(comparative: Answer) -> None:
    assert comparative.citations, "precondition: Morocco's evidence is quoted"
    first = comparative.citations[0]
    hostile = replace(first, quote=INJECTED, passage=f"Avant. {INJECTED} Après.", title="<b>Titre</b>")
    changed = replace(comparative, citations=(hostile, *comparative.citations[1:]))
    for view in (answer_html(changed), passage_html(hostile, "en")):
        assert "<script>" not in view and "<img" not in view and "<b>Titre" not in view
    shown = passage_html(hostile, "en")
    assert f"<mark>{html.escape(INJECTED)}</mark>" in shown, "the quote is highlighted, escaped, inside its passage"
    assert "&lt;script&gt;" in answer_html(changed)


def test_grid_has_a_written_no_evidence_cell_for_a_country_without_evidence(comparative: Answer) -> None:
    assert comparative.coverage.get("LY") == "no_evidence", "precondition: the corpus holds nothing on Libya"
    grid = grid_html(comparative, "fr")
    assert grid.count("<tr>") == len(comparative.countries) + 1
    assert 'class="pkb-no-evidence">aucun élément<' in grid
    assert ">Pays<" in grid, "headers follow the interface language"


def test_arabic_is_right_to_left_in_any_interface(corpus_searcher: Searcher) -> None:
    arabic = answer(corpus_searcher, "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟")
    shown = answer_html(arabic)
    assert shown.startswith('<div class="pkb-answer" dir="rtl" lang="ar">')
    arabic_quotes = [c for c in arabic.citations if c.lang == "ar"]
    assert arabic_quotes and 'dir="rtl"' in passage_html(arabic_quotes[0], "en")
    assert text_direction("المادة 3 من القانون") == "rtl" and text_direction("Article 3 « القانون »") == "ltr"


def test_sources_are_listed_by_number_with_a_link_to_the_page(comparative: Answer) -> None:
    choices = citation_choices(comparative, "en")
    assert [value for _, value in choices] == [str(c.n) for c in comparative.citations]
    first = comparative.citations[0]
    assert f'href="{document_url(first.doc_id, first.page)}"' in passage_html(first, "en")
    assert document_url("ma/loi 2023.pdf", 4) == "/document/ma/loi%202023.pdf#page=4"


def test_each_answer_carries_its_cited_passages_for_the_viewer_escaped(comparative: Answer) -> None:
    first = comparative.citations[0]
    hostile = replace(first, quote=INJECTED, passage=f"Avant.\n\n{INJECTED} Après.", title="<b>Titre</b>")
    shown = answer_html(replace(comparative, citations=(hostile, *comparative.citations[1:])), "fr")
    cited = shown[shown.index('<div class="pkb-cited"') :]
    assert f"<mark>{html.escape(INJECTED)}</mark>" in cited, "the quote is highlighted in the carried passage"
    assert "<script>" not in cited and "<img" not in cited and "<b>Titre" not in cited
    assert all(f'class="pkb-source pkb-src-{c.n}"' in cited for c in comparative.citations), "one per citation"
    assert 'id="pkb-source-' not in shown, "only the sources panel holds the ids citation links point at"
    assert "\n" not in shown, "one line: a blank line would end the chat's HTML block"
    assert "Fermer" in cited and ">Pays<" in cited, "the viewer speaks the interface language"
    assert f'title="Source {first.n}: &lt;b&gt;Titre&lt;/b&gt;, ' in shown, "each number is named by its source"
