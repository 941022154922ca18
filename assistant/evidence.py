"""Evidence gathering: passages for each country the question is about, searched country by country.

A comparative question gets the best passages of every country it names (or of the whole region),
not the ten best passages overall, which would all come from the country that matches best.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from assistant.config import AssistantConfig
from assistant.question import Question
from assistant.relevance import relevance
from kb.search import Filters, Hit, Searcher


@dataclass(frozen=True)
class Evidence:
    country: str
    hits: tuple[Hit, ...]  # best first
    # A passage quoted in the asker's language in place of the one the search found (its other
    # version), by chunk id -> the found one: it is as relevant as what it stands for, even where its
    # own text scores lower (a version whose PDF text is out of order, a looser translation).
    stands_for: dict[str, Hit] = field(default_factory=dict)


def target_countries(searcher: Searcher, question: Question, filters: Filters, config: AssistantConfig) -> tuple[str, ...]:
    """The countries to answer for: the user's filter, else those the question names, else the best-matching ones."""
    if filters.countries:
        return filters.countries
    if question.countries and not question.regional:
        return question.countries
    hits = [
        hit for hit in searcher.search(question.search_text, k=config.passages_per_country * 2, filters=filters) if hit.country
    ]
    if question.regional:
        # "The Euro-Mediterranean Charter's principles for partner countries" is answered by the EU's
        # text: the place whose texts match best joins the region's countries, and those of the region
        # that match far less are then "nothing on this point" (assistant.extractive.collect).
        leader = max(hits, key=lambda hit: similarity(hit, question.lang, config), default=None)
        extra = (leader.country,) if leader is not None and leader.country not in question.countries else ()
        return question.countries + extra
    if not hits:
        return ()
    # A question that names no place is about the countries whose texts match it nearly as well as
    # the best: "what is COSME?" is the EU's, not also Tunisia's and Lebanon's next-best texts.
    match = {hit.chunk_id: similarity(hit, question.lang, config) for hit in hits}
    best = max(match.values())
    close = [hit.country for hit in hits if match[hit.chunk_id] >= best - config.open_question_margin]
    return tuple(dict.fromkeys(close))[: config.open_question_countries]


def similarity(hit: Hit, lang: str, config: AssistantConfig) -> float:
    """The passage's cosine similarity to the question, comparable across languages (assistant.relevance)."""
    return relevance(hit.similarity, 0.0, hit.lang != lang, config)


def gather(searcher: Searcher, question: Question, filters: Filters, config: AssistantConfig) -> list[Evidence]:
    """Passages for each target country, in the order the countries were named."""
    evidence: list[Evidence] = []
    for country in target_countries(searcher, question, filters, config):
        scoped = replace(filters, countries=(country,))
        hits = searcher.search(
            question.search_text, k=config.passages_per_country, filters=scoped, per_document=config.passages_per_document
        )
        evidence.append(Evidence(country, tuple(hits)))
    return evidence


def counterpart(hit: Hit, found: Sequence[Hit]) -> Hit | None:
    """Among ``found`` (passages of other versions, best first), the one standing for ``hit``: the same
    article of a version of its document, else that version's best passage."""
    versions = [other for other in found if other.doc_id in hit.translations]
    same_article = [other for other in versions if hit.article and article_number(other.article) == article_number(hit.article)]
    best = same_article or versions
    return best[0] if best else None


def in_language(searcher: Searcher, question: Question, evidence: Evidence, lang: str) -> Evidence:
    """``evidence`` with every passage that has a version in ``lang`` replaced by that version's passage.

    A French asker reads the French version of a law rather than its Arabic one whenever the store
    holds both: one search per country, over the versions in ``lang`` of the documents found."""
    versions = tuple(dict.fromkeys(d for hit in evidence.hits if hit.lang != lang for d in hit.translations))
    if not versions:
        return evidence
    found = searcher.search(question.search_text, k=max(10, 3 * len(versions)), filters=Filters(doc_ids=versions, langs=(lang,)))
    hits: list[Hit] = []
    stands_for: dict[str, Hit] = {}
    seen: set[str] = set()
    for hit in evidence.hits:
        swapped = counterpart(hit, found) if hit.lang != lang and hit.translations else None
        chosen = swapped or hit
        if swapped is not None:
            stands_for.setdefault(swapped.chunk_id, hit)
        if chosen.chunk_id not in seen:
            seen.add(chosen.chunk_id)
            hits.append(chosen)
    return Evidence(evidence.country, tuple(hits), stands_for)


def article_number(label: str) -> str:
    """ "Article 12", "Art. 12", "المادة 12" -> "12"; "Article premier" -> "1"."""
    digits = "".join(ch for ch in label if ch.isdigit())
    if digits:
        return str(int(digits))
    return "1" if any(word in label.casefold() for word in ("premier", "first", "الأولى")) else label.casefold()
