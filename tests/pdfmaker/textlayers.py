"""Text layers broken the way real producers break them, written by real PDF writers.

Every maker has one shape, ``maker(path, lines, **options) -> path``: each string of ``lines`` is drawn as
one printed line of 12 pt DejaVu Sans on A4 (never wrapped: a line wider than the text block raises
``ValueError``); a line equal to ``PAGE_BREAK`` starts a new page, and a page holds at most
``LINES_PER_PAGE`` lines. A line with Arabic letters is right-to-left and aligned right; any other line is
left-to-right. The writer is reportlab or fpdf2 (HarfBuzz shaping); the font-map classes are then
post-edited with pypdf as an incremental update that replaces only font objects (ToUnicode streams,
font dictionaries), so the Producer stays the writer's. Each docstring names the real producers that
show the failure and says what pypdf 7 ``extract_text()`` returns for it.

Keep in mind that pypdf reverses every right-to-left run inside a text object, on the assumption that
glyphs come in visual order. So glyphs drawn in visual order come back in logical order, glyphs drawn
in logical order come back mirrored, and mixed lines come back with their runs in visual order.

``AR_LINES`` and ``FR_LINES`` were written for these tests and reproduce no official text; "the law
23-12 of this test" names no real law.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Literal

import arabic_reshaper
import fpdf
from fontTools.agl import UV2AGL
from fpdf import FPDF
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, PdfObject, StreamObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tests.fixtures.documents import corpus_build

PAGE_BREAK = "\f"
FONT_SIZE = 12.0
LEADING = 20.0
MARGIN: float = 20 * mm
PAGE_WIDTH: float = A4[0]
PAGE_HEIGHT: float = A4[1]
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LINES_PER_PAGE = int((PAGE_HEIGHT - 2 * MARGIN) // LEADING)
CREATOR = "policykb tests/pdfmaker/textlayers.py"
FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # PDFs never carry the build time
RL_FONT = "DejaVuSans"  # the name corpus/build.py registers the same file under
FPDF_FONT = "DejaVu"

AR_LINES = [
    "نص مكتوب لاختبارات البرنامج ولا ينقل أي نص رسمي.",
    "المادة 1",
    "تهدف هذه المادة إلى تنظيم الدعم المقدم من الدولة إلى المؤسسات الصغيرة.",
    "تسهر الوزارة المكلفة بالصناعة على تنفيذ البرنامج في جميع الجهات.",
    "المادة 2",
    "تمنح الإعانة على أساس ملف يودع لدى الإدارة الجهوية المختصة.",
    "يحدد مبلغ الإعانة وفق القانون 23-12 من هذا الاختبار في حدود الميزانية.",
    "المادة 3",
    "تخضع المؤسسات المستفيدة من الدعم إلى مراقبة سنوية من طرف لجنة مستقلة.",
    "تنشر اللجنة تقريرها السنوي على الموقع الإلكتروني للوزارة في أجل ثلاثة أشهر.",
    "المادة 4",
    "لا يجوز الجمع بين هذه الإعانة والإعانات الأخرى المقدمة على نفس المشروع.",
]

FR_LINES = [
    "Texte rédigé pour les tests de policykb ; il ne reproduit aucun texte officiel.",
    "Article 1er",
    "La présente loi définit les règles générales de l'aide aux entreprises.",
    "Elle s'applique à l'État, aux régions et aux établissements publics.",
    "Art. 2",
    "Le ministère chargé de l'économie élabore chaque année un rapport détaillé.",
    "Les entreprises éligibles reçoivent une aide remboursable après évaluation.",
    "Art. 3",
    "Le comité de sélection se réunit à la demande du ministre compétent.",
    "Les décisions sont publiées dans un délai de trois mois à compter du dépôt.",
    "Chapitre II : Dispositions financières",
    "Le budget prévu par la loi 23-12 de ce test est réparti entre les régions.",
]

# Headings that doubled_letters_pdf fake-bolds by default.
HEADING_RE = re.compile(r"^(?:Article|Art\.|Chapitre|Titre|المادة|الفصل|الباب)(?:\s|$)")
ARABIC_RE = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
# In a right-to-left line, digits and Latin words (with inner separators, as in 23-12) stay left to right.
LTR_RUN_RE = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:[-./:,][0-9A-Za-z\u00c0-\u024f]+)*")
# The 28 letters of the alphabet; hamza forms, ta marbuta and alef maqsura keep their own values.
ARABIC_BASE_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
# Latin-1 codes read through Adobe StandardEncoding (pypdf's fallback for a simple font without
# /Encoding): the accents whose slot StandardEncoding defines turn into other letters. The slots of
# à, â, ç, î, ï, ô, É and À are undefined there, so they are left alone.
STANDARD_ENCODING_MISREAD = {"é": "Ø", "è": "Ł", "ê": "Œ", "ë": "º", "ù": "ø", "û": "ß", "È": "¨", "Ê": "˚", "Ç": "˙"}
PERMUTATION_SEED = 12
FAKE_BOLD_OFFSET = 0.35  # points between the two impressions: thicker strokes, no visible ghost
FORM_SUFFIXES = {"<initial>": "init", "<medial>": "medi", "<final>": "fina", "<isolated>": "isol"}


def is_rtl(line: str) -> bool:
    return ARABIC_RE.search(line) is not None


def paginate(lines: list[str]) -> list[list[str]]:
    """Lines grouped by page: split at PAGE_BREAK and whenever a page is full."""
    pages: list[list[str]] = [[]]
    for line in lines:
        if line == PAGE_BREAK:
            pages.append([])
            continue
        if len(pages[-1]) == LINES_PER_PAGE:
            pages.append([])
        pages[-1].append(line)
    return pages


def arabic_letter_permutation(seed: int) -> dict[str, str]:
    """A seeded single cycle over ARABIC_BASE_LETTERS, so that no letter maps to itself."""
    order = list(ARABIC_BASE_LETTERS)
    random.Random(seed).shuffle(order)
    return dict(zip(order, order[1:] + order[:1], strict=True))


# --------------------------------------------------------------------------- the makers


def visual_order_pdf(path: Path, lines: list[str]) -> Path:
    """Arabic as presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF) in visual order, one string per line.

    Seen in official gazettes typeset by older Arabic systems and in PDFs from scripts that shape
    Arabic themselves (reportlab or FPDF with arabic_reshaper and python-bidi). Each Arabic line goes
    through arabic_reshaper and get_display (corpus/build.py's ``to_visual``, the corpus's pdf-visual
    writer) and reportlab draws the string left to right. Lam-alef is one code point (U+FEFB, U+FEF9...).

    Digits: get_display applies the bidi algorithm, where digits after Arabic letters are Arabic
    numbers and a hyphen does not join two of them, so "23-12" becomes the visual "12-23": each number
    keeps its digits, the two swap places, and the page shows "12-23", as any bidi renderer (fpdf2 and
    browsers included) would. "المادة 1" becomes the visual "1 ﺓﺩﺎﻤﻟﺍ".

    pypdf reverses each right-to-left run back, so a purely Arabic line comes out in logical order but
    in presentation forms (its NFKC form is the source line), while a line with digits comes out with
    its runs in visual order: "المادة 1" extracts as " 1 ﺍﻟﻤﺎﺩﺓ" and the law line as
    " ﻣﻦ ﻫﺬﺍ ﺍﻻﺧﺘﺒﺎﺭ ﻓﻲ ﺣﺪﻭﺩ ﺍﻟﻤﻴﺰﺍﻧﻴﺔ.12-23 ﻳﺤﺪﺩ ﻣﺒﻠﻎ ﺍﻹﻋﺎﻧﺔ ﻭﻓﻖ ﺍﻟﻘﺎﻧﻮﻥ". A final period may lead
    the line (".ﻧﺺ ﻣﻜﺘﻮﺏ ... ﺭﺳﻤﻲ") depending on the direction of the text before it.
    """
    visual = corpus_build().to_visual
    canvas = _reportlab_canvas(path)
    for page in paginate(lines):
        canvas.setFont(RL_FONT, FONT_SIZE)
        for number, line in enumerate(page):
            text = visual(line, is_rtl(line))
            _check_width(line, pdfmetrics.stringWidth(text, RL_FONT, FONT_SIZE))
            if is_rtl(line):
                canvas.drawRightString(PAGE_WIDTH - MARGIN, _baseline(number), text)
            else:
                canvas.drawString(MARGIN, _baseline(number), text)
        canvas.showPage()
    canvas.save()
    return path


def presentation_forms_pdf(path: Path, lines: list[str]) -> Path:
    """Arabic as presentation forms in logical order: reshaped, not reordered, yet drawn right to left.

    Seen in PDFs from report engines and PDF libraries that shape Arabic with their own ligaturizer
    and then write the string in memory order. reportlab places every character with its own text
    matrix, right to left, so the page looks right (digit and Latin runs, such as 23-12, stay left to
    right as units; brackets are not mirrored, so keep them out of the lines) while the content stream
    holds the logical order. pypdf, which expects visual order, reverses each right-to-left run, so a
    line comes out mirrored in presentation forms: "تهدف هذه ... الصغيرة." extracts as
    ".ﺓﺮﻴﻐﺼﻟﺍ ... ﻩﺬﻫ ﻑﺪﻬﺗ" (its NFKC form is the source line reversed, except that a lam-alef
    ligature expands in logical order) and "المادة 1" as " ﺓﺩﺎﻤﻟﺍ1".
    """
    canvas = _reportlab_canvas(path)
    for page in paginate(lines):
        for number, line in enumerate(page):
            shaped = arabic_reshaper.reshape(line) if is_rtl(line) else line
            widths = [pdfmetrics.stringWidth(char, RL_FONT, FONT_SIZE) for char in shaped]
            _check_width(line, sum(widths))
            text = canvas.beginText()
            text.setFont(RL_FONT, FONT_SIZE)
            positions = _rtl_positions(shaped, widths) if is_rtl(line) else _ltr_positions(widths)
            for char, x in zip(shaped, positions, strict=True):
                text.setTextOrigin(x, _baseline(number))
                text.textOut(char)
            canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    return path


def reversed_words_pdf(path: Path, lines: list[str]) -> Path:
    """Browser "print to PDF" style: each word shaped on its own, words in visual (left-to-right) order.

    Seen in browser "print to PDF" output, whose text layer paints a right-to-left line as separate
    word runs from left to right: the words of an Arabic line come in reverse order, the letters of
    each word in logical order, base letters (no presentation forms). fpdf2 shapes each word (HarfBuzz)
    as its own cell, with the spaces as cells of their own, placed so that the line reads correctly.
    pypdf returns "المختصة. الجهوية الإدارة لدى يودع ملف أساس على الإعانة تمنح" for the line
    "تمنح الإعانة على أساس ملف يودع لدى الإدارة الجهوية المختصة." and "1 المادة" for "المادة 1"; the
    first line of a page may get its final period in front (".رسمي نص ... نص"). Numbers are drawn as
    one left-to-right word, so the page shows "23-12" where a bidi renderer would show "12-23".
    Left-to-right lines keep their order.
    """
    pdf = _fpdf()
    for page in paginate(lines):
        pdf.add_page()
        for number, line in enumerate(page):
            words = line.split()
            rtl = is_rtl(line)
            pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
            # Spaces are runs of their own: pypdf then separates every pair of words with exactly one.
            runs = [part for word in words for part in (word, " ")][:-1]
            widths = [pdf.get_string_width(run) for run in runs]
            _check_width(line, sum(widths))
            x = PAGE_WIDTH - MARGIN - sum(widths) if rtl else MARGIN
            for run, width in zip(runs[::-1] if rtl else runs, widths[::-1] if rtl else widths, strict=True):
                pdf.set_xy(x, _cell_top(number))
                pdf.cell(width, LEADING, run)
                x += width
    pdf.output(str(path))
    return path


def shifted_font_map_pdf(path: Path, lines: list[str], *, shift: int = -29) -> Path:
    """Latin text drawn correctly, but the ToUnicode map sends every glyph to its code point plus ``shift``.

    With -29, "Article" extracts as "$UWLFOH": the offset of a TrueType font in the standard Macintosh
    glyph order (space is glyph 3, "A" glyph 36), seen in PDFs whose producer or print driver wrote
    glyph ids where character codes belong. Every destination moves: a space extracts as U+0003, "1"
    as U+0014 ("Article 1er" -> "$UWLFOH\\x03\\x14HU"), é as Ì, and the apostrophe as U+000A, a line
    feed, so pypdf's lines break inside "l'aide". fpdf2 writes the PDF and pypdf rewrites the
    ToUnicode streams; the glyphs, and so the rendered page, are untouched.
    """
    _fpdf_lines(path, lines)
    _rewrite_to_unicode(path, lambda text: "".join(_shift(char, shift) for char in text))
    return path


def wrong_unicode_map_arabic_pdf(path: Path, lines: list[str], *, seed: int = PERMUTATION_SEED) -> Path:
    """Arabic drawn correctly (fpdf2, HarfBuzz), but the ToUnicode map permutes the 28 Arabic letters.

    Seen in PDFs typeset with legacy Arabic fonts whose glyphs carry the wrong Unicode values (fonts
    converted from pre-Unicode encodings): the extraction is plausible Arabic letters in the right
    places that form almost no real word, "تهدف هذه المادة" -> "فظتن ظطظ شاقشتة" with the default seed.
    The permutation is ``arabic_letter_permutation(seed)``, applied to every letter a glyph maps to
    (lam-alef included), so inverting it gives back pypdf's normal extraction of the fpdf2 file.
    """
    permutation = arabic_letter_permutation(seed)
    _fpdf_lines(path, lines)
    _rewrite_to_unicode(path, lambda text: "".join(permutation.get(char, char) for char in text))
    return path


def remapped_accents_pdf(path: Path, lines: list[str], *, remap: Mapping[str, str] = STANDARD_ENCODING_MISREAD) -> Path:
    """French drawn correctly, but the ToUnicode map sends accented letters elsewhere: é -> Ø, è -> Ł, û -> ß.

    Seen in PDFs whose fonts lost their encoding on the way from PostScript, so that extractors read
    Latin-1 codes through Adobe StandardEncoding. The default table is that misreading: "prØsente",
    "rŁgles", "ministŁre", while à, â, ç, î, ô and É, whose StandardEncoding slots are empty, stay as
    they are. fpdf2 writes the PDF and pypdf rewrites the ToUnicode streams (glyphs untouched).
    """
    _fpdf_lines(path, lines)
    _rewrite_to_unicode(path, lambda text: "".join(remap.get(char, char) for char in text))
    return path


def doubled_letters_pdf(path: Path, lines: list[str], *, bold: Literal["headings", "all"] = "headings") -> Path:
    """Fake bold: every glyph of a bold line is drawn twice, FAKE_BOLD_OFFSET points apart.

    Seen in headings of gazettes and reports from typesetting systems and print drivers that simulate
    a missing bold face by overprinting each glyph with a small shift. reportlab places each
    impression with its own text matrix; spaces, which have no ink, are drawn once. pypdf returns each
    visible character twice and adds no space: "AArrttiiccllee 11eerr" for "Article 1er", "AArrtt.. 22"
    for "Art. 2". ``bold`` selects the headings (HEADING_RE) or every line. Left-to-right lines only:
    an Arabic line raises ValueError.
    """
    canvas = _reportlab_canvas(path)
    for page in paginate(lines):
        for number, line in enumerate(page):
            if is_rtl(line):
                raise ValueError(f"doubled_letters_pdf draws left-to-right lines only, got an Arabic line: {line!r}")
            widths = [pdfmetrics.stringWidth(char, RL_FONT, FONT_SIZE) for char in line]
            _check_width(line, sum(widths) + FAKE_BOLD_OFFSET)
            doubled = bold == "all" or HEADING_RE.match(line) is not None
            text = canvas.beginText()
            text.setFont(RL_FONT, FONT_SIZE)
            for char, x in zip(line, _ltr_positions(widths), strict=True):
                for offset in (0.0, FAKE_BOLD_OFFSET) if doubled and not char.isspace() else (0.0,):
                    text.setTextOrigin(x + offset, _baseline(number))
                    text.textOut(char)
            canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    return path


def glyph_names_pdf(path: Path, lines: list[str]) -> Path:
    """Raw glyph names in the extraction: simple fonts with a /Differences encoding and no ToUnicode.

    Seen in PDFs distilled from PostScript with Arabic fonts: the simple fonts keep an /Encoding
    whose /Differences name the glyphs and no ToUnicode, so extractors derive text from glyph names,
    and a name they do not know comes out as itself. The page is visual_order_pdf's (reportlab); pypdf
    then replaces each font's ToUnicode by /Differences naming every glyph the way fonts name
    contextual forms (uni0644.init, lam-alef uni0644_uni0627.isol; space, digits and punctuation keep
    their standard names). pypdf knows the Adobe Glyph List, bare "afii57414" included, so only the
    form-suffixed names leak: "المادة 1" extracts as
    " 1 /uni0629.isol/uni062F.isol/uni0627.fina/uni0645.medi/uni0644.init/uni0627.isol". The fonts stay
    symbolic, so renderers still draw glyphs by code and the page looks like visual_order_pdf's.
    """
    visual_order_pdf(path, lines)
    _edit_fonts(path, _names_instead_of_to_unicode)
    return path


# --------------------------------------------------------------------------- writers


def _reportlab_canvas(path: Path) -> Canvas:
    if RL_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(RL_FONT, str(corpus_build().FONT_REGULAR)))
    # invariant=1 pins the dates and the file id, so a rebuild is byte-identical.
    canvas = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    canvas.setCreator(CREATOR)
    return canvas


def _fpdf() -> FPDF:
    pdf = FPDF(unit="pt", format="A4")
    # fpdf2 2.8 writes no Producer; earlier releases wrote this one, and the tests check for it.
    pdf.set_producer(f"PyFPDF/fpdf{fpdf.FPDF_VERSION}")
    pdf.set_creator(CREATOR)
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_font(FPDF_FONT, "", str(corpus_build().FONT_REGULAR))
    pdf.set_font(FPDF_FONT, "", FONT_SIZE)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0  # cells start exactly where the text starts
    return pdf


def _fpdf_lines(path: Path, lines: list[str]) -> None:
    """One cell per line; Arabic lines shaped right to left by HarfBuzz, as corpus/build.py does."""
    pdf = _fpdf()
    for page in paginate(lines):
        pdf.add_page()
        for number, line in enumerate(page):
            rtl = is_rtl(line)
            # Shaping only where it matters: without it fpdf2 writes a left-to-right line as one string.
            pdf.set_text_shaping(use_shaping_engine=rtl, direction="rtl" if rtl else "ltr")
            _check_width(line, pdf.get_string_width(line))
            pdf.set_xy(MARGIN, _cell_top(number))
            pdf.cell(TEXT_WIDTH, LEADING, line, align="R" if rtl else "L")
    pdf.output(str(path))


def _baseline(number: int) -> float:
    """Baseline of a page's line ``number`` in PDF coordinates (origin bottom left)."""
    return PAGE_HEIGHT - MARGIN - FONT_SIZE - number * LEADING


