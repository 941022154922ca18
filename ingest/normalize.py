"""Pure text normalisation that search depends on. Every function is ``str -> str`` or works on pages."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace

from ingest.articles import match_heading
from ingest.quality import LANGUAGES
from ingest.records import Page
from ingest.repair import Reading, best_reading

# A word or number cut at line ends after a hyphen or a slash, over as many lines as it takes ("compé-\ntiti-\nvité").
_LINE_END_BREAK = re.compile(r"[^\W_]+(?:[-\u2010\u00AD/]\n[^\W_]+)+")
_BREAK_MARK = re.compile(r"([-\u2010\u00AD/])\n")
_PAGE_END_BREAK = re.compile(r"[^\W_]+[-\u2010\u00AD/]$")
_PAGE_START_WORD = re.compile(r"[^\W_]+")
# A line that ends with an opening bracket: the next line's first word belongs right after it (not so after a
# guillemet, which French spaces).
_OPENER_AT_LINE_END = re.compile(r"([(\[])\n(?=\S)")
# List bullets of Word's Symbol and Wingdings fonts, which text layers give as private-use characters: to the bidi
# algorithm a left-to-right letter (an Arabic item's bullet lands after its first number), to the quality score no word.
SYMBOL_BULLETS = str.maketrans(
    {"\uf0b7": "•", "\uf0a7": "▪", "\uf06e": "■", "\uf0d8": "➢", "\uf076": "❖", "\uf0fc": "✓", "\uf0a8": "□"}
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00A0\u2000-\u200A\u202F\u205F\u3000]+")
_BIDI_CONTROLS = re.compile(r"[\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]")
_DIGITS = re.compile(r"[0-9\u0660-\u0669]+")
_PAGE_WORD = r"(?:page|p\.|صفحة|الصفحة)"
_PAGE_NUMBER = r"[-–]?\s*[0-9\u0660-\u0669]{1,4}\s*(?:(?:/|of|sur|من)\s*[0-9\u0660-\u0669]{1,4})?\s*[-–]?"
# "12", "- 12 -", "Page 3 of 9", and "3 الصفحة" (Arabic extraction often puts the number first).
_PAGE_NUMBER_ONLY = re.compile(rf"^\s*(?:{_PAGE_WORD}\s*{_PAGE_NUMBER}|{_PAGE_NUMBER}\s*{_PAGE_WORD}?)\s*$", re.IGNORECASE)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def clean_whitespace(text: str) -> str:
    """Collapse runs of spaces, drop bidi control marks, keep line breaks.

    Lone surrogates (a broken font map decoded with surrogatepass) become U+FFFD: they cannot be
    encoded, and would fail far later, in the embedder or the store.
    """
    text = _SURROGATE.sub("\ufffd", _BIDI_CONTROLS.sub("", text)).translate(SYMBOL_BULLETS)
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(lines)


def repair_hyphenation(text: str) -> str:
    """Join what a line break after a hyphen or a slash cut: never with a space, and the hyphen dropped where it
    was the typesetter's ("compéti-\\ntivité" -> "compétitivité") but kept where it belongs to a compound or a
    number ("vingt-\\ncinq", "start-\\nup", "Nord-\\nAfrique", "2014-\\n2018"), as browsers and word processors
    break lines only there; a slash stays ("الأول/\\nأكتوبر"), a soft hyphen goes.
    """
    text = _OPENER_AT_LINE_END.sub(r"\1", text)  # "1444 (\\n9 ديسمبر" (LibreOffice breaks there)
    return _LINE_END_BREAK.sub(lambda match: _joined(match.group(0), text), text)


def _joined(chain: str, page: str) -> str:
    pieces = _BREAK_MARK.split(chain)  # word, mark, word, mark, word...
    words, marks = pieces[::2], pieces[1::2]
    drop = _typesetter_hyphens(words, page)
    out = words[0]
    for mark, word in zip(marks, words[1:], strict=True):
        out += ("" if mark == "\u00ad" or (mark != "/" and drop) else mark) + word
    return out


def _typesetter_hyphens(words: list[str], page: str) -> bool:
    """Whether the hyphens between ``words`` were put there by hyphenation, not written (judged on the whole word).

    The page's own spelling decides first (the compound or the joined word written elsewhere on it). Then the word
    lists: pieces that are no words ("compéti") were cut by a typesetter; when every piece is a word ("vingt",
    "cinq"), the hyphen stays unless the joined word is as common as the rarest piece ("entre-prises").
    """
    if any(not word[:1].islower() or not word.isalpha() for word in words[1:]) or not words[0].isalpha():
        return False  # "Nord-Afrique", "2014-2018": capitals and numbers are compounds
    joined = "".join(words)
    if "-".join(words) in page:
        return False
    if re.search(rf"(?<!\w){re.escape(joined)}(?!\w)", page):
        return True
    frequencies = [_zipf(word) for word in words]
    return min(frequencies) == 0 or _zipf(joined) >= min(frequencies)


def _zipf(word: str) -> float:
    """How common ``word`` is in the product's languages (wordfreq's Zipf scale, 0 for no word)."""
    import wordfreq

    return max(wordfreq.zipf_frequency(word, lang) for lang in LANGUAGES)


def read_page_text(raw: str, prefer: str = "") -> Reading:
    """Clean whitespace, pick the best repair of the text layer (ingest.repair), join hyphenated words."""
    reading = best_reading(clean_whitespace(raw), prefer)
    return replace(reading, text=repair_hyphenation(reading.text))


def normalize_page_text(raw: str) -> tuple[str, str]:
    """(text, repair) of :func:`read_page_text`, for text that is never rejected (headings, records)."""
    reading = read_page_text(raw)
    return reading.text, reading.repair


def _line_key(line: str) -> str:
    """Key that makes 'Page 3 of 9' and 'Page 4 of 9' the same running line."""
    return _DIGITS.sub("#", line.strip().casefold())


def join_across_pages(pages: list[Page]) -> list[Page]:
    """A word cut at a page's end after a hyphen or a slash ("tech-" | "enabled economy") is joined as
    :func:`repair_hyphenation` joins it within a page; it then stands on the page where it starts."""
    out = list(pages)
    for i in range(len(out) - 1):
        head, tail = out[i].text.rstrip(), out[i + 1].text.lstrip()
        cut = _PAGE_END_BREAK.search(head)
        rest = _PAGE_START_WORD.match(tail)
        if not (cut and rest and head and tail):
            continue
        joined = _joined(f"{cut.group(0)}\n{rest.group(0)}", f"{head}\n{tail}")
        out[i] = replace(out[i], text=head[: cut.start()] + joined)
        out[i + 1] = replace(out[i + 1], text=tail[rest.end() :].lstrip())
    return out


def strip_running_lines(pages: list[Page], min_pages: int = 2) -> list[Page]:
    """Remove headers and footers that repeat on most pages, and bare page numbers.

    A line counts as running when it is among the first or last three lines of at least half the
    pages (and of ``min_pages`` pages or more). Documents shorter than that keep their lines, except
    bare page numbers. Article and chapter headings are never running lines, though "Article #"
    may well stand at the top of every page, nor is a line that goes on with the sentence of the line
    before it (a wrapped title's "l'investissement" under "... charte de", twice in a short document).
    """
    edge = 3
    counts: Counter[str] = Counter()
    for page in pages:
        lines = [line for line in page.text.split("\n") if line.strip()]
        at_edges = [i for i in range(len(lines)) if i < edge or i >= len(lines) - edge]
        counts.update({_line_key(lines[i]) for i in at_edges if match_heading(lines[i]) is None and not _goes_on(lines, i)})
    threshold = max(min_pages, (len(pages) + 1) // 2)
    running = {key for key, n in counts.items() if n >= threshold and len(pages) >= min_pages}
    cleaned = []
    for page in pages:
        lines = page.text.split("\n")
        nonblank = [i for i, line in enumerate(lines) if line.strip()]
        edges = set(nonblank[:edge] + nonblank[-edge:])
        kept = [
            line
            for i, line in enumerate(lines)
            if not (i in edges and (_line_key(line) in running or _PAGE_NUMBER_ONLY.match(line))) or _goes_on(lines, i)
        ]
        cleaned.append(replace(page, text="\n".join(kept).strip()))
    return cleaned


def _goes_on(lines: list[str], i: int) -> bool:
    """Whether line ``i`` continues the sentence of the line above: it starts in lower case after a line that does not
    end one."""
    above = next((line.rstrip() for line in reversed(lines[:i]) if line.strip()), "")
    return bool(above) and lines[i].lstrip()[:1].islower() and not above.endswith((".", ":", ";", "!", "?", "…"))
