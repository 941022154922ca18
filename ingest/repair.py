"""Pick the best reading of a page's text layer: each known repair is tried and the text-quality score decides.

The candidates undo what real producers do to text layers:
- ``nfkc``: Arabic presentation forms (and ligatures such as "ﬁ") stored in logical order;
- ``visual-order``: every line stored as painted, left to right (words read backwards); reversed
  per line BEFORE NFKC, since a lam-alef ligature is one code point in visual order;
- ``word-order``: letters in order but the words of each Arabic line reversed (browser print);
- ``de-doubled``: fake bold that paints every glyph twice ("AArrttiiccllee");
- ``font-shift``: a font map off by a constant ("$UWLFOH" for "Article");
- ``accent-map``: accented letters mapped to other characters ("rØgion" for "région");
- ``glyph-names``: glyph names ("/uni0627.fina") in place of characters, decoded, then read like any page.
A repair must beat the text as it stands by a margin, so clean pages are never "repaired". Arabic
tatweel stretching is removed from every reading, after putting back the runs it cut (kashida).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ingest.arabic import has_arabic, repair_visual_order
from ingest.quality import TextQuality, is_known_word, text_quality

MIN_GAIN = 0.15  # a repair must raise the score by this much over the text as it stands
# Below this score a page of enough words is not text. Measured with ingest.quality: clean pages of the
# sample corpus and real gazettes score 0.74-1.0, a three-column page of tables 0.62; a shifted font map,
# a permuted Arabic map and doubled letters score under 0.16, a partly wrong Arabic map (iLovePDF) 0.28.
MIN_QUALITY = 0.45
_TATWEEL_RUN = re.compile("\u0640+")
_MARKS_ONLY_LINE = re.compile(r"^[\s\u064B-\u065F\u0670\u0640]+$")  # a shadda or vowel sign alone on its line
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")


@dataclass(frozen=True)
class Reading:
    text: str
    repair: str  # "none", "nfkc", or the name of the repair (see the module docstring)
    quality: TextQuality


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _drop_marks_only_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not _MARKS_ONLY_LINE.match(line) or not line.strip())


def _line_score(line: str) -> int:
    """Letters in known words minus letters in unknown ones: which order of a line's pieces reads."""
    score = 0
    for token in _TATWEEL_RUN.sub("", line).split():
        word = token.strip(".,:;()[]«»-–\"'،؛!؟")
        letters = sum(ch.isalpha() for ch in word)
        if letters >= 2:
            score += letters if is_known_word(word) else -letters
    return score


def _reorder_kashida_pieces(line: str) -> str:
    """Put back the pieces of an Arabic line that a justified layout split at kashida runs and an extractor reversed.

    InDesign justifies Arabic by stretching words with tatweel; a stretch can end a text run, and the
    runs come out in painting order: "ق أحكام ... ـــفى تطبي" for "فى تطبيـــق أحكام ...". In written
    Arabic a stretch sits inside a word: one that starts or ends a word marks a cut between runs. A
    stretch inside a word may be a cut too ("الســـث" joins the ends of two runs); each such choice is
    tried, the runs put back in reverse order, and the reading with most real words is kept.
    """
    stretches = [m.span() for m in _TATWEEL_RUN.finditer(line)]
    if not stretches or len(stretches) > 8 or not has_arabic(line):
        return line
    certain, optional = [], []
    for start, end in stretches:
        opens_word = start == 0 or not line[start - 1].isalpha()
        closes_word = end == len(line) or not line[end].isalpha()
        if opens_word != closes_word:
            certain.append((start, end))
        elif not opens_word:
            optional.append((start, end))
    if not certain:
        return line  # every stretch inside a word: text as written
    best, best_score = line, _line_score(line)
    for mask in range(2 ** min(len(optional), 4)):
        cuts = sorted(certain + [span for i, span in enumerate(optional) if mask >> i & 1])
        pieces, position = [], 0
        for start, end in cuts:
            pieces.append(line[position:start])
            position = end
        pieces.append(line[position:])
        candidate = " ".join("".join(reversed(pieces)).split())
        score = _line_score(candidate)
        if score > best_score:
            best, best_score = candidate, score
    return best


def tidy_arabic(text: str) -> str:
    """Drop marks stranded on their own line and tatweel (typographic stretching, not spelling)."""
    if not has_arabic(text):
        return text
    text = _drop_marks_only_lines(text)
    text = "\n".join(_reorder_kashida_pieces(line) if "\u0640" in line else line for line in text.split("\n"))
    return _TATWEEL_RUN.sub("", text)


def _is_latin(token: str) -> bool:
    return not has_arabic(token) and _LATIN_LETTER.search(token) is not None


_LEADING_MARK = re.compile(r"^([.:،؛!؟]+)(\w.*)$")


