#!/usr/bin/env python3
"""Regenerate corpus/documents/ from corpus/sources/ (see corpus/README.md for the source format).

Usage: python corpus/build.py [--only GLOB] [--check] [--sources DIR] [--out DIR]

Each ``sources/<cc>/<slug>.<lang>.md`` becomes ``documents/<cc>/<slug>.<lang>.<ext>`` in the format named by
its ``format`` front-matter key (md, html, docx, pdf, pdf-visual); every format but md also gets a
``<name>.meta.json`` sidecar holding the front matter minus ``format``. ``--check`` rebuilds into a
temporary directory and exits 1 if the committed documents are out of date.
"""

from __future__ import annotations

import argparse
import fnmatch
import html
import io
import json
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import arabic_reshaper
import yaml
from bidi import get_display
from docx import Document
from docx.oxml import OxmlElement
from docx.shared import Mm
from docx.text.paragraph import Paragraph
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ingest.records import DOC_TYPES  # one list of document types for the corpus and for ingest

CORPUS_DIR = Path(__file__).resolve().parent
SOURCES_DIR = CORPUS_DIR / "sources"
DOCUMENTS_DIR = CORPUS_DIR / "documents"
SKIPPED_SOURCES = frozenset({"SOURCES.md", "README.md"})

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
RL_FONT = "DejaVuSans"
RL_FONT_BOLD = "DejaVuSans-Bold"

