"""The characters of a PDF page with their positions (PDFium), rebuilt into lines in painting order.

A text layer's content stream says what is painted, not in which order it is read: one writer paints
each Arabic line as a single left-to-right string of presentation forms (gazettes), another paints
the runs of a line in whatever order its shaper produced them, with digits and Latin words as separate
runs (fpdf2, Word, InDesign). Reading the stream in order scrambles numbers, Latin words and brackets.
Positions do not depend on the writer: the glyphs of one baseline, sorted left to right, are the line
as the reader sees it (its *visual* order), which ``ingest.bidi_order`` turns back into logical order.

Where a writer gives a cluster's text in an ``/ActualText`` span (Chromium, LibreOffice), that text is
read once, in its logical order, on the box of all the span's glyphs (``ingest.actual_text``).

Limits: lines are the glyphs that follow each other in the stream on one baseline, so columns that a
writer paints one after the other stay apart, but a writer that paints a whole row across columns in
one go gives one line per row. Rotated text is left to the content-stream reading.
"""

from __future__ import annotations

import bisect
import ctypes
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.actual_text import object_address, text_objects
from ingest.normalize import SYMBOL_BULLETS

BASELINE_TOLERANCE = 0.45  # of the font size: marks and superscript digits stay on their line
# Of the glyph size (font size or box height, the larger: one writer scales text with its matrix and
# reports size 1, another gives ink boxes), between the boxes of two glyphs: a space, on lines that paint no
# space glyph. Lines that paint spaces are split where they are painted: justified Arabic widens the
# gaps after non-joining letters as much as between words (InDesign), so gaps alone would cut words.
WORD_GAP = 0.15
FAR_GAP = 1.0  # of the glyph size: glyphs this far apart are separate words on any line
_RTL_CLASSES = frozenset({"R", "AL"})
_TATWEEL = "\u0640"
_LAM = "\u0644"


@dataclass(frozen=True)
class Cluster:
    """One painted glyph and the characters it stands for, in logical order (base letter, then marks)."""

    text: str
    left: float
    right: float
    size: float
    seq: int = 0  # position in the stream, among the glyphs of its line

    @property
    def rtl(self) -> bool:
        return any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in self.text)


@dataclass(frozen=True)
class _Char:
    ch: str
    left: float
    right: float
    x: float  # origin
    y: float  # baseline
    size: float
    cluster: int = 0  # the ActualText span it comes from (its characters and marks stay one glyph, in their order)


def _chars(page: Any, textpage: Any) -> list[_Char] | None:
    import pypdfium2.raw as pdfium_c

    raw = textpage.raw
    count = pdfium_c.FPDFText_CountChars(raw)
    x, y = ctypes.c_double(), ctypes.c_double()
    rect = pdfium_c.FS_RECTF()
    rotated = 0
    objects = text_objects(page)
    plain: list[tuple[int, _Char]] = []  # (place of its text object in the content stream, character)
    spans: dict[int, _Span] = {}  # ActualText span -> where PDFium gives it, its place in the stream, its characters
    for i in range(count):
        if pdfium_c.FPDFText_IsGenerated(raw, i):
            continue  # spaces and line breaks PDFium inferred from its own reading
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code == 0 or code == 0xFFFE:
            continue
        ch = chr(code).translate(SYMBOL_BULLETS)
        if ch.isspace():
            ch = " "
        elif unicodedata.category(ch) == "Cc":
            continue
        if abs(pdfium_c.FPDFText_GetCharAngle(raw, i)) > 0.01:
            rotated += 1
            continue
        pdfium_c.FPDFText_GetCharOrigin(raw, i, x, y)
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect)
        # The box height, not the font size: a writer that scales text with its matrix reports size 1.
        size = max(abs(rect.top - rect.bottom), pdfium_c.FPDFText_GetFontSize(raw, i)) or 10.0
        if ch == " " and abs(rect.right - rect.left) <= 0.01:
            # A space of no width says nothing: PDFium reads one for a pen move to a vowel mark (fpdf2, Chromium), and
            # Chromium paints its word spaces so; the gap between the glyphs tells which it is.
            continue
        obj = object_address(pdfium_c.FPDFText_GetTextObject(raw, i))
        span = objects.spans.get(obj)
        if span is None:
            place = objects.order.get(obj, plain[-1][0] if plain else -1)  # PDFium's own characters follow the one before
            plain.append((place, _Char(ch, min(rect.left, rect.right), max(rect.left, rect.right), x.value, y.value, size)))
        elif span.span not in spans:
            # A cluster's text once (PDFium may give it for each of its glyphs), on the whole cluster.
            # Marks alone (LibreOffice's "ُ" over a damma glyph) are placed on their letter like any painted mark.
            cluster = span.span if not all(_is_mark(c) for c in span.text.strip()) else 0
            chars = [_Char(c, span.left, span.right, span.x, span.y, size, cluster) for c in span.text]
            spans[span.span] = _Span(len(plain), span.first, chars)
    if rotated > len(plain) + len(spans):
        return None  # a page of rotated text: the content-stream reading knows better
    return _with_spans(plain, list(spans.values()))


