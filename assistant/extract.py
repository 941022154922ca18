"""Choosing the sentences to quote: relevant to the question, spread across countries, not repeated.

Each candidate is a sentence of a retrieved passage. Its score starts from its passage's relevance
and is refined by the sentence's own evidence: its embedding's similarity to the question (for the
best candidates, within a budget, because each costs a forward pass), the question terms it holds,
and whether it speaks to a dimension the question asks about. Maximal marginal relevance
(Carbonell and Goldstein 1998) keeps near-duplicates (the same clause in two versions of a text)
from filling the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.dimensions import lexicon
from assistant.relevance import QuestionTerms, relevance
from assistant.sentences import Sentence, split_sentences
from kb.analysis import analyze
from kb.embed import Embedder
from kb.search import Hit

# Sentence score = passage relevance, moved towards the sentence's own similarity where measured,
# plus small rewards for the question's terms and its dimensions (eval/README.md, "Answers").
SIMILARITY_SHARE = 0.5
SENTENCE_COVERAGE_WEIGHT = 0.1
DIMENSION_BONUS = 0.02
FIRST_SENTENCE_BONUS = 0.005  # an article's opening sentence usually states its rule


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    sentence: Sentence
    passage_relevance: float
    dimensions: frozenset[str]
    tokens: frozenset[str]
    score: float


def candidates(hits: Sequence[Hit], terms: QuestionTerms, asked: Sequence[str]) -> list[Candidate]:
    """Every quotable sentence of ``hits``, scored without embeddings, best first."""
    found: list[Candidate] = []
    words = lexicon()
    for hit in hits:
        passage_relevance = relevance(hit.similarity, terms.coverage(hit.text, hit.lang))
        for sentence in split_sentences(hit.text, (hit.section, hit.article)):
            dimensions = words.of_text(sentence.text, hit.lang)
            score = (
                passage_relevance
                + SENTENCE_COVERAGE_WEIGHT * terms.coverage(sentence.text, hit.lang)
                + DIMENSION_BONUS * bool(dimensions & set(asked))
                + FIRST_SENTENCE_BONUS * (sentence.index == 0)
            )
            tokens = frozenset(analyze(sentence.text, hit.lang))
            found.append(Candidate(hit, sentence, passage_relevance, dimensions, tokens, score))
    found.sort(key=lambda c: -c.score)
    return found


def refine_with_embeddings(found: list[Candidate], question_vector: np.ndarray, embedder: Embedder, budget: int) -> list[Candidate]:
    """Re-score the ``budget`` best candidates with the sentence embedding's similarity to the question."""
    if budget <= 0 or not found:
        return found
    head, tail = found[:budget], found[budget:]
    vectors = embedder.embed_passages([c.sentence.text for c in head])
    similarities = vectors @ question_vector
    refined = [
        replace(c, score=c.score + SIMILARITY_SHARE * (float(sim) - c.passage_relevance + _coverage_part(c)))
        for c, sim in zip(head, similarities, strict=True)
    ]
    # Unmeasured candidates stay behind measured ones of equal passage relevance.
    return sorted(refined, key=lambda c: -c.score) + tail


def _coverage_part(candidate: Candidate) -> float:
    """The coverage share inside passage relevance, so that only the similarity is replaced."""
    return candidate.passage_relevance - (candidate.hit.similarity or 0.0)


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
