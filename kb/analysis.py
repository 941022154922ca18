"""Language-aware lexical analysis for BM25: text in, index terms out.

One function serves indexing and querying, so a passage and a question analysed with the same
language always meet on the same terms. Languages "ar", "fr" and "en" have their own rules; any
other code gets a generic analysis (lowercase, accents folded, no stemming, no stopwords).

Script is decided per token: an Arabic-script token always gets the Arabic analysis, whatever the
text's language; a Latin token in an Arabic text gets the English one (without English stopwords).

Limits: stemming is light. Arabic broken plurals (مناطق / منطقة, عناقيد / عنقود) do not meet, and
neither do French words typed without their accents when a suffix carries the accent
("compétitivité" / "competitivite"); "pôle" / "pole" do meet. Tokens never span scripts:
"ANPMEالتي" is two tokens.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import resources

import Stemmer

# Bump when the output of analyze() changes for any input: the lexical index is rebuilt then.
ANALYZER_VERSION = "1"

# Arabic letters plus the marks and tatweel that sit inside Arabic words (removed later, per token).
_ARABIC_WORD = "\u0620-\u065f\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# Tokens: runs of Arabic letters, or runs of other letters and digits ([^\W_] is "alphanumeric";
# Arabic-Indic digits are outside _ARABIC_WORD, so "١٢" is a number token like "12").
_TOKEN = re.compile(f"[{_ARABIC_WORD}]+|[^\\W_{_ARABIC_WORD}]+")
# Format characters that PDF text layers put inside words (soft hyphen, zero-width joiners, bidi
# marks); removed before tokenising, so that they do not split a word in two.
_FORMAT = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_APOSTROPHES = ("\u2019", "\u2018", "\u02bc")
_FRENCH_ELISION = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|presqu|qu|[cdjlmnst])'")
_ENGLISH_POSSESSIVE = re.compile(r"(?<=[^\W_])'s\b")

# Applied to each new token, before its analysis. Arabic folding follows the usual IR normalisation
# (Larkey et al. 2007): hamza-carrying alefs to bare alef, alef maqsura to ya, ta marbuta to ha.
# Hamza on waw and on ya both become bare hamza, so that the Egyptian "مسئول" meets "مسؤول".
_TRANSLATION: dict[int, str | None] = {
    **{0x0660 + d: str(d) for d in range(10)},  # Arabic-Indic digits
    **{0x06F0 + d: str(d) for d in range(10)},  # Extended Arabic-Indic (Persian, Urdu) digits
    **{c: None for c in range(0x064B, 0x0660)},  # harakat, shadda, sukun, small hamza
    0x0670: None,  # superscript alef
    0x0640: None,  # tatweel
    0x0622: "\u0627",  # آ -> ا
    0x0623: "\u0627",  # أ -> ا
    0x0625: "\u0627",  # إ -> ا
    0x0671: "\u0627",  # ٱ -> ا
    0x0649: "\u064a",  # ى -> ي
    0x06CC: "\u064a",  # Farsi yeh -> ي
    0x06A9: "\u0643",  # keheh -> ك
    0x0629: "\u0647",  # ة -> ه
    0x0624: "\u0621",  # ؤ -> ء
    0x0626: "\u0621",  # ئ -> ء
    0x0153: "oe",  # œ: "œuvre" and "oeuvre" are the same word
    0x00E6: "ae",
}

# Light10 (Larkey, Ballesteros & Connell, "Light Stemming for Arabic Information Retrieval", in
# Arabic Computational Morphology, Springer 2007): strip و when 3 letters remain, one definite
# article when 2 remain, then each suffix of the list in turn when 2 remain. The list is the
# paper's, with ة already folded into ه (so ية and يه, ة and ه are one entry each).
_AR_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")  # longest first
_AR_ARTICLE_REST = dict.fromkeys(_AR_ARTICLES, 2) | dict.fromkeys(_AR_ARTICLES[1:4], 3)  # letters that must remain
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
_WAW = "\u0648"
_AL = "\u0627\u0644"

_LANGS = ("ar", "fr", "en")
# The caches map a raw token to its term ("" for a stopword). A corpus vocabulary (numbers included)
# stays well below this; the bound only keeps a long-running server from growing without limit.
_CACHE_LIMIT = 1_000_000
_CACHES: dict[str, dict[str, str]] = {lang: {} for lang in (*_LANGS, "")}
# A PyStemmer object is not safe to share between threads; the Gradio app serves from several.
_STEMMER_LOCK = threading.Lock()


def analyze(text: str, lang: str) -> list[str]:
    """Index terms of ``text`` analysed as language ``lang`` ("ar", "fr", "en"; others are generic).

    Terms are never empty strings. The same text and language always give the same terms.
    """
    return analyze_many([text], lang)[0]


def analyze_many(texts: Sequence[str], lang: str) -> list[list[str]]:
    """``[analyze(t, lang) for t in texts]``, with the stemmer called once for all new words."""
    key = _base_lang(lang)
    tokenised = [_tokens(text, key) for text in texts]
    terms = _CACHES[key]
    missing = {tok for tokens in tokenised for tok in tokens if tok not in terms}
    if missing:
        if len(terms) + len(missing) > _CACHE_LIMIT:
            # A fresh dict rather than clear(): a thread still reading the old one keeps its terms.
            terms = _CACHES[key] = {}
            missing = {tok for tokens in tokenised for tok in tokens}
        _analyse_new(missing, key, terms)
    return [[term for tok in tokens if (term := terms[tok])] for tokens in tokenised]


@cache
def _base_lang(lang: str) -> str:
    """The language whose rules apply: "FR" and "fr-FR" are French; unknown codes give "" (generic)."""
    base = lang.strip().casefold().split("-")[0].split("_")[0]
    return base if base in _LANGS else ""


def _tokens(text: str, lang: str) -> list[str]:
    """Raw tokens (casefolded, not yet folded or stemmed): the keys of the term caches."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if _FORMAT.search(text):
        text = _FORMAT.sub("", text)
    if lang in ("fr", "en"):
        # Typographic apostrophes too, so that elisions and possessives are found whichever was typed.
        for apostrophe in _APOSTROPHES:
            if apostrophe in text:
                text = text.replace(apostrophe, "'")
    if lang == "fr" and "'" in text:
        text = _FRENCH_ELISION.sub(" ", text)
    elif lang == "en" and "'" in text:
        text = _ENGLISH_POSSESSIVE.sub("", text)
    return _TOKEN.findall(text)


