"""A trilingual glossary (en, fr, ar) for cross-lingual lexical expansion, without an LLM.

A question in one language names concepts ("technology park"); the glossary gives the words other
languages use for them ("technopôle", "حظيرة تكنولوجية"), so that BM25 over French or Arabic
passages has something to match. Terms are matched on analysed tokens (kb.analysis), so plurals,
articles and elisions that the analyser removes match too.

Limits: matching is as good as the light stemmers. Arabic broken plurals (عناقيد / عنقود) only
match when the glossary lists them as terms of their own, and a term matches only as a contiguous
run of tokens. A term is found inside a longer one as well ("free zone" inside "duty-free zone").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kb.analysis import analyze
from kb.config import GLOSSARY
from kb.errors import InvalidValue, KBError

BUNDLED = GLOSSARY
LANGS: tuple[str, ...] = ("en", "fr", "ar")
HEADER = ("concept", "lang", "term")


class GlossaryError(KBError):
    """A glossary file cannot be read; the message names the file and line and what to fix."""


@dataclass(frozen=True)
class Term:
    concept: str
    lang: str
    text: str
    tokens: tuple[str, ...]  # analyze(text, lang), never empty
    line: int  # 1-based line in the glossary file, for messages

    def __post_init__(self) -> None:
        if not self.tokens:
            raise InvalidValue(f"glossary term '{self.text}' ({self.lang}) has no tokens; a term must keep at least one word")


@dataclass(frozen=True)
class Glossary:
    """Terms by concept and language, with an index from (lang, first token) to terms."""

    terms: tuple[Term, ...]
    source: Path | None = None
    _by_first: Mapping[tuple[str, str], tuple[Term, ...]] = field(init=False, repr=False, compare=False)
    _by_concept: Mapping[tuple[str, str], tuple[Term, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_first: dict[tuple[str, str], list[Term]] = {}
        by_concept: dict[tuple[str, str], list[Term]] = {}
        for term in self.terms:
            by_first.setdefault((term.lang, term.tokens[0]), []).append(term)
            by_concept.setdefault((term.concept, term.lang), []).append(term)
        # Frozen dataclass: the derived indexes are set once here and never changed.
        object.__setattr__(self, "_by_first", {key: tuple(value) for key, value in by_first.items()})
        object.__setattr__(self, "_by_concept", {key: tuple(value) for key, value in by_concept.items()})

    @property
    def concepts(self) -> tuple[str, ...]:
        """Concept ids in file order."""
        return tuple(dict.fromkeys(term.concept for term in self.terms))

    def terms_of(self, concept: str, lang: str) -> tuple[Term, ...]:
        return self._by_concept.get((concept, lang), ())

    def concepts_in(self, text: str, lang: str) -> set[str]:
        """Concepts with a ``lang`` term whose tokens occur as a contiguous run in ``analyze(text, lang)``."""
        return self.concepts_in_tokens(analyze(text, lang), lang)

    def concepts_in_tokens(self, tokens: list[str], lang: str) -> set[str]:
        """:meth:`concepts_in` for a text already analysed as ``lang``."""
        return set(self._found(tokens, lang))

    def expand(self, text: str, source_lang: str, target_lang: str) -> list[str]:
        """Analysed tokens of the ``target_lang`` terms of the concepts found in ``text``.

        Concepts come in the order they are first found in the text, terms in file order; each token
        appears once. A language without glossary terms gives no concepts and no tokens.
        """
        tokens: dict[str, None] = {}
        for concept in self._found(analyze(text, source_lang), source_lang):
            for term in self.terms_of(concept, target_lang):
                tokens.update(dict.fromkeys(term.tokens))
        return list(tokens)

    def _found(self, tokens: list[str], lang: str) -> list[str]:
        """Concepts found in ``tokens``, by first position, each once."""
        found: dict[str, None] = {}
        for start, token in enumerate(tokens):
            for term in self._by_first.get((lang, token), ()):
                end = start + len(term.tokens)
                if term.concept not in found and tuple(tokens[start:end]) == term.tokens:
                    found[term.concept] = None
        return list(found)


def load_glossary(path: Path | None = None) -> Glossary:
    """Read a glossary TSV (``None``: the bundled kb/data/glossary.tsv, read once per process).

    Raises GlossaryError for a missing file, a missing header, a row without exactly three
    tab-separated fields, an unknown language, an empty or malformed concept id, a term that
    analyses to nothing (only stopwords or punctuation) and a row repeated word for word.
    """
    if path is None:
        return glossary_at(BUNDLED)
    return _read(path)


def glossary_at(path: Path) -> Glossary:
    """The glossary at ``path`` (``RetrievalConfig.glossary_path``), read once per process and path."""
    return _cached(path.resolve())


def default_glossary() -> Glossary:
    """The bundled glossary (kb/data/glossary.tsv), read once per process."""
    return glossary_at(BUNDLED)


@cache
def _cached(path: Path) -> Glossary:
    return _read(path)


def _read(path: Path) -> Glossary:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise GlossaryError(f"{path}: no such glossary file; pass an existing TSV or None for the bundled one") from None
    except (OSError, UnicodeDecodeError) as err:
        raise GlossaryError(f"{path}: cannot read the glossary ({err}); save it as UTF-8 text") from None
    terms: list[Term] = []
    seen: dict[tuple[str, str, str], int] = {}
    header_seen = False
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [part.strip() for part in line.split("\t")]
        where = f"{path}:{number}"
        if not header_seen:
            if tuple(fields) != HEADER:
                raise GlossaryError(f"{where}: expected the header 'concept<TAB>lang<TAB>term' before the first row")
            header_seen = True
            continue
        term = _parse_row(fields, where, number)
        # Rows that differ only in what the analyser removes ("استثمار", "الاستثمار") are kept: they
        # document the spellings, and an analyser change must not turn them into load errors.
        key = (term.concept, term.lang, term.text)
        if key in seen:
            raise GlossaryError(f"{where}: '{term.text}' repeats line {seen[key]} for the same concept and language; delete one")
        seen[key] = number
        terms.append(term)
    if not terms:
        raise GlossaryError(f"{path}: the glossary has no rows; add 'concept<TAB>lang<TAB>term' lines after the header")
    return Glossary(terms=tuple(terms), source=path)


def _parse_row(fields: list[str], where: str, number: int) -> Term:
    if len(fields) != 3:
        raise GlossaryError(f"{where}: expected 3 tab-separated fields (concept, lang, term), found {len(fields)}")
    concept, lang, text = fields
    if not concept or not all(c.isascii() and (c.isalnum() or c == "_") for c in concept) or concept != concept.lower():
        raise GlossaryError(f"{where}: concept id '{concept}' must be lowercase ASCII letters, digits and '_'")
    if lang not in LANGS:
        raise GlossaryError(f"{where}: unknown language '{lang}'; use one of {', '.join(LANGS)}")
    tokens = tuple(analyze(text, lang))
    if not tokens:
        raise GlossaryError(f"{where}: the term '{text}' has no words left after analysis (only stopwords?); reword it")
    return Term(concept=concept, lang=lang, text=text, tokens=tokens, line=number)
