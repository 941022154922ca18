"""Arabic text repairs: visual-order text layers and orthographic folding for matching.

Many official PDFs (gazettes in particular) store Arabic in *visual* order: each line as it is
painted from left to right, in presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF). Extracted as is,
every word reads backwards. The repair must run BEFORE Unicode NFKC: a lam-alef ligature is one
code point in visual order, and decomposing it first would put lam and alef the wrong way round.
"""

from __future__ import annotations

import re

from bidi import get_display

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\uFB50-\uFDFF\uFE70-\uFEFF]")
_TATWEEL = "\u0640"
_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]")
_FOLD_TABLE = str.maketrans(
    {
        "\u0622": "\u0627",  # آ -> ا
        "\u0623": "\u0627",  # أ -> ا
        "\u0625": "\u0627",  # إ -> ا
        "\u0671": "\u0627",  # ٱ -> ا
        "\u0649": "\u064a",  # ى -> ي
        "\u0629": "\u0647",  # ة -> ه
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u064a",  # ئ -> ي
    }
)


def has_arabic(text: str) -> bool:
    return _ARABIC_LETTER.search(text) is not None


def visual_to_logical_line(line: str) -> str:
    """Put one visual-order line back in logical order.

    Reordering an RTL line is its own inverse for the text these producers write (Arabic runs
    reversed, Latin and digit runs kept, brackets mirrored), so the Unicode bidi algorithm applied
    with a right-to-left base direction undoes it. Digits keep their order: "23-12" stays "23-12".
    """
    if not has_arabic(line):
        return line
    return str(get_display(line, base_dir="R"))


def repair_visual_order(text: str) -> str:
    return "\n".join(visual_to_logical_line(line) for line in text.split("\n"))


def fold(text: str) -> str:
    """Orthographic folding for matching only (never for display).

    Removes tatweel and diacritics and unifies alef, ya, ta marbuta, hamza carriers, so that
    "الإستراتيجية" and "الاستراتيجيه" match.
    """
    text = text.replace(_TATWEEL, "")
    text = _DIACRITICS.sub("", text)
    return text.translate(_FOLD_TABLE)
