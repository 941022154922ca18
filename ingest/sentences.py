"""Split a stored passage into quotable sentences, each an exact substring of the passage's text.

Here rather than in the assistant, which quotes them, because ingest reads them ahead: each
passage's sentences are embedded when the passage is (kb.sync), so an answer finds their vectors
in the cache instead of computing them while the user waits.

A passage is the chunk text as stored: heading lines (section, article) first, then body lines that
a PDF may have wrapped anywhere. Quotes are taken from the body with runs of whitespace collapsed
to one space, which is the only change the quote check allows (:mod:`assistant.verify`).

Limits: abbreviations are a short list per language; a full stop after a one-letter or numbered
list marker ("1.", "a.") never ends a sentence; right-to-left text broken by a PDF (digits drawn
away from their words) is quoted as stored, since the quote must match the stored text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, without leading or trailing space."""
    return _SPACE.sub(" ", text).strip()


MAX_WORDS = 60  # a longer sentence is cut at clause marks (";", ":", "؛") so a cell stays readable
MIN_WORDS = 4
HEADING_MAX_WORDS = 15

_HEADING_START = re.compile(
    r"^\s*(articles?|art\.|chapitres?|chapters?|titres?|titles?|sections?|parts?|parties|partie|annex|annexes?|préambule|preamble|"
    r"المادة|مادة|الفصل|الباب|القسم|الجزء|الملحق|ديباجة)\b",
    re.IGNORECASE,
)
_TERMINAL = ".!?؟"
# Words after which a full stop is not a sentence end.
_ABBREVIATION_WORDS = (
    "art arts al ann approx av cf ch chap dr e.g etc fig i.e inc jr ltd m mm mme mr mrs ms n no nos nº n° "
    "p pp para par prof st vol vs ca co corp dept gen gov hon jan feb mar apr jun jul aug sep sept oct nov dec "
    "janv févr avr juil déc"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split(" "))
_BOUNDARY = re.compile(r"(?<=[.!?؟])[»\"')\]]*\s+(?=[«\"'(\[]?[\w\u0600-\u06FF])")
_CLAUSE = re.compile(r"(?<=[;؛:])\s+")


@dataclass(frozen=True)
class Sentence:
    text: str  # whitespace-normalised; an exact substring of normalise_space(passage)
    index: int  # position among the passage's sentences, from 0
    heading: str  # the heading lines the passage starts with, joined


def _is_heading(line: str, next_line: str, labels: tuple[str, ...]) -> bool:
    stripped = line.strip()
    if not stripped or not next_line.strip():
        return False
    if stripped[-1] in _TERMINAL or len(stripped.split()) > HEADING_MAX_WORDS:
        return False
    folded = normalise_space(stripped).casefold()
    if any(label and normalise_space(label).casefold() in folded for label in labels):
        return True
    if _HEADING_START.match(stripped):
        return True
    # A Latin line that ends without punctuation and is followed by a capitalised line starts a
    # paragraph after a heading; a wrapped line is followed by a lower-case continuation.
    first = next_line.strip()[0]
    return first.isupper()


def split_heading(text: str, labels: tuple[str, ...] = ()) -> tuple[str, str]:
    """(heading lines, body) of a passage; ``labels`` are its section and article names."""
    lines = text.split("\n")
    taken = 0
    while taken < len(lines) - 1 and taken < 4 and _is_heading(lines[taken], lines[taken + 1], labels):
        taken += 1
    return "\n".join(lines[:taken]), "\n".join(lines[taken:])


def _ends_sentence(before: str) -> bool:
    """Whether the full stop closing ``before`` ends a sentence."""
    if not before or before[-1] != ".":
        return True  # ! ? ؟
    word = before[:-1].rsplit(" ", 1)[-1].strip("«\"'([").casefold()
    word = re.split(r"['’]", word)[-1]  # "l'art." is "art."
    if not word:
        return False
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False
    # A list marker ("1.") or a day ("le 1. ") rather than an end.
    return not (word.isdigit() and len(word) <= 2)


def _cut(sentence: str) -> list[str]:
    """A sentence no longer than MAX_WORDS words, cut at clause marks where it is longer."""
    if len(sentence.split()) <= MAX_WORDS:
        return [sentence]
    parts: list[str] = []
    current = ""
    for clause in _CLAUSE.split(sentence):
        candidate = f"{current} {clause}".strip()
        if current and len(candidate.split()) > MAX_WORDS:
            parts.append(current)
            current = clause
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


_NUMBERED = re.compile(r"^\s*(?:\d{1,2}|[IVXLC]{1,5}|[a-z])[.)]\s+\S")
MID_HEADING_MAX_WORDS = 10


def _is_mid_heading(previous: str, line: str, next_line: str) -> bool:
    """A heading inside a passage ("2. Définition du cluster"): short, unpunctuated, after a finished sentence."""
    stripped = line.strip()
    if not stripped or not previous.strip():
        return False
    labelled = bool(_HEADING_START.match(stripped) or _NUMBERED.match(stripped))
    longest = HEADING_MAX_WORDS if labelled else MID_HEADING_MAX_WORDS  # a label vouches for a longer title
    if stripped[-1] in _TERMINAL + ",;:،؛" or len(stripped.split()) > longest:
        return False
    if previous.strip()[-1] not in _TERMINAL + ":;؛":
        return False
    if not next_line.strip():
        # The passage's last line: a heading that the PDF's layout kept in the text of the article
        # before it ("Titre II : ..." at the foot of a passage). Only a labelled one is that sure.
        return labelled
    return labelled or next_line.strip()[0].isupper()


def _sentences_of(flat: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(flat):
        if _ends_sentence(flat[start : match.start()].rstrip("»\"')]")):
            pieces.append(flat[start : match.start()].strip())
            start = match.end()
    pieces.append(flat[start:].strip())
    return [part for piece in pieces for part in _cut(piece)]


def split_sentences(text: str, labels: tuple[str, ...] = ()) -> list[Sentence]:
    """Quotable sentences of a stored passage, in order, headings excluded."""
    heading, body = split_heading(text, labels)
    lines = body.split("\n")
    blocks: list[list[str]] = [[]]
    for i, line in enumerate(lines):
        previous = lines[i - 1] if i else ""
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if _is_mid_heading(previous, line, following):
            blocks.append([])
        else:
            blocks[-1].append(line)
    sentences: list[Sentence] = []
    heading_text = normalise_space(heading)
    for block in blocks:
        for part in _sentences_of(normalise_space("\n".join(block))):
            if len(part.split()) >= MIN_WORDS:
                sentences.append(Sentence(part, len(sentences), heading_text))
    return sentences