@dataclass(frozen=True)
class _Span:
    at: int  # PDFium gives its characters before this plain character
    place: int  # of its first text object in the content stream
    chars: list[_Char]


def _with_spans(plain: list[tuple[int, _Char]], spans: list[_Span]) -> list[_Char]:
    """The characters in PDFium's order, with each ActualText span where PDFium gives it, unless that is on another
    line than the characters around it (PDFium gives LibreOffice's spans among those of the line before): then right
    after the text object the content stream paints before it, when that one is on the span's line."""
    last_of: dict[int, int] = {place: i for i, (place, _) in enumerate(plain)}
    places = sorted(last_of)
    before: dict[int, list[list[_Char]]] = {}  # plain index -> spans to put before it
    for span in spans:
        at = span.at
        if not _on_line(plain, at, span.chars[0]):
            k = bisect.bisect_left(places, span.place) - 1
            anchor = last_of[places[k]] if k >= 0 else -1
            if anchor >= 0 and _same_baseline(plain[anchor][1], span.chars[0]):
                at = anchor + 1
        before.setdefault(at, []).append(span.chars)
    out: list[_Char] = []
    for i in range(len(plain) + 1):
        for chars in before.get(i, []):
            out += chars
        if i < len(plain):
            out.append(plain[i][1])
    return out


def _on_line(plain: list[tuple[int, _Char]], at: int, char: _Char) -> bool:
    """Whether the glyph before or after index ``at`` of ``plain`` (spaces aside) is on ``char``'s baseline."""
    before = next((c for _, c in reversed(plain[:at]) if c.ch != " "), None)
    after = next((c for _, c in plain[at:] if c.ch != " "), None)
    return any(c is not None and _same_baseline(c, char) for c in (before, after)) or (before is None and after is None)


def _one_glyph(a: _Char, b: _Char) -> bool:
    """Characters a font map gives one glyph: one origin, one box (a mark among them stays in their order)."""
    return abs(a.x - b.x) < 0.01 and abs(a.y - b.y) < 0.01 and abs(a.right - b.right) < 0.01


def _same_baseline(a: _Char, b: _Char) -> bool:
    return abs(a.y - b.y) <= BASELINE_TOLERANCE * max(a.size, b.size)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


def _glyph_text(group: list[_Char]) -> str:
    """The characters of one glyph in logical order.

    PDFium gives the letters of a presentation-form ligature (U+FEFB) in logical order but those of a
    ligature glyph mapped to two letters (lam-alef in fpdf2, lam-jeem in InDesign) in painting order.
    Arabic ligatures of this kind start with lam: the lam goes first either way.
    """
    text = "".join(c.ch for c in group)
    if group[0].cluster:
        return text  # an ActualText, in logical order
    letters = [ch for ch in text if not _is_mark(ch)]
    if len(letters) > 1 and all(_arabic_letter(ch) for ch in letters) and letters[0] != _LAM and letters[-1] == _LAM:
        return text[::-1]  # with a mark the shaper mapped along ("اًل" for "لًا")
    return text


def _arabic_letter(ch: str) -> bool:
    return unicodedata.bidirectional(ch) == "AL" and unicodedata.category(ch).startswith("L")


