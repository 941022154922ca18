"""How relevant a passage or sentence is to a question, on a scale comparable across questions.

The fused search score is normalised per question, so it cannot say "nothing here answers". The
relevance used to abstain combines two absolute signals (measured on the gold set, eval/README.md):

- the cosine similarity of question and passage embeddings (multilingual, so across languages);
- the share of the question's terms, weighted by their rarity in the store, that the passage
  contains: a question about "tomato quotas" is not answered by a passage on export quotas for
  textiles. Across languages the question's terms are carried over by the glossary.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from assistant.config import AssistantConfig
from kb.analysis import analyze
from kb.glossary import Glossary
from kb.search import Hit

# The weights (AssistantConfig.coverage_weight and cross_lingual_offset) are calibrated together
# with the abstention threshold AssistantConfig.min_relevance: see there.


class QuestionTerms:
    """The question's analysed terms per language, with their weights, computed once per question."""

    def __init__(self, topic: str, lang: str, weights: Mapping[str, float], glossary: Glossary, config: AssistantConfig) -> None:
        self.lang = lang
        self.weights = dict(weights)  # terms in the question's language -> idf
        self.glossary = glossary  # the searcher's (RetrievalConfig.glossary_path), carrying terms across languages
        self.config = config  # the relevance weights (coverage_weight, cross_lingual_offset)
        self._text = topic  # the question without places (assistant.question.topic_text)
        self._expanded: dict[str, frozenset[str]] = {}

    def expanded(self, lang: str) -> frozenset[str]:
        """Glossary terms of the question's concepts in another language."""
        if lang not in self._expanded:
            self._expanded[lang] = frozenset(self.glossary.expand(self._text, self.lang, lang))
        return self._expanded[lang]

    def coverage(self, text: str, lang: str) -> float:
        """Share of the question (idf-weighted in its own language) found in ``text``; 0..1."""
        return self.coverage_of(set(analyze(text, lang)), lang)

    def coverage_of(self, tokens: Set[str], lang: str) -> float:
        """:meth:`coverage` of a text already analysed as ``lang``."""
        if lang == self.lang:
            total = sum(self.weights.values())
            return sum(w for t, w in self.weights.items() if t in tokens) / total if total else 0.0
        wanted = self.expanded(lang)
        return len(wanted & tokens) / len(wanted) if wanted else 0.0


def relevance(similarity: float | None, coverage: float, cross_lingual: bool, config: AssistantConfig) -> float:
    """The absolute relevance the assistant abstains on: cosine similarity plus weighted coverage."""
    offset = config.cross_lingual_offset if cross_lingual else 0.0
    return (similarity or 0.0) + config.coverage_weight * coverage + offset


def passage_relevance(hit: Hit, terms: QuestionTerms) -> float:
    """:func:`relevance` of a retrieved passage for the question ``terms`` stand for."""
    return relevance(hit.similarity, terms.coverage(hit.text, hit.lang), hit.lang != terms.lang, terms.config)
