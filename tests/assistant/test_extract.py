"""Choosing sentences: read for meaning with the real embedder, spread over passages, figures when asked."""

from __future__ import annotations

from dataclasses import replace

from assistant.config import AssistantConfig
from assistant.extract import FINDINGS_PER_PASSAGE, MEANING_WEIGHT, Candidate, by_meaning, select
from assistant.extractive import answering
from assistant.question import analyse
from assistant.relevance import QuestionTerms
from ingest.sentences import Sentence
from kb.embed import Embedder
from kb.glossary import default_glossary
from kb.search import Hit

WITH = (default_glossary(), AssistantConfig())  # the bundled glossary and the shipped relevance weights


def _hit(chunk_id: str, text: str, lang: str = "en") -> Hit:
    return Hit(
        rank=1, score=1.0, chunk_id=chunk_id, doc_id=chunk_id.split("#")[0], title="A law", country="TN", lang=lang,
        doc_type="law", year=2019, page=1, page_end=1, article="Article 3", section="", text=text, source="law.pdf",
    )  # fmt: skip


def _candidate(hit: Hit, text: str, score: float, index: int = 0, relevance: float = 0.9) -> Candidate:
    return Candidate(hit, Sentence(text, index, ""), relevance, frozenset(), frozenset(text.lower().split()), score)


def test_of_two_equally_scored_sentences_the_one_that_says_what_is_asked_goes_first(embedder: Embedder) -> None:
    answer_ = "The fund is managed by the National Investment Authority, which signs each guarantee."
    other = "This law was published in the Official Gazette and enters into force on that day."
    hit = _hit("law#1", f"{other} {answer_}")
    found = [_candidate(hit, other, 0.95, 0), _candidate(hit, answer_, 0.95, 1)]
    question = embedder.embed_query("Who manages the guarantee fund?")
    read = by_meaning(found, question, embedder.embed_passages, floor=0.8)
    assert [c.sentence.text for c in read] == [answer_, other]
    assert all(c.meaning is not None for c in read)
    assert read[0].meaning is not None and read[0].score == 0.95 + MEANING_WEIGHT * read[0].meaning


def test_meaning_is_read_across_languages(embedder: Embedder) -> None:
    # An English question, French sentences: the one on the commission charged goes first.
    cost = "Kafalat perçoit une commission annuelle de 2 % du montant garanti."
    seat = "La société a son siège à Beyrouth et ses statuts sont déposés au registre du commerce."
    hit = _hit("kafalat#2", f"{seat} {cost}", lang="fr")
    found = [_candidate(hit, seat, 0.95, 0), _candidate(hit, cost, 0.95, 1)]
    read = by_meaning(
        found, embedder.embed_query("What fee does the borrower pay for the guarantee?"), embedder.embed_passages, 0.8
    )
    assert read[0].sentence.text == cost


def test_only_the_head_above_the_floor_is_read_and_it_stays_ahead(embedder: Embedder) -> None:
    hit = _hit("law#3", "One. Two. Three. Four.")
    found = [
        _candidate(hit, "The first sentence of the article.", 0.99, 0),
        _candidate(hit, "The second sentence of the article.", 0.98, 1),
        _candidate(hit, "The third sentence of the article.", 0.97, 2),
        _candidate(hit, "A sentence of a passage below the floor.", 0.96, 3, relevance=0.5),
    ]
    read = by_meaning(found, embedder.embed_query("What does the article say?"), embedder.embed_passages, floor=0.8, head=2)
    assert [c.meaning is not None for c in read] == [True, True, False, False]
    assert {c.sentence.index for c in read[:2]} == {0, 1}
    assert [c.sentence.index for c in read[2:]] == [2, 3], "the rest keep their order after the head"
    assert by_meaning([], embedder.embed_query("x"), embedder.embed_passages, 0.8) == []


def test_one_passage_gives_at_most_two_findings() -> None:
    rich = _hit("law#4", "A. B. C.")
    other = _hit("decree#1", "D.")
    found = [
        _candidate(rich, "The agency grants the label to start-ups.", 0.99, 0),
        _candidate(rich, "The committee examines applications monthly.", 0.98, 1),
        _candidate(rich, "The label is valid for eight years.", 0.97, 2),
        _candidate(other, "A decree sets the guarantee fund's rules.", 0.90, 0),
    ]
    chosen = select(found, n=3, redundancy=0.0, floor=0.8)
    assert FINDINGS_PER_PASSAGE == 2
    assert [c.sentence.text for c in chosen] == [found[0].sentence.text, found[1].sentence.text, found[3].sentence.text]


def test_a_question_asking_for_a_figure_is_answered_only_by_a_sentence_stating_one() -> None:
    terms = QuestionTerms("how many start-ups received it", "en", {"startups": 1.0}, *WITH)  # in no sentence: coverage 0
    hit = _hit("law#5", "x")
    conditions = replace(_candidate(hit, "The label is granted to companies that innovate.", 1.0), meaning=0.95)
    count = replace(_candidate(hit, "In its first year, 120 companies received the label.", 1.0, 1), meaning=0.85)
    assert answering([conditions, count], terms) == (0.9 + 0.95) / 2
    assert answering([conditions, count], terms, figures_asked=True) == (0.9 + 0.85) / 2
    assert answering([conditions], terms, figures_asked=True) == 0.9 / 2, "no sentence states a figure: nothing answers"


def test_a_figure_for_a_year_is_answered_only_from_a_passage_naming_a_year_of_that_period() -> None:
    terms = QuestionTerms("how many start-ups received the label", "en", {"startups": 1.0}, *WITH)
    old = replace(
        _candidate(_hit("report#1", "In 2015, 120 companies were hosted."), "In 2015, 120 companies were hosted.", 1.0),
        meaning=0.9,
    )
    assert answering([old], terms, figures_asked=True) == (0.9 + 0.9) / 2, "no year asked: the figure answers"
    assert answering([old], terms, figures_asked=True, period=(2023, 2023)) == 0.9 / 2, "2015 figures do not answer for 2023"
    assert answering([old], terms, figures_asked=True, period=(2010, None)) == (0.9 + 0.9) / 2, "since 2010 includes 2015"
    assert answering([old], terms, figures_asked=False, period=(2023, 2023)) == (0.9 + 0.9) / 2, "no figure asked: unchanged"
    assert analyse("How many start-ups were labelled in Tunisia in 2023?").period_named() == (2023, 2023)
    assert analyse("Which start-ups were labelled since 2019?").period_named() == (2019, None)


def test_a_documents_front_matter_on_the_topic_stands_for_its_passages() -> None:
    # "How does the strategy support small enterprise growth?" matches a strategy's title better
    # than its measures, which still answer it.
    terms = QuestionTerms("how does the strategy support small enterprise growth", "en", {"strategy": 1.0}, *WITH)
    measure = replace(
        _candidate(_hit("strategy#2", "Banks will open credit lines."), "Banks will open credit lines.", 0.85, relevance=0.85),
        meaning=0.8,
    )
    assert answering([measure], terms) == (0.85 + 0.8) / 2
    assert answering([measure], terms, leads={"strategy": 0.95}) == (0.95 + 0.8) / 2
    assert answering([measure], terms, leads={"another-document": 0.99}) == (0.85 + 0.8) / 2, "only its own document's"
