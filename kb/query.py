"""Query understanding: the language of a question and the countries, regions and years it names.

Place names come from ``kb/data/places.tsv`` and are matched by one regex compiled at first use, on a
folded copy of the question (case, Latin accents, Arabic hamza/alef/ya/ta marbuta, diacritics, tatweel).
Limits: only names listed in the data file are found (no spelling correction, no transliterations
beyond those listed); relative periods ("the last five years") and dates written as day/month/year
are not turned into bounds; a count written like a year ("2000 firms") is skipped only when a
known unit follows it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import TypeAlias

from ingest.arabic import fold
from ingest.langid import detect_language
from kb.errors import DataFileError

PARTNERS = ("DZ", "EG", "JO", "LB", "MA", "PS", "TN")
REGIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "maghreb": ("DZ", "MA", "TN"),
        "mashreq": ("EG", "JO", "LB", "PS"),
        "partners": PARTNERS,
        "eu": ("EU",),
        # Narrower or wider groups that users also name; each is still a subset of what the corpus covers.
        "levant": ("JO", "LB", "PS"),
        "north_africa": ("DZ", "EG", "MA", "TN"),
    }
)
COUNTRIES = (*PARTNERS, "EU")
LANGS = ("ar", "fr", "en")
# Search reads a query's first 2,000 characters (the web app's limit on a question). The model reads
# a few hundred tokens usefully and its time grows with the square of the length: 50,000 characters
# took 50 s to embed; a bound keeps every query to milliseconds.
MAX_QUERY_CHARS = 2000
# What a query never means: control characters (NUL included), bidi overrides and isolates (U+202E can
# make "sdnuf" display as "funds"), zero-width spaces and byte-order marks, and lone surrogates
# (from undecodable argv bytes or a JSON "\ud800"), which no UTF-8 encoder accepts.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


@dataclass(frozen=True)
class PlaceForm:
    code: str  # ISO alpha-2, "EU", or "region:<key>"
    lang: str
    form: str  # as written in the data file


@dataclass(frozen=True)
class QueryIntent:
    lang: str
    countries: tuple[str, ...]  # named explicitly, in order of first mention
    regions: tuple[str, ...]  # keys of REGIONS, in order of first mention
    region_countries: tuple[str, ...]  # members of those regions not already in ``countries``
    year_min: int | None
    year_max: int | None
    years: tuple[int, ...]  # every year written in the question, in order of first mention

    @property
    def all_countries(self) -> tuple[str, ...]:
        return self.countries + self.region_countries


# --- Normalisation -------------------------------------------------------------------------------

_COMBINING = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# Dotless ı is folded too: re.IGNORECASE lets it match "i", and the form lookup must then find the same key.
_MARKS = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "ı": "i"}
)
_WORD_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def _fold(text: str) -> str:
    """Arabic folding plus removal of every combining mark (Latin accents, Arabic hamza above/below)."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", fold(text)))


def clean_query(text: str, limit: int = MAX_QUERY_CHARS) -> str:
    """``text`` as search reads it: what it never means removed (see ``_INVISIBLE``; a control
    character separates words), and at most ``limit`` characters, cut at a space when one is near."""
    text = _INVISIBLE.sub(lambda m: " " if unicodedata.category(m.group()) == "Cc" else "", text)
    if len(text) > limit:
        cut = text.rfind(" ", limit - 100, limit + 1)
        text = text[: cut if cut > 0 else limit]
    return text.strip()