def _is_arabic(token: str) -> bool:
    # Tokens are single-script by construction (digits are folded to ASCII first), so the first
    # character decides.
    return "\u0600" <= token[0] <= "\u08ff"


def _analyse_new(tokens: Iterable[str], lang: str, terms: dict[str, str]) -> None:
    """Fill ``terms`` for tokens not seen yet; Latin words go to the stemmer in one batch."""
    latin: list[str] = []
    folded: list[str] = []
    for tok in tokens:
        fold = tok.translate(_TRANSLATION)
        if not fold:
            terms[tok] = ""
        elif _is_arabic(fold):
            terms[tok] = arabic_term(fold)
        else:
            latin.append(tok)
            folded.append(fold)
    if latin:
        terms.update(zip(latin, _LATIN_ANALYSERS[lang](folded), strict=True))


# --- Stopwords ------------------------------------------------------------------------------------


@cache
def _stopwords(lang: str) -> frozenset[str]:
    """The bundled list kb/data/stopwords/<lang>.txt, folded the way text is folded."""
    raw = (resources.files("kb") / "data" / "stopwords" / f"{lang}.txt").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(fold_accents(unicodedata.normalize("NFKC", line).casefold().translate(_TRANSLATION)))
    return frozenset(words)


# --- Arabic ---------------------------------------------------------------------------------------


