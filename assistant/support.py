"""The check a generated answer passes before it is shown: each sentence must cite a passage that states it.

Deterministic and local: the analyser of :mod:`kb.analysis` and the bundled embedding model, no
second LLM. A sentence is kept only if

1. it cites at least one passage, and every number it cites was supplied (``[0]``, "the passages
   do not cover this", is a statement about coverage and is never shown as a claim);
2. its cited passages are not ``suspect`` (instructions addressed to an assistant support nothing);
3. every number it writes (a year, an amount, a law's number) stands in a cited passage or its
   heading: figures are where generators invent most;
4. it negates or repeals something ("not", "no longer", "abolished", "supprimé", "ألغي") only if a
   cited passage holds such a word too: one changed verb is the cheapest false claim, and one the
   terms test below cannot see;
5. a cited passage states it:
   - same language: at least LEXICAL_SUPPORT of the sentence's content terms (analysed: stemmed,
     stop words and place names removed) occur in the cited passages with their title and article;
   - another language (no term can match): the cosine similarity of the sentence's embedding and
     one of the passage's sentences is at least SEMANTIC_SUPPORT, and that passage matches it best,
     within SEMANTIC_MARGIN, among the supplied passages of its language.

Limits, said plainly: the terms test sees words, not meaning, so a sentence that rearranges its
passage's words into another claim, or adds terms of its own (up to 40% of them), passes it; the
cross-language test confirms that sentence and passage speak of the same thing, not that one
entails the other. Sentences kept on that test are marked ``semantic`` so that the answer can flag
them. Thresholds were set on the fixture texts (tests/assistant/test_llm.py) and a dozen
hand-written paraphrases and false claims in English against French and Arabic articles: faithful
paraphrases scored 0.81-0.92 cosine, unrelated claims 0.73-0.79, topical false claims 0.80-0.83
(hence the margin test, and the mark).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.prompt import NO_COVERAGE, Passage
from assistant.verify import normalise_space
from ingest.sentences import split_sentences
from kb.analysis import analyze
from kb.embed import Embedder
from kb.query import without_places

LEXICAL_SUPPORT = 0.6  # paraphrases keep most content words; a claim the passage lacks keeps few
CONTRIBUTION = 0.25  # a cited passage holding fewer of the sentence's terms is not counted as support
SEMANTIC_SUPPORT = 0.80
SEMANTIC_MARGIN = 0.01

Verdict = Literal["supported", "no_coverage", "uncited", "unknown_citation", "unsupported"]
Method = Literal["lexical", "semantic", ""]

_CITE = r"\[\s*\d+(?:\s*(?:[,،;]|\]\s*\[)\s*\d+)*\s*\]"
_CITATION = re.compile(_CITE)
_END = re.compile(rf"(?:[.!?؟]+(?:\s*{_CITE})*|(?:{_CITE}\s*)+[.!?؟]*)")
_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*•]\s+|\d{1,2}[.)]\s+)|\*\*|__|`")
_NUMBER = re.compile(r"\d+")
# Negation and repeal, per language, on the words as written (the analyser drops "not" and "pas"
# as stop words). "No." before a number is a number sign, "not only" no negation.
_POLARITY = {
    "en": re.compile(
        r"\b(?:not(?!\s+only)|no(?!\.?\s*\d)|never|none|nor|cannot|\w+n't|without|no\s+longer|"
        r"abolish\w*|repeal\w*|cancel\w*|revok\w*|suspend\w*|prohibit\w*|ban(?:s|ned)?|eliminat\w*|terminat\w*)\b",
        re.IGNORECASE,
    ),
    "fr": re.compile(
        r"\b(?:ne|n'|pas|aucun\w*|jamais|sans|ni|abrog\w*|supprim\w*|annul\w*|suspen\w*|interdi\w*|révoqu\w*)\b",
        re.IGNORECASE,
    ),
    "ar": re.compile(r"(?<!\w)(?:لا|لم|لن|ليس|ليست|دون|بدون)(?!\w)|إلغاء|ألغ|يلغى|ملغى|حظر|يحظر"),
}
_REASONING = re.compile(r"<think>.*?</think>", re.DOTALL)  # what reasoning models served by Ollama write first
_ABBREVIATIONS = frozenset(["art", "arts", "al", "cf", "dr", "e.g", "i.e", "no", "nos", "p", "pp", "para", "st", "vs", "mme"])


@dataclass(frozen=True)
class GeneratedSentence:
    text: str  # as written, citation marks removed, whitespace normalised
    cited: tuple[int, ...]  # passage numbers in the order written, each once


@dataclass(frozen=True)
class Check:
    sentence: GeneratedSentence
    verdict: Verdict
    method: Method = ""
    support: tuple[tuple[int, str], ...] = ()  # (passage number, its sentence closest to the claim): the quotes
    score: float = 0.0  # term share or cosine, whichever decided
    reason: str = ""  # why a sentence was removed, in a few words

    @property
    def kept(self) -> bool:
        return self.verdict == "supported"


def split_generated(text: str) -> list[GeneratedSentence]:
    """Sentences of a generated answer with the passage numbers each one cites.

    A sentence ends at a line break, or at ".", "!", "?" or "؟" (with any citations after it) or a
    run of citations followed by a capital, a non-Latin letter or the end; a full stop after a short
    abbreviation ("art.") or before a lower-case word does not end one. Markdown marks are removed,
    and so is a reasoning model's ``<think>`` block.
    """
    pieces: list[GeneratedSentence] = []
    for raw_line in _REASONING.sub(" ", text).splitlines():
        line = _MARKUP.sub("", raw_line).strip()
        start = 0
        for match in _END.finditer(line):
            if _is_boundary(line, start, match):
                pieces.append(_sentence(line[start : match.end()]))
                start = match.end()
        if line[start:].strip():
            pieces.append(_sentence(line[start:]))
    found: list[GeneratedSentence] = []
    for piece in pieces:
        if any(ch.isalnum() for ch in piece.text):
            found.append(piece)
        elif piece.cited and found:  # citations alone on their line belong to the sentence before
            found[-1] = GeneratedSentence(found[-1].text, tuple(dict.fromkeys(found[-1].cited + piece.cited)))
    return found


def _is_boundary(line: str, start: int, match: re.Match[str]) -> bool:
    rest = line[match.end() :]
    following = rest.lstrip()
    if not following:
        return True
    if rest == following:  # "2.5", "[1]," : no space after the mark
        return False
    if following[0].islower() or following[0].isdigit():
        return False
    if match.group(0)[0] == "." and not _CITATION.search(match.group(0)):
        word = line[start : match.start()].rsplit(" ", 1)[-1].casefold()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    return True


def _sentence(piece: str) -> GeneratedSentence:
    cited = tuple(dict.fromkeys(int(n) for group in _CITATION.findall(piece) for n in _NUMBER.findall(group)))
    text = normalise_space(_CITATION.sub(" ", piece))
    text = re.sub(r"\s+([.,;:!?؟،؛])", r"\1", text)
    return GeneratedSentence(text, cited)


def numbers_in(text: str) -> set[int]:
    """The whole numbers written in ``text``, whatever their script (Arabic-Indic digits included)."""
    return {int(unicodedata.normalize("NFKC", n)) for n in _NUMBER.findall(text)}


class SupportChecker:
    """Checks generated sentences against the passages supplied to the generator (``lang``: the answer's)."""

    def __init__(self, passages: Sequence[Passage], lang: str, embedder: Embedder) -> None:
        self.passages: Mapping[int, Passage] = {p.n: p for p in passages}
        self.lang = lang
        self.embedder = embedder
        self._terms: dict[int, set[str]] = {}
        self._sentences: dict[int, list[str]] = {}
        self._vectors: dict[int, np.ndarray] = {}

    def check(self, sentence: GeneratedSentence) -> Check:
        if not sentence.cited:
            return Check(sentence, "uncited", reason="no citation")
        if not any(ch.isalpha() for ch in sentence.text):
            return Check(sentence, "unsupported", reason="no words to check")
        unknown = [n for n in sentence.cited if n != NO_COVERAGE and n not in self.passages]
        if unknown:
            listed = ", ".join(f"[{n}]" for n in unknown)
            return Check(sentence, "unknown_citation", reason=f"cites {listed}, never supplied")
        cited = [self.passages[n] for n in sentence.cited if n != NO_COVERAGE]
        if not cited:
            return Check(sentence, "no_coverage")
        usable = [p for p in cited if not p.suspect]
        if not usable:
            return Check(sentence, "unsupported", reason="cites only passages that hold instructions")
        missing = numbers_in(sentence.text) - set().union(*(numbers_in(self._header(p) + " " + p.hit.text) for p in usable))
        if missing:
            figures = ", ".join(map(str, sorted(missing)))
            return Check(sentence, "unsupported", reason=f"figure not in the cited passage: {figures}")
        if _negates(sentence.text, self.lang) and not any(_negates(p.hit.text, p.hit.lang) for p in usable):
            return Check(sentence, "unsupported", reason="negation or repeal not in the cited passage")
        lexical = self._lexical(sentence, [p for p in usable if _base(p.hit.lang) == _base(self.lang)])
        if lexical is not None:
            return lexical
        semantic = self._semantic(sentence, [p for p in usable if _base(p.hit.lang) != _base(self.lang)])
        if semantic is not None:
            return semantic
        return Check(sentence, "unsupported", reason="the cited passage does not state it")

    def _lexical(self, sentence: GeneratedSentence, same: list[Passage]) -> Check | None:
        terms = {t for t in analyze(without_places(sentence.text), self.lang) if not t.isdigit()}
        if not same or not terms:
            return None
        contributing = [p for p in same if len(terms & self._passage_terms(p)) / len(terms) >= CONTRIBUTION]
        if not contributing:
            return None
        share = len(terms & set().union(*(self._passage_terms(p) for p in contributing))) / len(terms)
        if share < LEXICAL_SUPPORT:
            return None
        support = tuple((p.n, quote) for p in contributing if (quote := self._closest_by_terms(p, terms)))
        if not support:
            return None
        return Check(sentence, "supported", "lexical", support, round(share, 4))

    def _semantic(self, sentence: GeneratedSentence, other: list[Passage]) -> Check | None:
        if not other:
            return None
        vector = self.embedder.embed_passages([sentence.text])[0]
        best: dict[int, tuple[float, str]] = {}
        for p in other:
            scored = self._best_sentence(p, vector)
            if scored is not None:
                best[p.n] = scored
        support: list[tuple[int, str]] = []
        score = 0.0
        for p in other:
            if p.n not in best or best[p.n][0] < SEMANTIC_SUPPORT:
                continue
            rivals = [
                scored[0]
                for q in self.passages.values()
                if q.n != p.n and not q.suspect and _base(q.hit.lang) == _base(p.hit.lang)
                for scored in [self._best_sentence(q, vector)]
                if scored is not None
            ]
            if best[p.n][0] >= max(rivals, default=0.0) - SEMANTIC_MARGIN:
                support.append((p.n, best[p.n][1]))
                score = max(score, best[p.n][0])
        if not support:
            return None
        return Check(sentence, "supported", "semantic", tuple(support), round(score, 4))

    def _header(self, p: Passage) -> str:
        return " ".join(part for part in (p.hit.title, p.hit.article, p.hit.section, str(p.hit.year or "")) if part)

    def _passage_terms(self, p: Passage) -> set[str]:
        if p.n not in self._terms:
            self._terms[p.n] = set(analyze(self._header(p) + "\n" + p.hit.text, p.hit.lang))
        return self._terms[p.n]

    def _quotable(self, p: Passage) -> list[str]:
        if p.n not in self._sentences:
            self._sentences[p.n] = [s.text for s in split_sentences(p.hit.text, (p.hit.section, p.hit.article))]
        return self._sentences[p.n]

    def _closest_by_terms(self, p: Passage, terms: set[str]) -> str:
        quotable = self._quotable(p)
        if not quotable:
            return ""
        return max(quotable, key=lambda s: len(terms & set(analyze(s, p.hit.lang))))

    def _best_sentence(self, p: Passage, vector: np.ndarray) -> tuple[float, str] | None:
        quotable = self._quotable(p)
        if not quotable:
            return None
        if p.n not in self._vectors:
            self._vectors[p.n] = self.embedder.embed_passages(quotable)
        similarities = self._vectors[p.n] @ vector
        i = int(np.argmax(similarities))
        return float(similarities[i]), quotable[i]


def _negates(text: str, lang: str) -> bool:
    pattern = _POLARITY.get(_base(lang))
    return bool(pattern and pattern.search(text))


def _base(lang: str) -> str:
    return lang.split("-")[0].casefold()


def check_answer(text: str, passages: Sequence[Passage], lang: str, embedder: Embedder) -> list[Check]:
    """Every sentence of the generated ``text``, checked against ``passages``, in order."""
    checker = SupportChecker(passages, lang, embedder)
    return [checker.check(sentence) for sentence in split_generated(text)]
