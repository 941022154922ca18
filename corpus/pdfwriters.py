"""Writers of the corpus's PDFs: ``pdf`` (fpdf2, HarfBuzz-shaped, as Word or Chrome export) and ``pdf-visual``.

``pdf-visual`` draws Arabic in visual order with presentation forms (reportlab), as many official
gazettes are produced: the ingest has to repair its order. Both carry a running header and a page
footer that the ingest has to strip.
"""

from __future__ import annotations

from pathlib import Path

import arabic_reshaper
from bidi import get_display
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from corpus.source import SourceDoc, fixed_datetime, page_label, plain_text, printable_blocks

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
RL_FONT = "DejaVuSans"
RL_FONT_BOLD = "DejaVuSans-Bold"
CREATOR = "policykb corpus/build.py"

# (size in pt, line height in mm, space before in mm) per block kind, shared by both PDF writers.
PDF_STYLES: dict[str, tuple[float, float, float]] = {
    "heading1": (16.0, 8.0, 0.0),
    "heading2": (13.0, 6.5, 5.0),
    "heading3": (11.5, 6.0, 3.5),
    "paragraph": (10.5, 5.5, 1.5),
    "bullet": (10.5, 5.5, 0.8),
}
PDF_MARGIN_MM = 20.0
PDF_BULLET_INDENT_MM = 6.0
PDF_HEADER_SIZE = 8.0
BULLET = "•"


# --------------------------------------------------------------------------- pdf (fpdf2, HarfBuzz-shaped)


class _ShapedPDF(FPDF):
    """FPDF with the running header and page-number footer that the ingest has to strip."""

    def __init__(self, doc: SourceDoc) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.source = doc
        self.align = "R" if doc.rtl else "L"

    def header(self) -> None:
        self.set_font("DejaVu", "", PDF_HEADER_SIZE)
        self.set_text_color(90)
        self.set_xy(self.l_margin, 9)
        self.cell(self.epw, 5, plain_text(self.source.running_title), align=self.align)
        self.set_draw_color(150)
        self.line(self.l_margin, 14.5, self.w - self.r_margin, 14.5)
        self.set_text_color(0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_font("DejaVu", "", PDF_HEADER_SIZE)
        self.set_text_color(90)
        self.set_y(-13)
        self.cell(self.epw, 5, page_label(self.source, self.page_no()), align="C")
        self.set_text_color(0)


def write_pdf_shaped(doc: SourceDoc, path: Path) -> None:
    pdf = _ShapedPDF(doc)
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    # HarfBuzz shapes Arabic. Like Word or Chrome, fpdf2 then paints glyphs left to right and maps each
    # one back to its logical characters (ToUnicode), so extractors get base letters, not presentation forms.
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if doc.rtl else "ltr")
    pdf.set_margins(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM)
    pdf.set_auto_page_break(True, margin=PDF_MARGIN_MM)
    _set_fpdf_metadata(pdf, doc)
    pdf.add_page()
    for kind, text in printable_blocks(doc.blocks):
        if kind == "pagebreak":
            pdf.add_page()
        else:
            _fpdf_block(pdf, doc, kind, plain_text(text))
    pdf.output(str(path))


def _set_fpdf_metadata(pdf: FPDF, doc: SourceDoc) -> None:
    pdf.set_title(plain_text(str(doc.meta["title"])))
    pdf.set_author(str(doc.meta.get("issuer", "")))
    pdf.set_subject(str(doc.meta.get("summary_of", "")))
    pdf.set_lang(doc.lang)
    pdf.set_creator(CREATOR)
    pdf.set_creation_date(fixed_datetime(doc))


def _fpdf_block(pdf: _ShapedPDF, doc: SourceDoc, kind: str, text: str) -> None:
    size, line_height, space_before = PDF_STYLES[kind]
    pdf.set_font("DejaVu", "B" if kind.startswith("heading") else "", size)
    if kind.startswith("heading") and pdf.will_page_break(space_before + 2 * line_height):
        pdf.add_page()  # keep a heading with the first line after it
    if pdf.y > pdf.t_margin + 0.1:
        pdf.ln(space_before)
    width, x = pdf.epw, pdf.l_margin
    if kind == "bullet":
        text = f"{BULLET} {text}"
        width -= PDF_BULLET_INDENT_MM
        x += 0 if doc.rtl else PDF_BULLET_INDENT_MM  # indent from the side where lines start
    pdf.set_x(x)
    pdf.multi_cell(width, line_height, text, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if kind == "heading1":
        pdf.ln(2)


# --------------------------------------------------------------------------- pdf-visual (reportlab, gazette style)


def write_pdf_visual(doc: SourceDoc, path: Path) -> None:
    """Arabic drawn in visual order with presentation forms, as many official gazettes are produced."""
    _register_reportlab_fonts()
    canvas = Canvas(str(path), pagesize=A4, invariant=1, lang=doc.lang, pageCompression=1)
    canvas.setTitle(plain_text(str(doc.meta["title"])))
    canvas.setAuthor(str(doc.meta.get("issuer", "")))
    canvas.setSubject(str(doc.meta.get("summary_of", "")))
    canvas.setCreator(CREATOR)
    # invariant=1 pins dates to 2000-01-01; the formatter writes the source's own date instead.
    stamp = fixed_datetime(doc).strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_: stamp)
    _VisualWriter(canvas, doc).write()
    canvas.save()