def _misnamed_marks(line: list[_Char]) -> set[int]:
    """Digits and signs painted over half an Arabic letter or more: glyphs whose font map names the wrong character
    (a shaper's positioned damma, or a lam-alef under its tanween, mapped to "4" or "/"). Running text never stacks
    two glyphs there."""
    letters = [(c.left, c.right) for c in line if _arabic_letter(c.ch)]
    return {
        id(c)
        for c in line
        if not c.ch.isalpha()
        and not c.cluster
        and c.ch != " "
        and not _is_mark(c.ch)
        and any(
            _overlap(c.left, c.right, left, right) >= 0.5 * min(c.right - c.left, right - left) - 0.1 for left, right in letters
        )
    }


def _overlap(left: float, right: float, other_left: float, other_right: float) -> float:
    return min(right, other_right) - max(left, other_left)


def _clusters(line: list[_Char], marks: list[_Char]) -> tuple[list[Cluster], list[float]]:
    """Glyphs of one line in stream order (characters at one origin, a ligature mapped to two letters, or of one
    ActualText span, and the marks painted on them), and the middles of the spaces the line paints."""
    groups: list[list[_Char]] = []
    spaces: list[float] = []
    dropped = _misnamed_marks(line)
    after_space = False
    for char in line:
        if id(char) in dropped:
            continue
        if char.ch == " ":
            spaces.append((char.left + char.right) / 2)
            after_space = True
        elif groups and not after_space and _same_glyph(groups[-1][0], char):
            groups[-1].append(char)
        else:
            groups.append([char])
            after_space = False
    texts = [_glyph_text(group) for group in groups]
    for mark in marks:
        # A mark belongs to the glyph it is painted on: the base whose box holds its centre (else the nearest).
        centre = (mark.left + mark.right) / 2
        nearest = min(range(len(groups)), key=lambda i: _distance(groups[i][0], centre), default=None)
        if nearest is not None:
            texts[nearest] += mark.ch
    extents = [[group[0].left, max(c.right for c in group)] for group in groups]
    for char in line:
        if id(char) in dropped and groups:
            # A misnamed glyph still covers the letters it is painted over: a lam-alef under the tanween its text went to.
            i = max(range(len(groups)), key=lambda i: _overlap(char.left, char.right, *extents[i]))
            extents[i] = [min(extents[i][0], char.left), max(extents[i][1], char.right)]
    clusters = [
        Cluster(text, left, right, group[0].size, seq)
        for seq, (text, group, (left, right)) in enumerate(zip(texts, groups, extents, strict=True))
    ]
    return clusters, spaces


def _same_glyph(first: _Char, char: _Char) -> bool:
    """Characters of one glyph: of one ActualText span, or (without one) at one origin with one right edge."""
    if first.cluster or char.cluster:
        return first.cluster == char.cluster
    return abs(first.x - char.x) < 0.01 and abs(first.right - char.right) < 0.01


def _distance(char: _Char, x: float) -> float:
    return 0.0 if char.left <= x <= char.right else min(abs(char.left - x), abs(char.right - x))


def _collides(line: list[_Char], char: _Char) -> bool:
    """A letter painted over another letter of the line (not the same glyph): a second text block on that baseline."""
    if not char.ch.isalpha() or char.ch == _TATWEEL:
        return False
    width = max(char.right - char.left, 0.01)
    for other in line[:-2]:  # the glyphs just painted may touch it: kerning, the second letter of a ligature
        if (
            not other.ch.isalpha()
            or other.ch == _TATWEEL
            or (abs(other.x - char.x) < 0.01 and abs(other.right - char.right) < 0.01)
        ):
            continue
        if min(other.right, char.right) - max(other.left, char.left) > 0.3 * width:
            return True
    return False


def _lines(chars: list[_Char]) -> list[tuple[list[_Char], list[_Char]]]:
    """(glyphs, marks) per line: consecutive glyphs of the stream on one baseline that do not collide; each mark on the
    line and glyph it touches."""
    lines: list[list[_Char]] = []
    marks: list[_Char] = []
    for char in chars:
        if _is_mark(char.ch) and not char.cluster and not (lines and _one_glyph(lines[-1][-1], char)):
            marks.append(char)
            continue
        if char.ch == " ":
            # A space counts where it is painted (visual_line), on its own line: one PDFium gives among another line's
            # characters, or before a line's first glyph, is left out.
            if lines and _same_baseline(lines[-1][-1], char):
                lines[-1].append(char)
            continue
        if lines and _same_baseline(lines[-1][-1], char) and not _collides(lines[-1], char):
            lines[-1].append(char)
            continue
        lines.append([char])
    line_marks: list[list[_Char]] = [[] for _ in lines]
    for mark in marks:
        near = [i for i, line in enumerate(lines) if abs(line[0].y - mark.y) <= 2 * BASELINE_TOLERANCE * mark.size]
        if near:
            centre = (mark.left + mark.right) / 2
            best = min(near, key=lambda i: (min(_distance(c, centre) for c in lines[i]), abs(lines[i][0].y - mark.y)))
            line_marks[best].append(mark)
    return _top_down(list(zip(lines, line_marks, strict=True)))


