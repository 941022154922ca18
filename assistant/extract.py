"""Choosing the sentences to quote: relevant to the question, spread across countries, not repeated.

Each candidate is a sentence of a retrieved passage. Its score starts from its passage's relevance
and is refined by the sentence's own evidence: the question terms it holds (rarity-weighted) and
whether it speaks to a dimension the question asks about. Embedding each sentence as well was
measured and not kept: it found a gold evidence sentence in the top three for 62% of gold queries
against 60% without, for about 16 ms per sentence (eval/README.md, "Answers"). Maximal marginal relevance
(Carbonell and Goldstein 1998) keeps near-duplicates (the same clause in two versions of a text)
from filling the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.dimensions import lexicon
from assistant.provisions import is_framing, states_figures
from assistant.relevance import QuestionTerms
from assistant.relevance import passage_relevance as scored
from ingest.sentences import Sentence, split_sentences
from kb.analysis import analyze
from kb.search import Hit

# Sentence score = passage relevance plus small rewards for the question's terms and dimensions.
SENTENCE_COVERAGE_WEIGHT = 0.1
DIMENSION_BONUS = 0.02
FIRST_SENTENCE_BONUS = 0.005  # an article's opening sentence usually states its rule
# A definition, purpose or scope sentence (assistant.provisions) when the question asks for neither:
# about the spread of passage relevance among a country's best passages, so a provision of a nearly
# as relevant passage goes first, while a framing sentence of the only relevant passage still counts.
FRAMING_PENALTY = 0.03
# A sentence that states a quantity when the question asks for one (a threshold, amount, rate or
# duration): the same size, so the rule with the figure beats the sentence that announces it.
FIGURE_BONUS = 0.03


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    sentence: Sentence
    passage_relevance: float
    dimensions: frozenset[str]
    tokens: frozenset[str]
    score: float


def candidates(
    hits: Sequence[Hit],
    terms: QuestionTerms,
    asked: Sequence[str],
    framing_asked: bool = False,
    stands_for: Mapping[str, Hit] | None = None,
    figures_asked: bool = False,
) -> list[Candidate]:
    """Every quotable sentence of ``hits`` (front matter excluded), scored without embeddings, best first.

    ``framing_asked``: the question asks for a definition or an objective (assistant.provisions), so
    framing sentences are not held back. ``figures_asked``: it asks for a figure, so sentences that
    state one (assistant.provisions.states_figures) go first. ``stands_for``: passages that replace another version's
    (assistant.evidence.in_language) are at least as relevant as the one they replace."""
    replaced = stands_for or {}
    found: list[Candidate] = []
    words = lexicon()
    for hit in hits:
        if hit.lead:
            continue  # a document's front matter describes the document, it answers nothing
        passage_relevance = scored(hit, terms)
        if (original := replaced.get(hit.chunk_id)) is not None:
            passage_relevance = max(passage_relevance, scored(original, terms))
        for sentence in split_sentences(hit.text, (hit.section, hit.article)):
            analysed = analyze(sentence.text, hit.lang)
            tokens = frozenset(analysed)
            dimensions = words.of_tokens(analysed, hit.lang)
            score = (
                passage_relevance
                + SENTENCE_COVERAGE_WEIGHT * terms.coverage_of(tokens, hit.lang)
                + DIMENSION_BONUS * bool(dimensions & set(asked))
                + FIRST_SENTENCE_BONUS * (sentence.index == 0)
                - FRAMING_PENALTY * (not framing_asked and is_framing(sentence.text, f"{hit.article} {sentence.heading}"))
                + FIGURE_BONUS * (figures_asked and states_figures(sentence.text))
            )
            found.append(Candidate(hit, sentence, passage_relevance, dimensions, tokens, score))
    found.sort(key=lambda c: -c.score)
    return found


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def select(found: Sequence[Candidate], n: int, redundancy: float, floor: float) -> list[Candidate]:
    """Up to ``n`` candidates by maximal marginal relevance, none from a passage below ``floor``."""
    pool = [c for c in found if c.passage_relevance >= floor]
    chosen: list[Candidate] = []
    while pool and len(chosen) < n:
        best = max(pool, key=lambda c: c.score - redundancy * max((jaccard(c.tokens, k.tokens) for k in chosen), default=0.0))
        chosen.append(best)
        pool = [c for c in pool if c is not best and c.sentence.text != best.sentence.text]
    return chosen