def _cell_top(number: int) -> float:
    """Top of a page's line ``number`` in fpdf2 coordinates (origin top left)."""
    return MARGIN + number * LEADING


def _check_width(line: str, width: float) -> None:
    if width > TEXT_WIDTH:
        raise ValueError(f"line is {width:.0f} pt wide, more than the {TEXT_WIDTH:.0f} pt text width; split it: {line!r}")


def _ltr_positions(widths: list[float]) -> list[float]:
    positions, x = [], MARGIN
    for width in widths:
        positions.append(x)
        x += width
    return positions


def _rtl_positions(text: str, widths: list[float]) -> list[float]:
    """x of each character of a right-aligned right-to-left line; LTR_RUN_RE runs keep their order."""
    units: list[range] = []
    start = 0
    for run in LTR_RUN_RE.finditer(text):
        units += [range(index, index + 1) for index in range(start, run.start())]
        units.append(range(run.start(), run.end()))
        start = run.end()
    units += [range(index, index + 1) for index in range(start, len(text))]
    positions = [0.0] * len(text)
    x = PAGE_WIDTH - MARGIN - sum(widths)
    for unit in reversed(units):  # the last unit in reading order is the leftmost on the page
        for index in unit:
            positions[index] = x
            x += widths[index]
    return positions