def has_words(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit of any script: punctuation and emoji alone ask nothing."""
    return any(ch.isalnum() for ch in text)


def normalize_query(text: str) -> str:
    """The matching form of ``text``: folded, ASCII digits, one kind of apostrophe and dash, single spaces.

    Case is kept (abbreviations such as "EU" depend on it); a hyphen between two letters becomes a
    space so that "Euro-Mediterranean" and "Euro Mediterranean" are one form.
    """
    text = " ".join(_fold(text).translate(_DIGITS).translate(_MARKS).split())
    return _WORD_HYPHEN.sub(" ", text) if "-" in text else text


def _key(form: str) -> str:
    return normalize_query(form).casefold()


# --- Place names ---------------------------------------------------------------------------------


def parse_places(text: str) -> tuple[PlaceForm, ...]:
    """Parse the ``code<TAB>lang<TAB>form`` lines of a places file; ``#`` starts a comment line."""
    forms: list[PlaceForm] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise DataFileError(f"places.tsv line {number}: expected code<TAB>lang<TAB>form, got {line!r}")
        code, lang, form = (p.strip() for p in parts)
        known = code in COUNTRIES or (code.startswith("region:") and code[len("region:") :] in REGIONS)
        if not known or lang not in LANGS:
            raise DataFileError(f"places.tsv line {number}: unknown code {code!r} or language {lang!r}")
        forms.append(PlaceForm(code, lang, form))
    return tuple(forms)


@lru_cache(maxsize=1)
def place_forms() -> tuple[PlaceForm, ...]:
    """The forms bundled in ``kb/data/places.tsv``."""
    return parse_places(resources.files("kb").joinpath("data/places.tsv").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str]
    codes: Mapping[str, str]  # key -> code
    langs: Mapping[str, frozenset[str]]  # key -> languages whose list holds it
    abbreviations: frozenset[str]  # keys written in capitals: lower case counts only in their own language


_Trie: TypeAlias = dict[str, "_Trie"]  # one character per edge; the key "" marks the end of a form


def _trie_pattern(keys: Iterable[str]) -> str:
    """One regex for all ``keys``, factored by shared prefixes so a failed position costs a few steps.

    At each node the continuations are tried before stopping, so of the forms that start at one
    position the longest wins: a region ("المغرب العربي") consumes the words a country ("المغرب") would take.
    """
    trie: _Trie = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + (")?" if "" in node else ")")

    return build(trie)


@lru_cache(maxsize=1)
def _matcher() -> _Matcher:
    codes: dict[str, str] = {}
    langs: dict[str, set[str]] = {}
    abbreviations: set[str] = set()
    for place in place_forms():
        keys = [_key(place.form)]
        if keys[0].startswith("ال"):
            keys.append("ل" + keys[0][1:])  # ل + ال is written لل: "للمغرب"; the proclitic ل is matched separately
        for key in keys:
            if codes.setdefault(key, place.code) != place.code:
                raise DataFileError(f"places.tsv: {place.form!r} is listed for both {codes[key]} and {place.code}")
            langs.setdefault(key, set()).add(place.lang)
        letters = [c for c in place.form if c.isalpha()]
        if len(letters) > 1 and all(c.isupper() for c in letters):
            abbreviations.add(keys[0])
    # Arabic proclitics و/ف then ب/ل/ك may be attached to any name: "وبالمغرب", "لتونس", "ومصر".
    pattern = re.compile(rf"(?<!\w)[وف]?[بلك]?({_trie_pattern(codes)})(?!\w)", re.IGNORECASE)
    frozen = {key: frozenset(value) for key, value in langs.items()}
    return _Matcher(pattern, MappingProxyType(codes), MappingProxyType(frozen), frozenset(abbreviations))


# --- Language ------------------------------------------------------------------------------------

# The letter classes of ingest.langid, negated: deleting the rest and measuring what is left is much faster
# than collecting every letter as a match.
_NOT_ARABIC = re.compile(r"[^\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")
_NOT_LATIN = re.compile(r"[^A-Za-zÀ-ÖØ-öø-ÿŒœ]+")
_FRENCH_ACCENT = re.compile(r"[àâçéèêëîïôûùüœÀÂÇÉÈÊËÎÏÔÛÙÜŒ]")
_ELISION = re.compile(r"(?<!\w)(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)'(?=\w)", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words that belong to one language only ("a", "an", "on", "comment" are left out on purpose:
# each is a word in both).
_FRENCH_WORDS = _words(
    "le la les des du de et en au aux pour par sur dans avec sans est sont ont quel quelle quels quelles "
    "quoi pourquoi combien qui que ou une ces cette ce cet leur leurs entre depuis avant apres selon "
    "chez dont lorsque quand comme aussi mais ils elles nous vous il elle y ete etre peut peuvent"
)
_ENGLISH_WORDS = _words(
    "the of and in for to with by what which how is are does do did was were who whom why when where "
    "between since before after from this that these those there their its be been has have any about "
    "under than into at can could should would whose each other compare compared across"
)
_DECISIVE = 2  # a margin of function-word votes this large decides without the statistical detector


def _latin_votes(text: str, folded: str, place_langs: Iterable[frozenset[str]]) -> int:
    """Positive for French, negative for English."""
    votes = len(_FRENCH_ACCENT.findall(text)) + len(_ELISION.findall(text))
    for token in _TOKEN.findall(folded.casefold()):
        votes += (token in _FRENCH_WORDS) - (token in _ENGLISH_WORDS)
    for langs in place_langs:
        if langs == {"fr"}:
            votes += 1
        elif langs == {"en"}:
            votes -= 1
    return votes


def _language(text: str, folded: str, place_langs: list[frozenset[str]]) -> str:
    arabic = len(_NOT_ARABIC.sub("", text))
    latin = len(_NOT_LATIN.sub("", text))
    if arabic and arabic >= latin:
        return "ar"  # the rule detect_language applies; it needs no statistics
    votes = _latin_votes(text, folded, place_langs)
    guess = "fr" if votes > 0 else "en"
    if abs(votes) >= _DECISIVE:
        return guess  # langdetect costs about a millisecond per question; function words settle most
    detected = detect_language(text, fallback=guess)
    return detected if detected in LANGS else guess


# --- Years ---------------------------------------------------------------------------------------


def _compile(pattern: str) -> re.Pattern[str]:
    """Compile a pattern written in natural spelling: its Arabic and accents are folded like the text."""
    return re.compile(_fold(pattern), re.IGNORECASE)


_YEAR = re.compile(r"(?<!\d)(?:19\d\d|20\d\d|2100)(?!\d)")  # 1900..2100
# "the year", "l'année", "عام", "سنة", "العام" between a keyword and the year.
_FILL = r"(?:(?:the\s+)?(?:(?:fiscal\s+)?years?\s+)?|(?:l'|les\s+)?(?:années?|an|exercice)\s+|(?:ال)?(?:عام|سنة|عامي|سنتي)\s*)"
_KEYWORD = r"(?<!\w)[وف]?"  # an Arabic keyword may carry و or ف: "ومنذ", "وقبل"
# Law and decree numbers ("Law 17-95", "loi n° 2001-50", "رقم 17-95") and dates or three-part numbers
# ("12/03/2015", "2-18-510"): their separators are hidden before years are read, so they are never ranges.
_LAW_NUMBER = _compile(
    r"(?<!\w)(?:laws?|loi|act|decree|décret|dahir|ordinance|ordonnance|order|arrêté|circular|circulaire|regulation|"
    r"règlement|directive|decision|décision|n°|no\.?|num(?:ber|éro)?\.?|قانون|القانون|مرسوم|المرسوم|ظهير|الظهير|قرار|القرار|"
    r"أمر|الأمر|منشور|المنشور|رقم)\s*(?:\(\w+\)\s*)?(?:(?:n°|no\.?|number|numéro|رقم)\s*)?\d+(?:\s*[-/.]\s*\d+)+"
)
_MULTIPART = re.compile(r"\d+(?:[-/.]\d+){2,}")
_SEPARATORS = re.compile(r"[-/.]")
# Each year is read with the text just before it (ending at the year) and just after it (starting at it).
_WINDOW = 40
_BETWEEN = _compile(rf"{_KEYWORD}(?:between|entre|بين)\s+{_FILL}$")
_AND = _compile(rf"\s*(?:and|et|و|-|to|à)\s*{_FILL}")
_TO = _compile(rf"\s*(?:-|to|until|till|through|thru|à|au|jusqu'(?:en|à|au)|إلى|حتى|لغاية|إلى\s+غاية)\s*{_FILL}")
_SINCE = _compile(
    rf"{_KEYWORD}(?:since|after|from|starting(?:\s+(?:in|from))?|beginning(?:\s+in)?|as\s+of|post|later\s+than|depuis|"
    rf"après|à\s+partir\s+de|à\s+compter\s+de|dès|postérieure?s?\s+à|منذ|بعد|ابتداء\s+من|اعتبارا\s+من|بدءا\s+من|"
    rf"انطلاقا\s+من|من(?=\s+(?:ال)?(?:عام|سنة)))\s*-?\s*{_FILL}$"
)
_ONWARDS = _compile(
    r"\s+(?:onwards?|and\s+(?:later|after|beyond)|or\s+later|et\s+(?:après|au-delà)|فما\s+بعد|وما\s+بعدها?|فصاعدا)"
)
_UNTIL = _compile(
    rf"{_KEYWORD}(?:before|prior\s+to|until|till|up\s+to|through|pre|earlier\s+than|avant|jusqu'(?:en|à|au)|"
    rf"antérieure?s?\s+à|قبل|حتى|لغاية|إلى\s+غاية)\s*-?\s*{_FILL}$"
)
_EARLIER = _compile(r"\s+(?:and\s+(?:earlier|before)|or\s+earlier|et\s+avant|وما\s+قبلها?|فما\s+قبل)")
# "1990s", "the 1990's", "les années 2000"; a bare "2030's" is more often a possessive ("Vision 2030's goals").
_DECADE_AFTER = re.compile(r"s(?!\w)")
_DECADE_APOSTROPHE = re.compile(r"'s(?!\w)")
_DECADE_BEFORE = _compile(r"(?<!\w)années\s+$")
_THE = re.compile(r"(?<!\w)the\s+$", re.IGNORECASE)
# A number followed by a unit or a count noun is a quantity, not a year ("2000 firms", "1500 DH").
_QUANTITY = _compile(
    r"\s*(?:%|‰|€|\$|£|(?:dh|mad|dt|tnd|da|dzd|egp|jod|jd|lbp|nis|usd|eur|euros?|dollars?|dinars?|dirhams?|livres?|pounds?|"
    r"shekels?|millions?|milliards?|billions?|thousands?|mille|m2|km2?|ha|hectares?|smes?|pmes?|msmes?|firms?|entreprises?|"
    r"enterprises?|compan(?:y|ies)|sociétés?|projects?|projets?|jobs?|emplois?|postes?|workers?|employees?|salariés?|people|"
    r"personnes?|beneficiaries|bénéficiaires?|members?|membres?|start-?ups?|مليون|مليار|ألف|دينار|درهم|جنيه|دولار|يورو|شركة|"
    r"شركات|مؤسسة|مؤسسات|مشروع|مشاريع|وظيفة|منصب|عامل|موظف)(?!\w))"
)
_CURRENCY_BEFORE = _compile(r"(?:[€$£]|(?<!\w)(?:usd|eur|dh|mad|tnd|dzd|egp|jod|lbp))\s*$")


def _hide_separators(match: re.Match[str]) -> str:
    return _SEPARATORS.sub("#", match.group(0))


def _years(text: str) -> tuple[tuple[int, ...], int | None, int | None]:
    """(every year in order of mention, lower bound, upper bound) found in normalised ``text``.

    Bounds are inclusive ("after 2010" gives 2010 too); several bounds give the widest period (lowest
    lower, highest upper), and bounds that contradict each other ("before 2005 or after 2015") are
    both dropped. A law's own year ("لسنة 1998", "loi n° 2001-50") is a year but never a bound.
    """
    if _YEAR.search(text) is None:
        return (), None, None  # most questions name no year: skip the patterns below
    text = _MULTIPART.sub(_hide_separators, _LAW_NUMBER.sub(_hide_separators, text))
    found = [
        m for m in _YEAR.finditer(text) if not _QUANTITY.match(text, m.end()) and not _CURRENCY_BEFORE.search(_before(text, m))
    ]
    lows: list[int] = []
    highs: list[int] = []
    in_range: set[int] = set()  # indexes into ``found``
    for i, (first, second) in enumerate(zip(found, found[1:], strict=False)):
        if i in in_range:
            continue
        a, b = int(first.group()), int(second.group())
        between = _BETWEEN.search(_before(text, first)) is not None and _AND.fullmatch(text, first.end(), second.start())
        if between or (a <= b and _TO.fullmatch(text, first.end(), second.start())):
            lows.append(min(a, b))
            highs.append(max(a, b))
            in_range.update((i, i + 1))
    for i, match in enumerate(found):
        year, before = int(match.group()), _before(text, match)
        decade = _DECADE_AFTER.match(text, match.end()) or _DECADE_BEFORE.search(before)
        if decade or (_DECADE_APOSTROPHE.match(text, match.end()) and _THE.search(before)):
            if year % 10 == 0:
                lows.append(year)
                highs.append(year + 9)
        elif i in in_range:
            continue
        elif _SINCE.search(before) or _ONWARDS.match(text, match.end()):
            lows.append(year)
        elif _UNTIL.search(before) or _EARLIER.match(text, match.end()):
            highs.append(year)
    years = tuple(dict.fromkeys(int(m.group()) for m in found))
    year_min = min(lows) if lows else None
    year_max = max(highs) if highs else None
    if year_min is not None and year_max is not None and year_min > year_max:
        return years, None, None
    return years, year_min, year_max


def _before(text: str, match: re.Match[str]) -> str:
    return text[max(0, match.start() - _WINDOW) : match.start()]


# --- Entry point ---------------------------------------------------------------------------------


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def understand(text: str) -> QueryIntent:
    """Language, named countries and regions, and years of a question. Never raises on any string."""
    folded = normalize_query(text)
    matcher = _matcher()
    written = [match.group(1) for match in matcher.pattern.finditer(folded)]
    # A form the regex matched under IGNORECASE but casefold() spells otherwise is dropped, never looked up.
    found = [(form, form.casefold()) for form in written if form.casefold() in matcher.codes]
    lang = _language(text, folded, [matcher.langs[key] for _, key in found if key not in matcher.abbreviations])
    codes = [
        matcher.codes[key]
        for written, key in found
        if key not in matcher.abbreviations or written.isupper() or lang in matcher.langs[key]
    ]
    countries = _unique(code for code in codes if not code.startswith("region:"))
    regions = _unique(code[len("region:") :] for code in codes if code.startswith("region:"))
    region_countries = _unique(c for region in regions for c in REGIONS[region] if c not in countries)
    years, year_min, year_max = _years(folded)
    return QueryIntent(lang, countries, regions, region_countries, year_min, year_max, years)


def without_places(text: str) -> str:
    """The question, folded as :func:`normalize_query` folds it, with every country and region name removed."""
    return _matcher().pattern.sub(" ", normalize_query(text))