def _register_reportlab_fonts() -> None:
    registered = pdfmetrics.getRegisteredFontNames()
    for name, font_path in ((RL_FONT, FONT_REGULAR), (RL_FONT_BOLD, FONT_BOLD)):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_path)))


def to_visual(line: str, rtl: bool) -> str:
    """Shape a logical line into presentation forms and reorder it for left-to-right drawing."""
    return str(get_display(arabic_reshaper.reshape(line), base_dir="R" if rtl else "L"))


def wrap_logical(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap on logical text, measuring each candidate line as it will be drawn (shaped)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and pdfmetrics.stringWidth(arabic_reshaper.reshape(candidate), font, size) > width:
            lines.append(current)
            candidate = word
        current = candidate
    if current:
        lines.append(current)
    return lines


class _VisualWriter:
    """Lays blocks out line by line on a reportlab canvas, starting pages with header and footer."""

    def __init__(self, canvas: Canvas, doc: SourceDoc) -> None:
        self.canvas = canvas
        self.doc = doc
        self.page_width, self.page_height = A4
        self.left = PDF_MARGIN_MM * mm
        self.right = self.page_width - PDF_MARGIN_MM * mm
        self.top = self.page_height - PDF_MARGIN_MM * mm
        self.bottom = PDF_MARGIN_MM * mm
        self.page = 0
        self.y = self.top
        self.page_has_content = False

    def write(self) -> None:
        self._start_page()
        for kind, text in printable_blocks(self.doc.blocks):
            if kind == "pagebreak":
                self._new_page()
            else:
                self._block(kind, plain_text(text))
        self.canvas.showPage()

    def _new_page(self) -> None:
        self.canvas.showPage()
        self._start_page()

    def _start_page(self) -> None:
        self.page += 1
        self.y = self.top
        self.page_has_content = False
        self._draw_running_elements()

    def _draw_running_elements(self) -> None:
        canvas = self.canvas
        canvas.setFillGray(0.35)
        canvas.setFont(RL_FONT, PDF_HEADER_SIZE)
        header_y = self.page_height - 13 * mm
        self._draw_line(to_visual(plain_text(self.doc.running_title), self.doc.rtl), header_y, 0.0)
        canvas.setStrokeGray(0.6)
        canvas.setLineWidth(0.4)
        canvas.line(self.left, self.page_height - 14.5 * mm, self.right, self.page_height - 14.5 * mm)
        footer = to_visual(page_label(self.doc, self.page), self.doc.rtl)
        canvas.drawCentredString(self.page_width / 2, 10 * mm, footer)
        canvas.setFillGray(0)

    def _block(self, kind: str, text: str) -> None:
        size, line_height_mm, space_before_mm = PDF_STYLES[kind]
        font = RL_FONT_BOLD if kind.startswith("heading") else RL_FONT
        line_height = line_height_mm * mm
        indent = PDF_BULLET_INDENT_MM * mm if kind == "bullet" else 0.0
        if kind == "bullet":
            text = f"{BULLET} {text}"
        if self.page_has_content:
            self.y -= space_before_mm * mm
        lines = wrap_logical(text, font, size, self.right - self.left - indent)
        for number, line in enumerate(lines):
            # Keep a heading with the first line after it by requiring room for two lines.
            needed = line_height * (2 if kind.startswith("heading") and number == 0 else 1)
            if self.y - needed < self.bottom:
                self._new_page()
            self.y -= line_height
            self.canvas.setFont(font, size)
            self._draw_line(to_visual(line, self.doc.rtl), self.y, indent)
            self.page_has_content = True
        if kind == "heading1":
            self.y -= 2 * mm

    def _draw_line(self, visual: str, y: float, indent: float) -> None:
        if self.doc.rtl:
            self.canvas.drawRightString(self.right - indent, y, visual)
        else:
            self.canvas.drawString(self.left + indent, y, visual)