# --------------------------------------------------------------------------- font-map editing (pypdf)

BFCHAR_RE = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
CMAP_PAIR_RE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")


def _shift(char: str, shift: int) -> str:
    code = ord(char) + shift
    return chr(code) if 0 < code < 0xD800 else char  # U+0000 (.notdef) and impossible values stay


def _rewrite_to_unicode(path: Path, transform: Callable[[str], str]) -> None:
    """Pass the destination of every bfchar entry of every ToUnicode CMap through ``transform``."""

    def rewrite_pair(pair: re.Match[bytes]) -> bytes:
        text = bytes.fromhex(pair[2].decode()).decode("utf-16-be")
        return b"<%s> <%s>" % (pair[1], transform(text).encode("utf-16-be").hex().upper().encode())

    def edit(font: DictionaryObject, to_unicode: StreamObject) -> None:
        cmap = to_unicode.get_data()
        if b"beginbfrange" in cmap:
            raise ValueError(f"{path}: the ToUnicode CMap of {font.get('/BaseFont')} has bfrange entries, not rewritten")
        to_unicode.set_data(BFCHAR_RE.sub(lambda block: CMAP_PAIR_RE.sub(rewrite_pair, block[0]), cmap))

    _edit_fonts(path, edit)


def _names_instead_of_to_unicode(font: DictionaryObject, to_unicode: StreamObject) -> None:
    """Replace a simple font's ToUnicode by an /Encoding whose /Differences name each code's glyph."""
    cmap = to_unicode.get_data()
    differences = ArrayObject()
    for block in BFCHAR_RE.findall(cmap):
        for code, destination in CMAP_PAIR_RE.findall(block):
            text = bytes.fromhex(destination.decode()).decode("utf-16-be")
            if int(code, 16) and text:
                differences += [NumberObject(int(code, 16)), NameObject("/" + _glyph_name(text))]
    font[NameObject("/Encoding")] = DictionaryObject(
        {NameObject("/Type"): NameObject("/Encoding"), NameObject("/Differences"): differences}
    )
    del font["/ToUnicode"]


