"""Evidence gathering: passages for each country the question is about, searched country by country.

A comparative question gets the best passages of every country it names (or of the whole region),
not the ten best passages overall, which would all come from the country that matches best.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.config import AssistantConfig
from assistant.question import Question
from kb.search import Filters, Hit, Searcher


@dataclass(frozen=True)
class Evidence:
    country: str
    hits: tuple[Hit, ...]  # best first


def target_countries(searcher: Searcher, question: Question, filters: Filters, config: AssistantConfig) -> tuple[str, ...]:
    """The countries to answer for: the user's filter, else those the question names, else the best-matching ones."""
    if filters.countries:
        return filters.countries
    if question.countries:
        return question.countries
    hits = searcher.search(question.search_text, k=config.passages_per_country * 2, filters=filters)
    return tuple(dict.fromkeys(hit.country for hit in hits if hit.country))[: config.open_question_countries]


def gather(searcher: Searcher, question: Question, filters: Filters, config: AssistantConfig) -> list[Evidence]:
    """Passages for each target country, in the order the countries were named."""
    evidence: list[Evidence] = []
    for country in target_countries(searcher, question, filters, config):
        scoped = replace(filters, countries=(country,))
        hits = searcher.search(question.search_text, k=config.passages_per_country, filters=scoped)
        evidence.append(Evidence(country, tuple(hits)))
    return evidence


def translation_passage(searcher: Searcher, question: Question, hit: Hit, lang: str) -> Hit | None:
    """The passage of ``hit``'s document version in ``lang`` that best answers the question, if the store has that version."""
    if not hit.translations:
        return None
    found = searcher.search(question.search_text, k=3, filters=Filters(doc_ids=hit.translations, langs=(lang,)))
    same_article = [other for other in found if hit.article and _article_number(other.article) == _article_number(hit.article)]
    best = same_article or found
    return best[0] if best else None


def _article_number(label: str) -> str:
    """ "Article 12", "Art. 12", "المادة 12" -> "12"; "Article premier" -> "1"."""
    digits = "".join(ch for ch in label if ch.isdigit())
    if digits:
        return str(int(digits))
    return "1" if any(word in label.casefold() for word in ("premier", "first", "الأولى")) else label.casefold()
