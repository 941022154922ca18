"""How much of a page's text layer is real language: the score that picks a repair and rejects garbage.

Broken text layers look like text: a shifted font map gives "$UWLFOH" for "Article", a wrong
ToUnicode map gives plausible Arabic letters that form no words, fake bold gives "AArrttiiccllee".
What they lack is words. The score is the share of a page's words found in the word lists of the
product's languages (wordfreq's, which ship inside the package: nothing is downloaded), weighted
by length because short strings match a large list by chance, with two sanity terms: characters no
text layer should hold (private use, replacement characters, glyph names) and, for Arabic, signs
that the words of each line stand in reverse order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from ingest.arabic import fold

LANGUAGES = ("ar", "fr", "en")
MIN_WORDS = 12  # fewer judged words than this: too little text to call it garbage
# Word edges: anything but letters, digits and Arabic vowel marks (Arabic punctuation ، ؛ ؟ included).
_TOKEN_EDGE = re.compile(r"^[^\w\u064B-\u065F\u0670]+|[^\w\u064B-\u065F\u0670]+$")
# Addresses are no words of any language: a page of references must not look like garbage.
_ADDRESS = re.compile(
    r"://|^www\.|@\w|^[\w.-]+\.(?:pdf|html?|docx?|org|com|gov|int|eu|ma|tn|dz|eg|jo|lb|ps)(?:/|$)", re.IGNORECASE
)
_ARABIC = re.compile(r"[\u0621-\u064A\u0671-\u06D3\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿŒœ]")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_GLYPH_NAME = re.compile(r"/(?:afii\d{3,}|uni[0-9A-F]{4}|g\d+|glyph\d+|[a-z]+\.(?:init|medi|fina|isol))", re.IGNORECASE)
_ODD_CHAR = re.compile(r"[\uE000-\uF8FF\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F]")
# Proclitics glued to Arabic words (and, so, with, for, like, the): tried off when the whole word is unknown.
_ARABIC_PROCLITIC = re.compile(r"^(?:وال|بال|فال|كال|لل|و|ف|ب|ل|ك)(?=\w{2,})")
_ELISION = re.compile(r"^(?:[ldjmnstcq]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "ar": frozenset(
        [
            "في",
            "من",
            "على",
            "الى",
            "إلى",
            "عن",
            "أن",
            "ان",
            "التي",
            "الذي",
            "هذا",
            "هذه",
            "مع",
            "او",
            "أو",
            "ما",
            "لا",
            "كل",
            "بين",
            "و",
            "ذلك",
            "كما",
            "التى",
        ]
    ),
    "fr": frozenset(
        [
            "de",
            "la",
            "le",
            "les",
            "des",
            "et",
            "à",
            "en",
            "du",
            "un",
            "une",
            "pour",
            "par",
            "est",
            "dans",
            "au",
            "aux",
            "sur",
            "que",
            "qui",
            "ou",
            "ne",
            "pas",
            "son",
            "sa",
            "ses",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "of",
            "and",
            "to",
            "in",
            "a",
            "an",
            "for",
            "is",
            "by",
            "on",
            "with",
            "that",
            "be",
            "as",
            "or",
            "are",
            "this",
            "from",
            "at",
            "its",
            "it",
        ]
    ),
}
# Demonstratives come before their noun (هذا القانون) and relative pronouns after it (الأحكام التي):
# on real Arabic pages the reverse pairs are about thirty times rarer. Prepositions were measured too
# and carry no signal (a noun with the article precedes a preposition as often as it follows one).
_DEMONSTRATIVES = frozenset(["هذا", "هذه", "ذلك", "تلك", "هؤلاء"])
_RELATIVES = frozenset(["التي", "الذي", "الذين", "اللذين", "اللتين", "اللواتي", "التى"])
_SENTENCE_MARK = re.compile(r"[.:؛!؟،]$")


@dataclass(frozen=True)
class TextQuality:
    score: float  # 0..1: the share of real words, less the penalties (noisy below MIN_WORDS words)
    words: int  # words judged (tokens with at least two letters)
    known: float  # length-weighted share of words found in a word list
    odd: float  # share of tokens holding characters no text layer should (private use, glyph names...)
    order: float  # -1..1, Arabic lines only: below 0, the words of each line look reversed
    function_words: float  # share of tokens that are function words (de, la, the, في, من...)

    judged: bool = False  # enough text to call it garbage: MIN_WORDS words, or many characters no text holds


@cache
def word_list(lang: str) -> frozenset[str]:
    """wordfreq's list for ``lang`` (its data ships inside the package), as folded keys."""
    import wordfreq

    words = wordfreq.get_frequency_dict(lang, wordlist="best")
    if lang == "ar":
        return frozenset(fold(word) for word in words)
    return frozenset(words)