def arabic_term(token: str) -> str:
    """The term of one folded Arabic token: "" for a stopword or a lone letter, else its light stem."""
    if len(token) < 2:
        return ""  # a conjunction written apart (و) or an enumeration label (أ, ب)
    stop = _stopwords("ar")
    if token in stop or (token[0] == _WAW and len(token) >= 3 and token[1:] in stop):
        return ""
    return light_stem(token)


def light_stem(word: str) -> str:
    """Light10 stem of a folded Arabic word (see _AR_ARTICLES), with three additions.

    - The paper strips the و of و-initial words (وزارة, وطني) but not after an article (الوزارة),
      so the two forms never met; here a leading و also goes after the article.
    - For the same reason a second ال goes when the word itself starts with those letters
      (التزام / الالتزام, إلكتروني / الإلكتروني).
    - بال, كال, فال need 3 letters left, not 2: after و goes, "وكالات" (agencies) would
      otherwise lose كال as an article and become "ات".
    """
    if word[0] == _WAW and len(word) >= 4:
        word = word[1:]
    for article in _AR_ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= _AR_ARTICLE_REST[article]:
            word = word[len(article) :]
            if word.startswith(_AL) and len(word) >= 4:
                word = word[2:]
            break
    if word[0] == _WAW and len(word) >= 4:
        word = word[1:]
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


# --- Latin script ---------------------------------------------------------------------------------


def fold_accents(token: str) -> str:
    """Drop combining marks after canonical decomposition: "pôle" -> "pole", "ç" -> "c"."""
    if token.isascii():
        return token
    folded = token.translate(_LATIN_ACCENTS)
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c)) or token


def _accent_table() -> dict[int, str]:
    # The same result as the NFD route for Latin-1 and Latin Extended-A/B, but one C call per token.
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(c))
        if base != chr(code):
            table[code] = base
    return table


_LATIN_ACCENTS = _accent_table()


@cache
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


def _stem_all(language: str, words: list[str]) -> list[str]:
    if not words:
        return []
    with _STEMMER_LOCK:
        return list(_stemmer(language).stemWords(words))


def _french(tokens: list[str]) -> list[str]:
    # Snowball French needs the accents (they mark its suffixes), so stem first and fold after.
    stop = _stopwords("fr")
    out = [fold_accents(tok) for tok in tokens]
    todo = [i for i, folded in enumerate(out) if folded not in stop and folded.isalpha()]
    for i, folded in enumerate(out):
        if folded in stop:
            out[i] = ""
    for i, stem in zip(todo, _stem_all("french", [tokens[i] for i in todo]), strict=True):
        out[i] = fold_accents(stem) or out[i]
    return out


def _english(tokens: list[str], stopwords: frozenset[str]) -> list[str]:
    out = [fold_accents(tok) for tok in tokens]
    todo = [i for i, folded in enumerate(out) if folded not in stopwords and folded.isalpha()]
    for i, folded in enumerate(out):
        if folded in stopwords:
            out[i] = ""
    for i, stem in zip(todo, _stem_all("english", [out[i] for i in todo]), strict=True):
        out[i] = _plural_acronym(out[i], stem) or out[i]
    return out


def _plural_acronym(word: str, stem: str) -> str:
    # Porter2 keeps an "s" that follows the word's only vowel, so "smes" would not meet "sme"
    # ("ngos", "pmes" likewise). Only words the stemmer left alone are touched; "-ss" and "-us"
    # are its deliberate exceptions (class, campus).
    if stem == word and len(word) >= 4 and word[-1] == "s" and word[-2] not in "su":
        return word[:-1]
    return stem


def _latin_in_arabic(tokens: list[str]) -> list[str]:
    return _english(tokens, frozenset())


def _generic(tokens: list[str]) -> list[str]:
    return [fold_accents(tok) for tok in tokens]


_LATIN_ANALYSERS: dict[str, Callable[[list[str]], list[str]]] = {
    "ar": _latin_in_arabic,
    "fr": _french,
    "en": lambda tokens: _english(tokens, _stopwords("en")),
    "": _generic,
}