def _reverse_line_words(line: str) -> str:
    runs: list[list[str]] = []
    for raw in line.split(" "):
        # Painted right to left, a word's closing mark is at its left: extracted, it leads the word.
        token = _LEADING_MARK.sub(r"\2\1", raw) if has_arabic(raw) else raw
        if _is_latin(token) and runs and _is_latin(runs[-1][-1]):
            runs[-1].append(token)
        else:
            runs.append([token])
    return " ".join(" ".join(run) for run in reversed(runs))


def reverse_word_order(text: str) -> str:
    """Lines whose Arabic words were written in painting order (left to right), back in reading order.

    The words of each line with Arabic are put in reverse order; a run of Latin words ("Python and R")
    was painted left to right already, so it keeps its own order inside the reversed line.
    """
    return "\n".join(_reverse_line_words(line) if has_arabic(line) else line for line in text.split("\n"))


def _is_doubled(token: str) -> bool:
    return len(token) >= 4 and len(token) % 2 == 0 and token[0::2] == token[1::2]


def _is_short_pair(token: str) -> bool:
    return len(token) == 2 and token[0] == token[1]


def undouble(text: str) -> str:
    """Fake-bold text back to single letters: "AArrttiiccllee 11 ::" -> "Article 1 :".

    Words of four characters or more are undoubled when every character is doubled; a two-character
    pair ("11", "::") only when it stands in a row of such words, since "11" alone is eleven.
    """
    lines = []
    for line in text.split("\n"):
        tokens = line.split(" ")
        doubled = [_is_doubled(token) for token in tokens]
        # Pairs next to a doubled word, then pairs next to those, in both directions.
        for i in range(1, len(tokens)):
            doubled[i] = doubled[i] or (_is_short_pair(tokens[i]) and doubled[i - 1])
        for i in range(len(tokens) - 2, -1, -1):
            doubled[i] = doubled[i] or (_is_short_pair(tokens[i]) and doubled[i + 1])
        lines.append(" ".join(token[0::2] if flag else token for token, flag in zip(tokens, doubled, strict=True)))
    return "\n".join(lines)


def _shift(text: str, offset: int) -> str:
    # Spaces come from glyph positions, not the map; everything else went through the map.
    return "".join(chr(ord(ch) + offset) if ch not in " \n" and 0 < ord(ch) + offset < 0x3000 else ch for ch in text)


_BROKEN_ELISION = re.compile(r"(\b(?:[LlDdJjMmNnSsTtCc]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu))\n(\w)|(?<=\w)\n(?=[st]\b)")


def unshift_font_map(text: str) -> str | None:
    """Undo a font map that is off by a constant, when one offset turns most words into real ones.

    Subset fonts often number glyphs from 3 for space, so a ToUnicode map that writes glyph ids
    as code points shifts every character by 29; other offsets occur too, so all small ones are
    tried on a sample and the best is kept.
    """
    sample = " ".join(text.split()[:80])
    best_offset, best_score, best_known = 0, 0.0, 0.0
    for offset in range(-96, 97):
        if offset == 0:
            continue
        quality = text_quality(_shift(sample, offset))
        # Most known words, not the best share: one lucky word out of one is no offset.
        if quality.known * quality.words > best_known:
            best_offset, best_score, best_known = offset, quality.known, quality.known * quality.words
    if best_score < 0.6:
        return None
    # The apostrophe (U+0027) shifted by -29 is a line feed, so extractors broke lines at elisions:
    # a break after a lone elided letter ("l", "qu") or before "s"/"t" was an apostrophe.
    return _BROKEN_ELISION.sub("\\1'\\2", _shift(text, best_offset)) if best_offset == 29 else _shift(text, best_offset)


_FRENCH_LETTERS = "éèêëàâäçîïôöùûüÿœ"
_LATIN_TEXT_LETTER = re.compile(r"[a-zà-öø-ÿœ]", re.IGNORECASE)
_PLAIN_LETTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + _FRENCH_LETTERS + _FRENCH_LETTERS.upper())


def remap_odd_letters(text: str) -> str | None:
    """Give back accented letters that a font map turned into other characters ("rØgion" for "région").

    Each character that sits inside Latin words but is no French or English letter is tried as
    each accented letter; the choice that turns most of its words into real ones is kept, when it
    fixes most of them. No table is assumed: the word lists decide.
    """
    words = [w.strip(".,;:!?()«»\"'") for w in text.split()]
    odd: dict[str, list[str]] = {}
    for word in words:
        if not _LATIN_TEXT_LETTER.search(word) or is_known_word(word):
            continue
        # Only characters standing between two letters: "n°" or "(FGAR)" are not misread letters.
        inner = {word[i] for i in range(1, len(word) - 1) if word[i - 1].isalpha() and word[i + 1].isalpha()}
        for ch in inner:
            if ch not in _PLAIN_LETTERS and unicodedata.category(ch)[0] in "LS":
                odd.setdefault(ch, []).append(word)
    table: dict[str, str | int | None] = {}
    for ch, affected in odd.items():
        best, fixed = "", 0
        for target in _FRENCH_LETTERS:
            count = sum(1 for word in affected if is_known_word(word.replace(ch, target)))
            if count > fixed:
                best, fixed = target, count
        if fixed >= 2 and fixed >= 0.6 * len(affected):
            table[ch] = best
    return text.translate(str.maketrans(table)) if table else None