def _top_down(lines: list[tuple[list[_Char], list[_Char]]]) -> list[tuple[list[_Char], list[_Char]]]:
    """Lines in stream order, except that a line goes before the lines painted just ahead of it that lie right under
    it: Chromium paints the first line of some paragraphs after the second. Only the next line down moves (a footer
    painted first stays where it is), and only across the same stretch of the page (columns stay apart)."""
    ordered: list[tuple[list[_Char], list[_Char]]] = []
    for line in lines:
        at = len(ordered)
        while at and _just_below(ordered[at - 1][0], line[0]):
            at -= 1
        ordered.insert(at, line)
    return ordered


def _just_below(line: list[_Char], other: list[_Char]) -> bool:
    """Whether ``line`` is the line under ``other``: a baseline lower by more than the tolerance and at most two glyph
    sizes, overlapping it across."""
    size = max(line[0].size, other[0].size)
    if not BASELINE_TOLERANCE * size < other[0].y - line[0].y <= 2 * size:
        return False
    return min(c.left for c in line) < max(c.right for c in other) and min(c.left for c in other) < max(c.right for c in line)


def visual_line(clusters: list[Cluster], spaces: list[float] | None = None) -> str:
    """The line as painted, left to right; a right-to-left glyph's letters reversed, so that reordering restores them.

    On a line that paints spaces (``spaces``: their middles), a space is where one is painted between two glyphs
    (justified Arabic widens gaps inside words as much as between them, so gaps alone would cut words), or where
    glyphs the stream painted apart leave a gap wider than ``WORD_GAP`` (runs of another direction). On a line
    without painted spaces (Chromium's have no width), a space is where the gap is wider than ``WORD_GAP``. Any
    gap wider than ``FAR_GAP`` is a space.
    """
    ordered = sorted(clusters, key=lambda c: (c.left + c.right) / 2)
    painted = sorted(spaces or [])
    out: list[str] = []
    for i, cluster in enumerate(ordered):
        if i:
            previous = ordered[i - 1]
            gap = (cluster.left - previous.right) / max(cluster.size, previous.size)
            if painted:
                start, end = (previous.left + previous.right) / 2, (cluster.left + cluster.right) / 2
                between = any(start < middle < end for middle in painted)
                # One run: painted one after the other, in one direction (a number beside a word is a run of its own).
                one_run = abs(cluster.seq - previous.seq) == 1 and cluster.rtl == previous.rtl
                # A gap of a glyph's height or more is no kashida: a page number beside a running title.
                space = between or gap > (FAR_GAP if one_run else WORD_GAP)
            else:
                space = gap > WORD_GAP
            if space:
                out.append(" ")
        out.append(cluster.text[::-1] if cluster.rtl else cluster.text)
    return "".join(out)


def reader_name() -> str:
    """ "pypdfium2 5.15.2": what read the glyph positions (named in a document's parser)."""
    import pypdfium2

    return f"pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}"


def visual_lines(path: Path, numbers: list[int]) -> dict[int, list[str]] | None:
    """The lines of the given pages (0-based) in visual order (left to right as painted), or None when PDFium
    cannot read the file."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # an optional reader: the content-stream reading still works
        return None
    try:
        document = pdfium.PdfDocument(str(path), password="")
    except pdfium.PdfiumError:
        return None
    pages: dict[int, list[str]] = {}
    try:
        for index in numbers:
            page = document[index]
            textpage = page.get_textpage()
            chars = _chars(page, textpage)
            pages[index] = [] if chars is None else [visual_line(*_clusters(line, marks)) for line, marks in _lines(chars)]
            textpage.close()
            page.close()
    except (pdfium.PdfiumError, IndexError):
        return None
    finally:
        document.close()
    return pages
