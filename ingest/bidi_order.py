"""Visual-order lines (as painted, left to right) back into logical order with the Unicode bidi algorithm.

Displaying a right-to-left line reverses it except for its left-to-right runs (Latin words, numbers
such as ``18-01`` or ``2-21-123``, percentages). Applied to the displayed line with a right-to-left
base direction, the same algorithm (UAX #9, python-bidi's reference implementation) reverses it back:
the runs it finds in the visual line are the runs it made, since numbers and Latin words keep their
inner order both ways.

Brackets and guillemets are the exception: rule L4 mirrors them on display. A writer that stores the
glyph it painted (gazettes: ``(`` painted at the right end of "(ملخص)" is stored as ``)``) needs them
mirrored back; a writer that maps each glyph to the character it was shaped from (fpdf2, Word,
InDesign) stores the logical character already. :func:`logical_lines` tries both on a page and keeps
the one whose pairs open before they close.
"""

from __future__ import annotations

import re
from typing import Any

from bidi import algorithm
from bidi.mirror import MIRRORED

_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")
_PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»"}


def is_rtl_line(line: str) -> bool:
    """Whether a line reads right to left: more Arabic letters than Latin ones."""
    arabic = len(_ARABIC_LETTER.findall(line))
    return arabic > 0 and arabic >= len(_LATIN_LETTER.findall(line))


def _levels(text: str) -> list[int]:
    """UAX #9 embedding levels (rules W1-I2) of ``text`` in a right-to-left paragraph."""
    storage: dict[str, Any] = algorithm.get_empty_storage()
    storage["base_level"] = 1
    storage["base_dir"] = "R"
    algorithm.get_embedding_levels(text, storage)
    algorithm.explicit_embed_and_overrides(storage, False)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    return [int(char["level"]) for char in storage["chars"]]


def visual_to_logical(line: str, mirror: bool = True) -> str:
    """One right-to-left line from visual to logical order (a left-to-right line is returned as is).

    Display (rule L2) reverses the line, then each run of a higher level (Latin words, numbers)
    back. The inverse reverses the line first, which gives the logical order of everything but those
    runs, and lets the algorithm find the runs there: in logical order the context of a number is
    the one the writer's renderer saw (a number after an Arabic word is an Arabic number, rule W2,
    so "22-18" is two numbers and a dash, each number drawn left to right on its own).
    """
    if not is_rtl_line(line):
        return line
    chars = list(line[::-1])
    levels = _levels("".join(chars))
    if len(levels) != len(chars):  # surrogates on a narrow build: never on CPython 3
        return "".join(chars)
    for level in range(max(levels), 1, -1):
        i = 0
        while i < len(chars):
            if levels[i] >= level:
                j = i
                while j < len(chars) and levels[j] >= level:
                    j += 1
                chars[i:j] = chars[i:j][::-1]
                levels[i:j] = levels[i:j][::-1]
                i = j
            else:
                i += 1
    if mirror:
        chars = [MIRRORED.get(ch, ch) if level % 2 else ch for ch, level in zip(chars, levels, strict=True)]
    return "".join(chars)


def bracket_balance(text: str) -> int:
    """Pairs that open before they close, less closers met with nothing open (over the page: a pair may span lines)."""
    score = 0
    open_count = dict.fromkeys(_PAIRS, 0)
    closers = {close: opener for opener, close in _PAIRS.items()}
    for ch in text:
        if ch in _PAIRS:
            open_count[ch] += 1
        elif ch in closers:
            opener = closers[ch]
            if open_count[opener]:
                open_count[opener] -= 1
                score += 1
            else:
                score -= 1
    return score


def _opens_word(line: str, at: int) -> bool:
    return (at == 0 or line[at - 1].isspace()) and at + 1 < len(line) and not line[at + 1].isspace()


def _closes_word(line: str, at: int) -> bool:
    return at > 0 and not line[at - 1].isspace() and (at + 1 == len(line) or not line[at + 1].isalnum())


def pair_brackets(line: str) -> str:
    """Put right a bracket or guillemet pair that a renderer drew facing one way: "(Package Deal Contract(".

    At the edge between a Latin run and Arabic text, writers disagree on which side a bracket belongs
    to, so one of a pair may come out mirrored. A line with two openers and no closer has its last
    opener turned into a closer where it ends a word (and the converse, where a closer starts one);
    ")...(" becomes "(...)". Anything else ("1) ... 2)" list markers) is left alone.
    """
    for opener, closer in _PAIRS.items():
        opens, closes = line.count(opener), line.count(closer)
        if opens == 2 and closes == 0 and _closes_word(line, at := line.rindex(opener)):
            line = line[:at] + closer + line[at + 1 :]
        elif closes == 2 and opens == 0 and _opens_word(line, at := line.index(closer)):
            line = line[:at] + opener + line[at + 1 :]
        elif opens == closes == 1 and _opens_word(line, first := line.index(closer)):
            last = line.index(opener)
            if first < last and _closes_word(line, last):
                line = line[:first] + opener + line[first + 1 : last] + closer + line[last + 1 :]
    return line


def _has_letters(line: str) -> bool:
    return any(ch.isalpha() for ch in line)


def _page_lines(lines: list[str], mirror: bool, page_rtl: bool) -> str:
    out = []
    for line in lines:
        if page_rtl and line.strip() and not _has_letters(line):
            # A line of digits and signs ("2017.", "( 1 )") belongs to the page's right-to-left paragraphs:
            # an Arabic letter at its right end (its logical start) gives it their direction.
            logical = visual_to_logical(line + " \u0627", mirror)[2:]
        else:
            logical = visual_to_logical(line, mirror)
        out.append(pair_brackets(logical))
    return "\n".join(_pair_across_lines(out))


def _pair_across_lines(lines: list[str]) -> list[str]:
    """Close a pair opened on an earlier line where a second opener of its kind ends a word: a writer that runs bidi
    line by line draws the closer of «Startup\\nTunisia» facing the wrong way, not knowing of the opener above."""
    out = list(lines)
    for opener, closer in _PAIRS.items():
        open_on = -1  # the line of the pair left open, if any
        for i, line in enumerate(out):
            chars = list(line)
            for j, ch in enumerate(chars):
                if ch == opener:
                    if 0 <= open_on < i and _closes_word(line, j):
                        chars[j], open_on = closer, -1
                    else:
                        open_on = i
                elif ch == closer:
                    open_on = -1
            out[i] = "".join(chars)
    return out


def logical_lines(lines: list[str]) -> str:
    """A page's visual lines in logical order; brackets mirrored or not, whichever pairs them (mirrored on a tie)."""
    page_rtl = is_rtl_line("".join(lines))
    mirrored = _page_lines(lines, True, page_rtl)
    if not any(ch in mirrored for ch in "()[]{}«»"):
        return mirrored
    plain = _page_lines(lines, False, page_rtl)
    return plain if bracket_balance(plain) > bracket_balance(mirrored) else mirrored