def is_known_word(token: str) -> bool:
    """Whether ``token`` is a word of one of the product's languages (Arabic proclitics and French elision allowed)."""
    return bool(token) and _is_known(token)


def _is_known(token: str) -> bool:
    if _ARABIC.search(token):
        arabic = word_list("ar")
        folded = fold(unicodedata.normalize("NFKC", token))
        if folded in arabic:
            return True
        stripped = _ARABIC_PROCLITIC.sub("", folded)
        return stripped != folded and (stripped in arabic or fold("ال" + stripped) in arabic)
    lowered = unicodedata.normalize("NFKC", token).casefold()
    lowered = _ELISION.sub("", lowered)
    parts = [part for part in re.split(r"[-'’]", lowered) if part]
    return bool(parts) and all(any(part in word_list(lang) for lang in ("fr", "en")) for part in parts)


def _tokens(text: str) -> list[str]:
    return [token for token in (_TOKEN_EDGE.sub("", raw) for raw in text.split() if not _ADDRESS.search(raw)) if token]


def _is_function_word(token: str) -> bool:
    lowered = token.casefold()
    return any(lowered in FUNCTION_WORDS[lang] for lang in LANGUAGES) or lowered.startswith(("ال", "وال", "بال", "لل"))


def _has_article(word: str) -> bool:
    return word.startswith(("ال", "وال"))


def _order(lines: list[list[str]]) -> float:
    """Evidence that Arabic words stand in reading order (positive) or reversed (negative)."""
    forward = backward = 0.0
    for raw in lines:
        words = [_TOKEN_EDGE.sub("", w) for w in raw]
        for before, after in zip(words, words[1:], strict=False):
            forward += 3 * ((before in _DEMONSTRATIVES and _has_article(after)) + (_has_article(before) and after in _RELATIVES))
            backward += 3 * ((after in _DEMONSTRATIVES and _has_article(before)) + (_has_article(after) and before in _RELATIVES))
        if len(raw) >= 3:
            # A sentence mark ends a line in reading order (about 3:1 on real pages); reversed, it ends
            # the line's first word, which a wrapped sentence also does now and then, so it weighs half;
            # a mark that opens a word never happens in reading order.
            forward += bool(_SENTENCE_MARK.search(raw[-1]))
            backward += 1.0 if re.match(r"^[.:؛!؟،]", raw[0]) else 0.5 * bool(_SENTENCE_MARK.search(raw[0]))
    return (forward - backward) / (forward + backward + 6)


def text_quality(text: str) -> TextQuality:
    """Score one page (or any text). Pure and deterministic."""
    raw_tokens = text.split()
    tokens = _tokens(text)
    odd = sum(1 for raw in raw_tokens if _ODD_CHAR.search(raw) or _GLYPH_NAME.search(raw))
    weights = known = 0.0
    words = 0
    for token in tokens:
        letters = len(_LETTERS.findall(token))
        if letters < 2:
            continue
        words += 1
        weight = min(letters, 8)  # long words are the evidence; two-letter strings match by chance
        weights += weight
        if _is_known(token) and not _ODD_CHAR.search(token):
            known += weight
    # Function words (de, la, the, في, من) and, for Arabic, the article ال glued to its noun.
    function = sum(1 for token in tokens if _is_function_word(token))
    arabic_lines = [line.split() for line in text.split("\n") if _ARABIC.search(line)]
    order = _order(arabic_lines) if arabic_lines else 0.0
    known_share = known / weights if weights else 0.0
    odd_share = odd / len(raw_tokens) if raw_tokens else 0.0
    function_share = function / len(tokens) if tokens else 0.0
    # Control and private-use characters in place of spaces and letters (a font map gone wrong) can
    # leave a page with few "words" at all: their share of the characters judges it by itself.
    visible = sum(1 for ch in text if not ch.isspace())
    odd_chars = len(_ODD_CHAR.findall(text)) / visible if visible else 0.0
    # Running text of any of the three languages is a tenth function words or more; word lists of
    # names and terms have fewer, and garbage none: a mild factor, the word lists decide.
    function_factor = 0.85 + 0.15 * min(1.0, function_share / 0.1)
    score = (
        known_share
        * function_factor
        * (1.0 - min(odd_share * 2, 1.0))
        * (1.0 - min(odd_chars * 10, 1.0))
        * (1.0 - 0.3 * max(0.0, -order))
    )
    judged = words >= MIN_WORDS or (visible >= 40 and odd_chars >= 0.05)
    return TextQuality(
        round(score, 4), words, round(known_share, 4), round(odd_share, 4), round(order, 4), round(function_share, 4), judged
    )


def has_letters(text: str) -> bool:
    return bool(_ARABIC.search(text) or _LATIN.search(text))