def _glyph_name(text: str) -> str:
    """A font's glyph name for one code's text: uniXXXX.form for contextual forms, else the AGL name."""
    decomposition = unicodedata.decomposition(text).split() if len(text) == 1 else []
    if decomposition and decomposition[0] in FORM_SUFFIXES:
        return "_".join(f"uni{code}" for code in decomposition[1:]) + "." + FORM_SUFFIXES[decomposition[0]]
    return "_".join(UV2AGL.get(ord(char), f"uni{ord(char):04X}") for char in text)


def _edit_fonts(path: Path, edit: Callable[[DictionaryObject, StreamObject], None]) -> None:
    """Apply ``edit`` once to every font with a ToUnicode stream, as an incremental update of ``path``."""
    writer = PdfWriter(BytesIO(path.read_bytes()), incremental=True)
    seen: set[int] = set()  # pages share their fonts
    for page in writer.pages:
        resources = _resolved(page.get("/Resources"))
        fonts = _resolved(resources.get("/Font")) if isinstance(resources, DictionaryObject) else None
        for reference in fonts.values() if isinstance(fonts, DictionaryObject) else ():
            font = _resolved(reference)
            to_unicode = _resolved(font.get("/ToUnicode")) if isinstance(font, DictionaryObject) else None
            if isinstance(font, DictionaryObject) and isinstance(to_unicode, StreamObject) and id(font) not in seen:
                seen.add(id(font))
                edit(font, to_unicode)
    buffer = BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())


def _resolved(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if value is not None else None
