"""The default answerer, extractive: from a question (with filters and the conversation so far) to a
verified, cited answer, without any LLM.

Every claim is a sentence (or the start of one) copied from a retrieved passage, and
:func:`assistant.verify.is_verbatim` checks each quote against its stored passage before the answer
is built; a quote that fails is dropped and counted. :func:`collect` (the evidence) is shared with
the LLM answerer; callers use :func:`assistant.answer`, which picks the answerer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from assistant.config import AssistantConfig
from assistant.dimensions import DIMENSIONS, lexicon
from assistant.evidence import gather, in_language, similarity
from assistant.extract import Candidate, by_meaning, candidates, select
from assistant.model import Answer, Citation, ClosestDocument, Coverage, Finding, GridCell, Turn, Verification
from assistant.provisions import asks_for_a_number, asks_for_figures, asks_for_framing, mentions_year, states_figures
from assistant.question import Question, analyse, readable_question, topic_text
from assistant.relevance import QuestionTerms, passage_relevance, relevance
from assistant.render import column_labels, render
from assistant.verify import is_verbatim, normalise_space
from kb.search import Filters, Hit, Searcher


@dataclass(frozen=True)
class Collected:
    """The evidence for a question, before any answer is written: shared by every answerer."""

    question: Question
    candidates: dict[str, list[Candidate]]  # country -> scored sentences, best first
    coverage: dict[str, Coverage]
    top_relevance: float
    evidence_floor: float  # the relevance a passage needs to be quoted
    nearest: dict[str, tuple[ClosestDocument, ...]] = field(default_factory=dict)  # country -> its closest documents

    @property
    def abstain(self) -> bool:
        return all(v == "no_evidence" for v in self.coverage.values())


def collect(
    searcher: Searcher,
    question: str,
    config: AssistantConfig = AssistantConfig(),
    filters: Filters = Filters(),
    history: Sequence[Turn] = (),
    lang: str | None = None,
) -> Collected:
    """Understand the question, gather passages per country and score their sentences."""
    asked = analyse(readable_question(question), history, lang, config.dimensions_path)
    topic = topic_text(asked.search_text)
    terms = QuestionTerms(topic, asked.lang, searcher.term_weights(topic, asked.lang), searcher.glossary, config)
    evidence = [in_language(searcher, asked, e, asked.lang) for e in gather(searcher, asked, filters, config)]
    framing = asks_for_framing(asked.search_text)  # a follow-up keeps what the first question asked
    figures = asks_for_figures(asked.search_text)
    per_country = {e.country: candidates(e.hits, terms, asked.dimensions, framing, e.stands_for, figures) for e in evidence}
    # Sentences of passages that could be quoted (the lowest floor a country can get) are read for meaning.
    quotable = config.min_relevance - config.country_margin
    vector = searcher.embedder.embed_query(asked.search_text)  # cached: the search embedded it already
    read = {c: by_meaning(found, vector, searcher.embedder.embed_passages, quotable) for c, found in per_country.items()}
    # A document's front matter is never quoted, but its title and notice on the question's topic say
    # that the knowledge base holds material on it: they count towards answering at all (as they did
    # when they were quoted, which is what the threshold was calibrated on), and they stand for the
    # passage side of their documents' sentences: "how does the strategy support small enterprise
    # growth?" asks what a strategy so titled says, in sentences that need not repeat its title.
    leads = {e.country: {h.doc_id: passage_relevance(h, terms) for h in e.hits if h.lead} for e in evidence}
    # Does anything answer? Both the best passage and the best sentence of a country must be
    # relevant: a passage on the topic whose sentences each say something else does not answer, nor
    # does a sentence that echoes the question's words in a passage about something else.
    number = asks_for_a_number(asked.search_text)  # only then must a sentence state one to answer
    best = {c: answering(found, terms, number, asked.period_named(), leads[c]) for c, found in read.items()}
    framed = [r for by_doc in leads.values() for r in by_doc.values()]
    top = max([*best.values(), *framed], default=0.0)
    floor = quotable if top >= config.min_relevance else config.min_relevance
    match = {e.country: max((similarity(h, asked.lang, config) for h in e.hits if not h.lead), default=0.0) for e in evidence}
    closest = max(match.values(), default=0.0) - config.country_similarity_margin
    coverage: dict[str, Coverage] = {
        c: ("evidence" if best[c] >= floor and match[c] >= closest else "no_evidence") for c in per_country
    }
    nearest = {e.country: closest_of(e.hits, asked.lang, config) for e in evidence}
    return Collected(asked, read, coverage, top, quotable, nearest)


NEAREST_DOCUMENTS = 3  # linked under a country with nothing on the point, so the reader can check


def closest_of(hits: Sequence[Hit], lang: str, config: AssistantConfig) -> tuple[ClosestDocument, ...]:
    """The documents of ``hits`` (one country's best passages) nearest the question, best first."""
    best: dict[str, tuple[float, Hit]] = {}
    for hit in hits:
        score = similarity(hit, lang, config)
        if hit.doc_id not in best or score > best[hit.doc_id][0]:
            best[hit.doc_id] = (score, hit)
    ranked = sorted(best.values(), key=lambda pair: -pair[0])[:NEAREST_DOCUMENTS]
    return tuple(ClosestDocument(h.doc_id, h.title, h.country, h.lang, h.year, round(s, 4)) for s, h in ranked)


def answering(
    found: Sequence[Candidate],
    terms: QuestionTerms,
    figures_asked: bool = False,
    period: tuple[int | None, int | None] = (None, None),
    leads: Mapping[str, float] | None = None,
) -> float:
    """How well a country's sentences answer: the mean of its best passage relevance and its best
    sentence relevance (assistant.relevance, on the sentences read for meaning); 0 without either.

    ``figures_asked``: only a sentence that states a figure answers a question asking for one (a
    count, amount, rate or threshold): "how many start-ups were labelled?" is not answered by the
    conditions of the label. With a ``period`` too ("how many in 2023?"), the figure's passage must
    name a year of that period: 2015 figures do not answer for 2023. ``leads``: the relevance of
    documents' front matter (document id -> relevance), which a document's passages share."""
    dated = period != (None, None)

    def answers(c: Candidate) -> bool:
        if not figures_asked:
            return True
        return states_figures(c.sentence.text) and (not dated or mentions_year(c.hit.text, *period))

    framed = leads or {}
    passage = max((max(c.passage_relevance, framed.get(c.hit.doc_id, 0.0)) for c in found), default=0.0)
    sentence = max(
        (
            relevance(c.meaning, terms.coverage_of(c.tokens, c.hit.lang), c.hit.lang != terms.lang, terms.config)
            for c in found
            if c.meaning is not None and answers(c)
        ),
        default=0.0,
    )
    return (passage + sentence) / 2


def answer_question(
    searcher: Searcher,
    question: str,
    config: AssistantConfig = AssistantConfig(),
    filters: Filters = Filters(),
    history: Sequence[Turn] = (),
    lang: str | None = None,
) -> Answer:
    """Answer ``question`` from the knowledge base behind ``searcher``.

    ``filters`` narrow the evidence (a country filter also sets the countries answered for);
    ``history`` holds earlier turns, oldest first, so that "and Jordan?" is understood; ``lang``
    forces the framing language (default: the question's).
    """
    collected = collect(searcher, question, config, filters, history, lang)
    asked, per_country, coverage = collected.question, collected.candidates, collected.coverage
    countries = tuple(per_country)
    if collected.abstain:
        return abstention(searcher, asked, filters, config, countries, collected.top_relevance)

    findings_by_country = {
        c: select(found, config.findings_per_country, config.redundancy, collected.evidence_floor)
        if coverage[c] == "evidence"
        else []  # "nothing on this point": its passages match the question's vocabulary, not its topic
        for c, found in per_country.items()
    }
    dimensions = grid_dimensions(asked, findings_by_country)
    book = CitationBook()
    findings = cited_findings(findings_by_country, dimensions, book)
    floor = collected.evidence_floor
    grid = [
        cell
        for c in countries
        for cell in country_cells(c, dimensions, per_country[c], coverage[c], book, config, floor)
    ]
    answer = Answer(
        question=question,
        language=asked.lang,
        countries=countries,
        dimensions=dimensions,
        labels=column_labels(lexicon(config.dimensions_path), dimensions),
        coverage=coverage,
        findings=tuple(findings),
        grid=tuple(grid),
        citations=tuple(book.citations),
        abstained=False,
        # Where a country has nothing on the point, the documents that came nearest, to check by hand.
        closest=tuple(doc for c in countries if coverage[c] != "evidence" for doc in collected.nearest.get(c, ())),
        verification=Verification(book.checked, tuple(book.dropped)),
        relevance=collected.top_relevance,
        period=(asked.year_min, asked.year_max),
    )
    return replace(answer, markdown=render(answer))


def cited_findings(chosen: Mapping[str, list[Candidate]], dimensions: Sequence[str], book: CitationBook) -> list[Finding]:
    """Each country's chosen sentences, cited in the book (a sentence it refuses is left out)."""
    findings: list[Finding] = []
    for country, candidates_ in chosen.items():
        for candidate in candidates_:
            n = book.cite(candidate.hit, candidate.sentence.text)
            if n is not None:
                dimension = next((d for d in dimensions if d in candidate.dimensions), "")
                findings.append(Finding(country, dimension, n, round(candidate.score, 4)))
    return findings


def country_cells(
    country: str,
    dimensions: Sequence[str],
    found: list[Candidate],
    coverage: str,
    book: CitationBook,
    config: AssistantConfig,
    floor: float,
) -> list[GridCell]:
    """A country's row of the grid: one cell per dimension, no quote in two cells of the row."""
    used: set[int] = set()
    cells = []
    for dimension in dimensions:
        cell = grid_cell(country, dimension, found, coverage, book, config, used, floor)
        used.update(cell.citations)
        cells.append(cell)
    return cells


def grid_dimensions(asked: Question, findings: dict[str, list[Candidate]]) -> tuple[str, ...]:
    """The asked dimensions; otherwise those the chosen findings speak to most (at most three)."""
    if asked.dimensions:
        return asked.dimensions
    counts = {d: sum(d in c.dimensions for found in findings.values() for c in found) for d in DIMENSIONS}
    ranked = [d for d in DIMENSIONS if counts[d] > 0]
    ranked.sort(key=lambda d: -counts[d])
    return tuple(ranked[:3]) or ("answer",)


def grid_cell(
    country: str,
    dimension: str,
    found: list[Candidate],
    coverage: str,
    book: CitationBook,
    config: AssistantConfig,
    used: set[int],
    floor: float,
) -> GridCell:
    """The best sentence of ``country`` on ``dimension``; one already shown in the row only if nothing else speaks to it."""
    if coverage != "evidence":
        return GridCell(country, dimension, "", ())
    pool = [c for c in found if c.passage_relevance >= floor and (dimension == "answer" or dimension in c.dimensions)]
    fresh = [c for c in pool if book.numbers.get((c.hit.chunk_id, c.sentence.text)) not in used]
    for chosen in sorted(fresh, key=lambda c: -c.score) + sorted(pool, key=lambda c: -c.score):
        n = book.cite(chosen.hit, chosen.sentence.text)
        if n is None:
            continue
        short = _shorten(chosen.sentence.text, config.cell_words)
        if is_verbatim(short.rstrip("…").rstrip(), chosen.hit.text):
            return GridCell(country, dimension, short, (n,))
    return GridCell(country, dimension, "", ())


def _shorten(text: str, words: int) -> str:
    parts = text.split(" ")
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


class CitationBook:
    """Numbers quotes in order of first use, after checking each one against its stored passage."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self.numbers: dict[tuple[str, str], int] = {}
        self.checked = 0
        self.dropped: list[str] = []

    def cite(self, hit: Hit, quote: str) -> int | None:
        key = (hit.chunk_id, quote)
        if key in self.numbers:
            return self.numbers[key]
        self.checked += 1
        if not is_verbatim(quote, hit.text):
            self.dropped.append(quote)
            return None
        citation = Citation(
            n=len(self.citations) + 1,
            chunk_id=hit.chunk_id,
            doc_id=hit.doc_id,
            title=hit.title,
            country=hit.country,
            lang=hit.lang,
            doc_type=hit.doc_type,
            year=hit.year,
            page=hit.page,
            article=hit.article,
            quote=normalise_space(quote),
            passage=hit.text,
            source=hit.source,
            ocr=hit.ocr,
            other_versions=hit.translations,
        )
        self.citations.append(citation)
        self.numbers[key] = citation.n
        return citation.n


def abstention(
    searcher: Searcher, asked: Question, filters: Filters, config: AssistantConfig, countries: tuple[str, ...], top: float
) -> Answer:
    closest = tuple(
        ClosestDocument(doc.doc_id, doc.title, doc.country, doc.lang, doc.year, doc.score)
        for doc in searcher.search_documents(
            asked.search_text, k=config.closest_documents, filters=replace(filters, countries=countries) if countries else filters
        )
    )
    answer = Answer(
        question=asked.text,
        language=asked.lang,
        countries=countries,
        dimensions=(),
        coverage=dict.fromkeys(countries, "no_evidence"),
        findings=(),
        grid=(),
        citations=(),
        abstained=True,
        closest=closest,
        relevance=top,
    )
    return replace(answer, markdown=render(answer))