FORMAT_EXTENSIONS = {"md": "md", "html": "html", "docx": "docx", "pdf": "pdf", "pdf-visual": "pdf"}
LANGS = frozenset({"ar", "fr", "en"})
RTL_LANGS = frozenset({"ar"})
REQUIRED_FIELDS = ("title", "lang", "format")
BLOCK_KINDS = ("heading1", "heading2", "heading3", "paragraph", "bullet", "pagebreak")
META_SUFFIX = ".meta.json"
PAGE_LABELS = {"ar": "الصفحة", "fr": "Page", "en": "Page"}
CREATOR = "policykb corpus/build.py"
# Used when a source has no date, so that PDFs never carry the build time.
FALLBACK_DATE = datetime(2000, 1, 1, tzinfo=UTC)
# Zip entries get a fixed timestamp so that DOCX rebuilds are byte-identical.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# Elements that follow w:bidi in the OOXML schema sequences of w:pPr and w:sectPr.
PPR_AFTER_BIDI = (
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
SECTPR_AFTER_BIDI = ("w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")

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

FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
BULLET_RE = re.compile(r"^[-*+]\s+(.*)$")
NUMBERED_RE = re.compile(r"^\d{1,3}[.)]\s+\S")
PAGEBREAK_RE = re.compile(r"^<!--\s*pagebreak\s*-->$", re.I)
COMMENT_RE = re.compile(r"^<!--.*-->$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
EMPHASIS_RE = re.compile(r"(\*\*|__|`)")

Block = tuple[str, str]


class SourceError(Exception):
    """A malformed source; str() is the one-line message naming the file and the field."""

    def __init__(self, path: Path, field: str, message: str) -> None:
        super().__init__(f"{path}: {field}: {message}")


class BuildFailed(Exception):
    """Raised by build_all after every source was tried, if any of them failed."""

    def __init__(self, failures: list[str], written: list[Path]) -> None:
        super().__init__(f"{len(failures)} source(s) failed")
        self.failures = failures
        self.written = written


@dataclass(frozen=True)
class SourceDoc:
    meta: dict[str, Any]
    title: str
    blocks: list[Block]
    path: Path | None = None

    @property
    def lang(self) -> str:
        return str(self.meta["lang"])

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGS

    @property
    def running_title(self) -> str:
        """Text of the running page header: a short title if given, else the issuer, else the title."""
        return str(self.meta.get("short_title") or self.meta.get("issuer") or self.title)

    def public_meta(self) -> dict[str, Any]:
        """Front matter as copied to the generated document (build-only keys removed)."""
        return {key: value for key, value in self.meta.items() if key != "format"}


# --------------------------------------------------------------------------- parsing


def parse_source(path: Path) -> SourceDoc:
    """Read a source file; raise SourceError naming the offending field if it is malformed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").lstrip("\ufeff")
    match = FRONT_MATTER_RE.match(text)
    if not match:
        raise SourceError(path, "front matter", "missing (file must start with a '---' YAML block)")
    meta = _load_front_matter(path, match.group(1))
    blocks = parse_body(text[match.end() :])
    if not any(kind == "heading1" for kind, _ in blocks):
        blocks.insert(0, ("heading1", str(meta["title"])))
    title = next(text for kind, text in blocks if kind == "heading1")
    return SourceDoc(meta=meta, title=title, blocks=blocks, path=path)


def _load_front_matter(path: Path, raw: str) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise SourceError(path, "front matter", f"invalid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(meta, dict):
        raise SourceError(path, "front matter", "must be a YAML mapping")
    meta = {str(key): _plain_value(value) for key, value in meta.items()}
    _validate_meta(path, meta)
    return meta


def _plain_value(value: Any) -> Any:
    # YAML turns unquoted 2002-05-06 into a date and 2002 into an int; the corpus stores dates as text.
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _validate_meta(path: Path, meta: dict[str, Any]) -> None:
    for field in REQUIRED_FIELDS:
        if meta.get(field) in (None, ""):
            raise SourceError(path, field, "missing")
    if meta["format"] not in FORMAT_EXTENSIONS:
        raise SourceError(path, "format", f"unknown format {meta['format']!r} (expected one of {', '.join(FORMAT_EXTENSIONS)})")
    if meta["lang"] not in LANGS:
        raise SourceError(path, "lang", f"unknown language {meta['lang']!r} (expected one of {', '.join(sorted(LANGS))})")
    name_lang = path.name.removesuffix(".md").rpartition(".")[2]
    if name_lang != meta["lang"]:
        raise SourceError(path, "lang", f"{meta['lang']!r} does not match the file name (expected <slug>.{meta['lang']}.md)")
    if "doc_type" in meta and meta["doc_type"] not in DOC_TYPES:
        raise SourceError(path, "doc_type", f"unknown doc_type {meta['doc_type']!r}")
    if "date" in meta:
        meta["date"] = str(meta["date"])
        if not DATE_RE.match(meta["date"]):
            raise SourceError(path, "date", f"{meta['date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")


def parse_body(body: str) -> list[Block]:
    """Split a Markdown body into (kind, text) blocks; wrapped lines of a paragraph or item are joined."""
    blocks: list[Block] = []
    current: list[str] = []
    current_kind = ""

    def flush() -> None:
        nonlocal current, current_kind
        if current:
            blocks.append((current_kind, " ".join(current)))
        current, current_kind = [], ""

    for raw_line in body.split("\n"):
        line = raw_line.strip()
        if not line:
            flush()
        elif PAGEBREAK_RE.match(line):
            flush()
            blocks.append(("pagebreak", ""))
        elif COMMENT_RE.match(line):
            continue  # authors' notes are not part of the document
        elif heading := HEADING_RE.match(line):
            flush()
            level = min(len(heading.group(1)), 3)
            blocks.append((f"heading{level}", heading.group(2)))
        elif bullet := BULLET_RE.match(line):
            flush()
            current, current_kind = [bullet.group(1)], "bullet"
        elif NUMBERED_RE.match(line) and _starts_numbered_item(line, current):
            # A numbered item stays a paragraph of its own, number included, as printed texts show it.
            flush()
            current, current_kind = [line], "paragraph"
        else:
            # An indented line continues a list item; anything else continues (or starts) a paragraph.
            if current_kind == "bullet" and not raw_line[:1].isspace():
                flush()
            current_kind = current_kind or "paragraph"
            current.append(line)
    flush()
    return blocks


def _starts_numbered_item(line: str, current: list[str]) -> bool:
    """As in CommonMark, only "1." may interrupt running text; later numbers need a previous item."""
    return not current or line.startswith(("1.", "1)")) or bool(NUMBERED_RE.match(current[0]))


def plain_text(text: str) -> str:
    """Drop inline Markdown (emphasis markers, link targets) for formats that render text literally."""
    return EMPHASIS_RE.sub("", LINK_RE.sub(r"\1", text))


def printable_blocks(blocks: list[Block]) -> list[Block]:
    """Blocks without page breaks that would leave a blank page (leading, trailing or repeated)."""
    kept: list[Block] = []
    for block in blocks:
        if block[0] == "pagebreak" and (not kept or kept[-1][0] == "pagebreak"):
            continue
        kept.append(block)
    while kept and kept[-1][0] == "pagebreak":
        kept.pop()
    return kept


def fixed_datetime(doc: SourceDoc) -> datetime:
    """The document date as a UTC datetime (missing month/day = 1), used instead of the build time."""
    match = DATE_RE.match(str(doc.meta.get("date", "")))
    if not match:
        return FALLBACK_DATE
    year, month, day = (int(part) if part else 1 for part in match.groups())
    return datetime(year, month, day, tzinfo=UTC)


def page_label(doc: SourceDoc, number: int) -> str:
    return f"{PAGE_LABELS.get(doc.lang, 'Page')} {number}"


# --------------------------------------------------------------------------- markdown, html, meta


def write_meta(doc: SourceDoc, path: Path) -> Path:
    """Write the NAME.meta.json sidecar of a generated document and return its path."""
    meta_path = path.with_name(path.name + META_SUFFIX)
    meta_path.write_text(json.dumps(doc.public_meta(), ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return meta_path


def write_markdown(doc: SourceDoc, path: Path) -> None:
    front = yaml.safe_dump(doc.public_meta(), allow_unicode=True, sort_keys=False, width=10_000)
    lines = ["---", front.rstrip("\n"), "---"]
    previous = ""
    for kind, text in doc.blocks:
        # Consecutive list items stay together; every other block is separated by a blank line.
        if not (kind == "bullet" and previous == "bullet"):
            lines.append("")
        lines.append(_markdown_line(kind, text))
        previous = kind
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _markdown_line(kind: str, text: str) -> str:
    prefixes = {"heading1": "# ", "heading2": "## ", "heading3": "### ", "bullet": "- ", "paragraph": ""}
    return "<!-- pagebreak -->" if kind == "pagebreak" else prefixes[kind] + text


def write_html(doc: SourceDoc, path: Path) -> None:
    esc = html.escape
    dir_attr = ' dir="rtl"' if doc.rtl else ""
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(doc.lang)}"{dir_attr}>',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{esc(plain_text(str(doc.meta['title'])))}</title>",
        "</head>",
        "<body>",
    ]
    in_list = False
    for kind, text in doc.blocks:
        if in_list and kind != "bullet":
            out.append("</ul>")
            in_list = False
        if kind == "bullet" and not in_list:
            out.append("<ul>")
            in_list = True
        if kind == "pagebreak":
            continue  # a web page has no pages
        tag = {"heading1": "h1", "heading2": "h2", "heading3": "h3", "paragraph": "p", "bullet": "li"}[kind]
        out.append(f"<{tag}>{esc(plain_text(text))}</{tag}>")
    if in_list:
        out.append("</ul>")
    out += ["</body>", "</html>"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- docx


def write_docx(doc: SourceDoc, path: Path) -> None:
    document = Document()
    _set_docx_properties(document, doc)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # the template is US Letter
    if doc.rtl:
        # Right-to-left section: page layout and default paragraph direction.
        document.sections[0]._sectPr.insert_element_before(OxmlElement("w:bidi"), *SECTPR_AFTER_BIDI)
    for kind, text in printable_blocks(doc.blocks):
        if kind == "pagebreak":
            paragraph = document.add_page_break()
        elif kind.startswith("heading"):
            paragraph = document.add_heading(plain_text(text), level=int(kind[-1]))
        elif kind == "bullet":
            paragraph = document.add_paragraph(plain_text(text), style="List Bullet")
        else:
            paragraph = document.add_paragraph(plain_text(text))
        if doc.rtl:
            _make_rtl(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_normalized_zip(buffer.getvalue()))


def _set_docx_properties(document: Any, doc: SourceDoc) -> None:
    props = document.core_properties
    stamp = fixed_datetime(doc)
    props.title = plain_text(str(doc.meta["title"]))
    props.language = doc.lang
    props.author = str(doc.meta.get("issuer", ""))
    props.subject = str(doc.meta.get("summary_of", ""))[:255]  # python-docx refuses a longer core property
    props.comments = str(doc.meta.get("notice", ""))  # replaces python-docx's "generated by python-docx"
    props.created = stamp
    props.modified = stamp
    props.last_modified_by = ""
    props.revision = 1


def _make_rtl(paragraph: Paragraph) -> None:
    """Mark a paragraph and its runs right-to-left (w:bidi on the paragraph, w:rtl on each run)."""
    # insert_element_before keeps the OOXML schema order, which Word enforces.
    paragraph._p.get_or_add_pPr().insert_element_before(OxmlElement("w:bidi"), *PPR_AFTER_BIDI)
    for run in paragraph.runs:
        run.font.rtl = True


def _normalized_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps: python-docx stamps entries with the current time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


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


# --------------------------------------------------------------------------- building


WRITERS: dict[str, Callable[[SourceDoc, Path], None]] = {
    "md": write_markdown,
    "html": write_html,
    "docx": write_docx,
    "pdf": write_pdf_shaped,
    "pdf-visual": write_pdf_visual,
}


def find_sources(sources_dir: Path, only: str | None = None) -> list[Path]:
    """Source files under sources_dir, sorted; ``only`` is a glob on the path relative to sources_dir."""
    found = []
    for path in sorted(Path(sources_dir).rglob("*.md")):
        if path.name in SKIPPED_SOURCES:
            continue
        rel = path.relative_to(sources_dir).as_posix()
        if only and not (fnmatch.fnmatch(rel, only) or fnmatch.fnmatch(rel.removesuffix(".md"), only)):
            continue
        found.append(path)
    return found


def build_one(source: Path, sources_dir: Path, out_dir: Path) -> list[Path]:
    """Build one source into out_dir; return the files written (document, then sidecar)."""
    doc = parse_source(source)
    fmt = str(doc.meta["format"])
    target = Path(out_dir) / source.relative_to(sources_dir).with_suffix(f".{FORMAT_EXTENSIONS[fmt]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[fmt](doc, target)
    written = [target]
    if fmt != "md":
        written.append(write_meta(doc, target))
    return written


def failure_message(source: Path, exc: Exception) -> str:
    if isinstance(exc, SourceError):
        return str(exc)
    return f"{source}: build: {type(exc).__name__}: {exc}".splitlines()[0]


def build_all(sources_dir: Path, out_dir: Path, only: str | None = None) -> list[Path]:
    """Build every source; report failures on stderr as they happen and raise BuildFailed at the end."""
    sources_dir, out_dir = Path(sources_dir), Path(out_dir)
    written: list[Path] = []
    failures: list[str] = []
    for source in find_sources(sources_dir, only):
        try:
            written += build_one(source, sources_dir, out_dir)
        except Exception as exc:  # one broken document must not stop the others
            failures.append(failure_message(source, exc))
            print(f"error: {failures[-1]}", file=sys.stderr)
    if failures:
        raise BuildFailed(failures, written)
    return written


def document_base(rel: str) -> str:
    """'ma/x.fr.pdf.meta.json' or 'ma/x.fr.pdf' -> 'ma/x.fr' (the source it was generated from)."""
    rel = rel.removesuffix(META_SUFFIX)
    return rel.rsplit(".", 1)[0]


def stale_documents(sources_dir: Path, out_dir: Path, written: Iterable[Path]) -> list[Path]:
    """Generated-looking files in out_dir that the current sources no longer produce."""
    written_rel = {p.relative_to(out_dir).as_posix() for p in written}
    built_bases = {document_base(rel) for rel in written_rel}
    source_bases = {p.relative_to(sources_dir).as_posix().removesuffix(".md") for p in find_sources(sources_dir)}
    extensions = tuple(f".{ext}" for ext in set(FORMAT_EXTENSIONS.values())) + (META_SUFFIX,)
    stale = []
    for path in sorted(Path(out_dir).rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        # Only <cc>/<name> files are generated; anything else (a README, say) is left alone.
        if not path.is_file() or "/" not in rel or not rel.endswith(extensions) or rel in written_rel:
            continue
        base = document_base(rel)
        # Keep documents of sources that failed this time: they may only have a typo to fix.
        if base not in source_bases or base in built_bases:
            stale.append(path)
    return stale


def pdf_text(path: Path) -> list[str]:
    from pypdf import PdfReader  # only needed by --check, and only when PDF bytes differ

    return [page.extract_text() for page in PdfReader(path).pages]


def same_document(expected: Path, actual: Path) -> bool:
    if expected.read_bytes() == actual.read_bytes():
        return True
    # PDF bytes can change across library versions; what the ingest sees is the text.
    return expected.suffix == ".pdf" and pdf_text(expected) == pdf_text(actual)


def check(sources_dir: Path, out_dir: Path, only: str | None) -> int:
    """Rebuild into a temporary directory and list the committed documents that are out of date."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="policykb-build-") as tmp:
        try:
            fresh = build_all(sources_dir, Path(tmp), only)
        except BuildFailed as exc:
            fresh = exc.written
            problems += [f"failed: {failure}" for failure in exc.failures]
        for path in fresh:
            rel = path.relative_to(tmp)
            committed = out_dir / rel
            if not committed.exists():
                problems.append(f"missing: {committed}")
            elif not same_document(path, committed):
                problems.append(f"differs: {committed}")
        if not only:
            expected = [out_dir / path.relative_to(tmp) for path in fresh]
            problems += [f"stale: {path}" for path in stale_documents(sources_dir, out_dir, expected)]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} document(s) out of date; run: python corpus/build.py", file=sys.stderr)
        return 1
    print(f"{len(fresh)} file(s) up to date")
    return 0


def build(sources_dir: Path, out_dir: Path, only: str | None) -> int:
    failed = False
    try:
        written = build_all(sources_dir, out_dir, only)
    except BuildFailed as exc:
        written, failed = exc.written, True
    if not only:
        for path in stale_documents(sources_dir, out_dir, written):
            path.unlink()
            print(f"removed stale {path}")
    print(f"wrote {len(written)} file(s) to {out_dir}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate corpus/documents/ from corpus/sources/.")
    parser.add_argument("--only", metavar="GLOB", help="only sources whose path under sources/ matches, e.g. 'ma/*' or '*.ar.md'")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if documents/ is out of date")
    parser.add_argument("--sources", type=Path, default=SOURCES_DIR, help="sources directory (default: corpus/sources)")
    parser.add_argument("--out", type=Path, default=DOCUMENTS_DIR, help="output directory (default: corpus/documents)")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.sources, args.out, args.only)
    return build(args.sources, args.out, args.only)


if __name__ == "__main__":
    sys.exit(main())
