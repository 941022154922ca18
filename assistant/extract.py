"""Choosing the sentences to quote: relevant to the question, spread across countries, not repeated.

Each candidate is a sentence of a retrieved passage. Its score starts from its passage's relevance
and is refined by the sentence's own evidence: the question terms it holds (rarity-weighted),
whether it speaks to a dimension the question asks about, and whether it is a provision rather than
framing. Then the best few of each country are read for meaning (:func:`by_meaning`): the bundled
embedder compares each sentence itself with the question, across languages, so that of two
sentences of an equally relevant passage the one that says what was asked goes first. Only the head
is embedded (a few milliseconds a sentence, cached by content hash) so an answer stays fast.
Maximal marginal relevance (Carbonell and Goldstein 1998) keeps near-duplicates (the same clause in
two versions of a text) from filling the answer, and no passage gives more than two findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

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
# Sentences of a country read for meaning, and the weight of their cosine similarity to the question.
# On the gold set (eval/README.md, "Answers"), re-ranking the best 12 sentences of each country by
# score + 0.5 x similarity put a gold evidence sentence among the first three for 49.5% of queries
# against 45.7% without; results were flat from 0.3 to 1.0 and from 12 to 40 sentences.
MEANING_HEAD = 12
MEANING_WEIGHT = 0.5
# A passage gives at most this many of a country's findings: its third sentence rarely adds what
# another relevant passage would.
FINDINGS_PER_PASSAGE = 2

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    sentence: Sentence
    passage_relevance: float
    dimensions: frozenset[str]
    tokens: frozenset[str]
    score: float
    meaning: float | None = None  # cosine similarity of the sentence to the question, where read (by_meaning)


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
    words = lexicon(terms.config.dimensions_path)
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


def by_meaning(
    found: Sequence[Candidate], question: np.ndarray, embed: Embed, floor: float, head: int = MEANING_HEAD
) -> list[Candidate]:
    """``found`` with its best ``head`` quotable candidates (passage relevance at least ``floor``)
    re-scored by their sentence's similarity to the ``question`` vector, and kept ahead of the rest.

    ``embed`` gives unit vectors of passage texts (kb.embed.Embedder.embed_passages, which caches by
    content hash). The rest keep their order after the head: a sentence not read for meaning is not
    known to say what was asked."""
    quotable = [c for c in found if c.passage_relevance >= floor]
    chosen = quotable[:head]
    if not chosen:
        return list(found)
    similarity = embed([c.sentence.text for c in chosen]) @ question
    read = [
        replace(c, meaning=float(s), score=c.score + MEANING_WEIGHT * float(s)) for c, s in zip(chosen, similarity, strict=True)
    ]
    read.sort(key=lambda c: -c.score)
    ids = {id(c) for c in chosen}
    return read + [c for c in found if id(c) not in ids]


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def select(found: Sequence[Candidate], n: int, redundancy: float, floor: float) -> list[Candidate]:
    """Up to ``n`` candidates by maximal marginal relevance, none from a passage below ``floor``, at most
    ``FINDINGS_PER_PASSAGE`` from one passage."""
    pool = [c for c in found if c.passage_relevance >= floor]
    chosen: list[Candidate] = []
    while pool and len(chosen) < n:
        best = max(pool, key=lambda c: c.score - redundancy * max((jaccard(c.tokens, k.tokens) for k in chosen), default=0.0))
        chosen.append(best)
        full = sum(k.hit.chunk_id == best.hit.chunk_id for k in chosen) >= FINDINGS_PER_PASSAGE
        pool = [
            c
            for c in pool
            if c is not best and c.sentence.text != best.sentence.text and not (full and c.hit.chunk_id == best.hit.chunk_id)
        ]
    return chosen