_GLYPH_NAME = re.compile(r"/((?:uni[0-9A-Fa-f]{4})(?:_uni[0-9A-Fa-f]{4})*)(?:\.\w+)?")


# Lam-alef ligature names decode to the one presentation-form character, as in a visual-order
# text layer: reversing the line must not swap lam and alef (NFKC splits it afterwards).
_LIGATURES = {"0644_0627": "\ufefb", "0644_0622": "\ufef5", "0644_0623": "\ufef7", "0644_0625": "\ufef9"}


def _decode_name(name: str) -> str:
    codes = [part[3:].upper() for part in name.split("_")]
    # uniD800-uniDFFF name no character (Adobe Glyph List specification): the replacement character.
    return _LIGATURES.get("_".join(codes)) or "".join(
        "\ufffd" if 0xD800 <= int(code, 16) <= 0xDFFF else chr(int(code, 16)) for code in codes
    )


def decode_glyph_names(text: str) -> str:
    """Text layers that hold glyph names ("/uni0627.fina") instead of characters: the names spell the code points."""
    return _GLYPH_NAME.sub(lambda m: _decode_name(m.group(1)), text)


def _nfkc_or_none(text: str | None) -> str | None:
    return None if text is None else nfkc(text)


def _candidates(text: str) -> list[tuple[str, Callable[[str], str | None]]]:
    candidates: list[tuple[str, Callable[[str], str | None]]] = [("none", lambda t: t)]
    if has_arabic(text):
        candidates += [
            ("visual-order", lambda t: nfkc(repair_visual_order(t))),
            ("word-order", lambda t: nfkc(reverse_word_order(t))),
        ]
    candidates += [("de-doubled", lambda t: nfkc(undouble(t))), ("accent-map", lambda t: remap_odd_letters(nfkc(t)))]
    return candidates


def _beats(name: str, repaired: TextQuality, plain: TextQuality, prefer: str = "") -> bool:
    if repaired.words < 2:
        return False  # one word proves nothing
    if name == prefer == "word-order":
        # The rest of the document reads in reversed word order: no contrary evidence is enough here.
        return repaired.order >= plain.order and repaired.known >= plain.known - 0.02
    if name == "font-shift" and repaired.words < 0.5 * plain.words:
        return False  # a shift that leaves few words is a coincidence, not the font's offset
    if name in ("accent-map", "de-doubled"):
        # Each mapping was proven word by word, and no real word doubles every letter: fake-bold
        # headings alone barely move a page's score, yet must be undone.
        return repaired.score > plain.score
    if name == "word-order":
        # Same words, other order: only clear order evidence on both sides decides.
        return plain.order <= -0.25 and repaired.order >= 0.25 and repaired.known >= plain.known - 0.02
    return repaired.score >= plain.score + MIN_GAIN


def best_reading(text: str, prefer: str = "") -> Reading:
    """The best-scoring reading of one page's text (already whitespace-cleaned).

    NFKC is the normal form every reading ends in; it counts as a repair ("nfkc") only when it
    changed the text. The other repairs must beat the plain reading by ``MIN_GAIN``. Glyph names
    are decoded first, and the reading of the decoded text is chosen the same way. ``prefer`` names
    the repair most of the document needed (``ingest.pages``): it then needs less evidence.
    """
    if _GLYPH_NAME.search(text):
        decoded = decode_glyph_names(text)
        if decoded != text:
            inner = _best_reading(decoded, prefer)
            return Reading(
                inner.text, "glyph-names" if inner.repair in ("none", "nfkc") else f"glyph-names+{inner.repair}", inner.quality
            )
    return _best_reading(text, prefer)


def _best_reading(text: str, prefer: str = "") -> Reading:
    normal = nfkc(text)
    plain = Reading(tidy_arabic(normal), "nfkc" if normal != text else "none", text_quality(tidy_arabic(normal)))
    candidates = _candidates(text)[1:]
    if plain.quality.judged and plain.quality.score < MIN_QUALITY:
        # A search over offsets: only for garbage.
        candidates.append(("font-shift", lambda t: _nfkc_or_none(unshift_font_map(nfkc(t)))))
    best = plain
    for name, repair in candidates:
        repaired = repair(text)
        if repaired is None or repaired == normal:
            continue
        repaired = tidy_arabic(repaired)
        quality = text_quality(repaired)
        better = quality.score > best.quality.score or (best is plain and quality.score == plain.quality.score)
        if _beats(name, quality, plain.quality, prefer) and better:
            best = Reading(repaired, name, quality)
    return best
