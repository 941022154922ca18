"""Bytes of a text file (plain text, Markdown, HTML) to text, UTF-8 or not.

UTF-8 is tried first. Arabic government sites and older Word exports still save windows-1256, French
ones windows-1252 or Latin-1; those bytes are decoded with each candidate and the reading whose words
are found in the word lists (:mod:`ingest.quality`) wins, so the choice is made by the text, not by a
table of byte frequencies. The caller records which encoding was used.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import CorruptDocumentError, shown_path
from ingest.quality import text_quality

# In order of preference on a tie: windows-1256 keeps the French lowercase accents where windows-1252
# has them, so French text reads the same in both and the tie goes to windows-1252.
CANDIDATES = ("cp1252", "cp1256", "latin-1")
NAMES = {"cp1252": "windows-1252", "cp1256": "windows-1256", "latin-1": "ISO-8859-1", "utf-8": "UTF-8", "utf-16": "UTF-16"}
SAMPLE_CHARS = 20_000  # of lines holding non-ASCII bytes: enough words to judge, bounded work


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name: "utf-8", "cp1256", ...
    detected: bool = False  # True when the encoding was guessed from the text, not read from the file

    @property
    def name(self) -> str:
        return NAMES.get(self.encoding, self.encoding)

    def parser(self, name: str) -> str:
        """The parser name the document records, with the encoding when it was not UTF-8: "text (windows-1256)"."""
        return name if self.encoding == "utf-8" else f"{name} ({self.name})"

    def notes(self, path: Path) -> tuple[str, ...]:
        """The one-line warning that records a guessed encoding, if one was guessed."""
        if not self.detected:
            return ()
        guessed = f"not UTF-8: read as {self.name} (detected from its words)"
        return (f"{shown_path(path)}: {guessed}; save it as UTF-8 if its text looks wrong",)


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name  # as browsers read a Latin-1 label


def _sample(data: bytes) -> bytes:
    lines = [line for line in data.splitlines() if any(byte >= 0x80 for byte in line)]
    return b"\n".join(lines)[: SAMPLE_CHARS * 2]


def decode_text(path: Path, data: bytes, declared: str = "") -> Decoded:
    """Decode ``data``: a byte-order mark, then UTF-8, then the ``declared`` charset, then the best candidate.

    Raises :class:`CorruptDocumentError` for binary data (NUL bytes), which no text file holds.
    """
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf-16", errors="replace"), "utf-16")
    if b"\0" in data:
        raise CorruptDocumentError(
            path,
            "not a text file (it holds binary data)",
            "check the file type; save text as UTF-8 with a .txt, .md or .html name",
        )
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if (codec := _codec(declared)) is not None and codec != "utf-8":
        try:
            return Decoded(data.decode(codec), codec)
        except (UnicodeDecodeError, LookupError):
            pass  # the label is wrong, or names no text encoding ("rot13", "base64"): judge by the words
    sample = _sample(data)
    best = (-1.0, "latin-1")  # Latin-1 decodes any bytes
    for candidate in CANDIDATES:
        try:
            score = text_quality(sample.decode(candidate)).score
        except UnicodeDecodeError:
            continue  # windows-1252 leaves five bytes undefined
        if score > best[0]:
            best = (score, candidate)
    return Decoded(data.decode(best[1]), best[1], detected=True)
