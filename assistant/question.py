"""What a question asks: its language, countries, years, policy dimensions, and the context a
follow-up ("and Jordan?", "et en Tunisie ?", "وماذا عن الأردن؟") carries over from the turn before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.config import DIMENSIONS_FILE
from assistant.dimensions import lexicon
from assistant.errors import QuestionError
from assistant.model import Turn
from kb.analysis import analyze
from kb.query import PARTNERS, REGIONS, clean_query, has_words, understand, without_places

LANGS = ("ar", "fr", "en")
# Words that open a follow-up; matched on the folded question (kb.query.normalize_query).
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|what about|how about|same (?:for|in)|also|et|quid|qu'en est-il|et pour|et en|et au|et a|"
    r"و|وماذا|ماذا عن|وما|وكذلك|وفي|وبالنسبة)(?:\W|$)",
    re.IGNORECASE,
)
# "Which countries...", "dans quels pays", "أي الدول": the whole region is asked about.
_ALL_COUNTRIES = re.compile(
    r"(?:which|what|all|each|every|across|the)\s+(?:partner\s+)?countries|countries\s+of\s+the\s+region|"
    r"(?:quels|tous\s+les|chaque|les)\s+pays|pays\s+(?:partenaires|de\s+la\s+region)|"
    r"(?:اي|كل|جميع|مختلف)\s+(?:ال)?(?:دول|بلدان)|(?:ال)?(?:دول|بلدان)\s+(?:ال)?(?:شريكه|المنطقه)",
    re.IGNORECASE,
)
FOLLOW_UP_MAX_TOKENS = 2  # content words left once places are removed: "and Jordan?" has none
# Longer is a document pasted as a question; it is refused rather than cut, since the answer quotes
# what was asked. (Search reads the first 2,000 characters; the web app refuses beyond its own limit.)
MAX_QUESTION_CHARS = 10_000


@dataclass(frozen=True)
class Question:
    text: str  # as asked
    search_text: str  # what is searched: a follow-up carries the earlier question's topic
    lang: str  # framing language of the answer
    countries: tuple[str, ...]  # named, from a named region, or carried from the previous turn
    year_min: int | None
    year_max: int | None
    dimensions: tuple[str, ...]  # asked about, in grid order; empty when none is named
    comparative: bool  # more than one country, a region, or "which countries"
    follow_up: bool
    regional: bool = False  # its countries come from a region or "which countries", none named itself
    years: tuple[int, ...] = ()  # every year it names ("in 2023"; a law number's year too, which its passages name)

    def period_named(self) -> tuple[int | None, int | None]:
        """The period asked about: its bounds ("since 2015"), else the span of the years it names."""
        if self.year_min is not None or self.year_max is not None:
            return self.year_min, self.year_max
        return (min(self.years), max(self.years)) if self.years else (None, None)

    def turn(self) -> Turn:
        return Turn(self.search_text, self.countries, self.dimensions, self.search_text)


def readable_question(text: str) -> str:
    """The question as the assistant reads it, invisible and control characters dropped (:func:`kb.query.clean_query`).

    Raises :class:`QuestionError` when nothing is asked: empty, no letter or digit, or over
    ``MAX_QUESTION_CHARS`` characters.
    """
    cleaned = clean_query(text, limit=len(text))
    example = 'e.g. "How does Tunisia fund clusters?"'
    if not cleaned:
        raise QuestionError(f"the question is empty; ask something, {example}")
    if not has_words(cleaned):
        raise QuestionError(f"the question has no words ({cleaned[:20]!r}); ask in words, {example}")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question has {len(cleaned):,} characters; keep it under {MAX_QUESTION_CHARS:,} (ask about one point at a time)"
        )
    return cleaned


def topic_text(text: str) -> str:
    """The question without its places and "which countries" phrasing: the words that say what it is about."""
    return _ALL_COUNTRIES.sub(" ", without_places(text))


def _content_tokens(text: str, lang: str) -> list[str]:
    return analyze(topic_text(text), lang)


def analyse(text: str, history: Sequence[Turn] = (), lang: str | None = None, dimensions: Path = DIMENSIONS_FILE) -> Question:
    """Understand ``text``; ``history`` is the conversation so far (oldest first), ``lang`` forces the framing.

    ``dimensions``: the dimension lexicon (``AssistantConfig.dimensions_path``) naming what the question asks about.
    """
    intent = understand(text)
    language = lang if lang in LANGS else intent.lang if intent.lang in LANGS else "en"
    asked = lexicon(dimensions).asked(text, language)
    folded = without_places(text)
    countries = intent.all_countries
    every_country = bool(_ALL_COUNTRIES.search(folded))
    if every_country and not countries:
        countries = PARTNERS
    previous = history[-1] if history else None
    content = _content_tokens(text, language)
    follow_up = previous is not None and (
        len(content) <= FOLLOW_UP_MAX_TOKENS or (bool(_FOLLOW_UP.match(folded)) and len(content) <= 2 * FOLLOW_UP_MAX_TOKENS)
    )
    search_text = text
    if follow_up and previous is not None:
        search_text = f"{previous.topic} {text}"
        if not countries:
            countries = previous.countries  # "and the funding?": same countries, new angle
        if not asked:
            asked = previous.dimensions  # "and Jordan?": same angle, new country
    comparative = len(countries) > 1 or bool(intent.regions) or every_country
    regional = (bool(intent.regions) or every_country) and not intent.countries
    return Question(
        text=text,
        search_text=search_text,
        lang=language,
        countries=countries,
        year_min=intent.year_min,
        year_max=intent.year_max,
        dimensions=asked,
        comparative=comparative,
        follow_up=follow_up,
        regional=regional,
        years=intent.years,
    )


__all__ = ["REGIONS", "Question", "analyse"]
