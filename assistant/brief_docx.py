"""A brief as DOCX: A4 pages, the app as author, a real numbered reference list linked to the originals.

Writes the blocks of :func:`assistant.brief.layout` with python-docx. Right-to-left is marked in the
file (``w:bidi`` on paragraphs and on the section in an Arabic brief, ``w:rtl`` on Arabic runs,
``w:bidiVisual`` on tables); how it is shown still depends on the reader's software.

python-docx has no API for numbering definitions, hyperlinks or paragraph direction: those are
written as WordprocessingML (ECMA-376 part 1), in the element order the schema requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.brief import Block, Brief, Heading, Para, Span, Table, check, layout, mostly_arabic, timestamp

if TYPE_CHECKING:
    from docx.document import Document
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.styles.style import BaseStyle
    from docx.text.paragraph import Paragraph

APP_AUTHOR = "policykb (Euromed cluster policies knowledge base)"
CS_FONT = "Arial"  # Word shows complex-script (Arabic) runs in the cs font: it must hold Arabic glyphs
CODE_FONT = "Courier New"
LINK_COLOUR = "0563C1"  # Word's own hyperlink blue
# w:pPr children that must follow w:bidi (ECMA-376 CT_PPrBase order); python-docx has no bidi property.
_AFTER_BIDI = (
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
# w:sectPr children that follow w:bidi (CT_SectPr order).
_AFTER_SECTION_BIDI = ("w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")


def write_brief_docx(brief: Brief, lang: str, path: Path, *, author: str = APP_AUTHOR, base_url: str = "") -> Path:
    """Write the brief to ``path`` as DOCX and return ``path``.

    A4 with 2.5 cm margins; title and ``author`` in the document properties (never python-docx's
    defaults); headings, real tables, and the references as a Word numbered list (1., 2., … in the
    order of the brief's numbers) whose document ids link to ``base_url/document/…#page=N``.
    Arabic paragraphs are right-to-left, as is everything when ``lang`` is "ar".
    """
    import docx
    from docx.enum.table import WD_TABLE_DIRECTION
    from docx.shared import Mm

    check(brief, lang)
    blocks = layout(brief, lang, base_url)
    document = docx.Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Number"):
        _complex_script_font(document.styles[name])
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(25)
    if lang == "ar":
        _set_bidi(section._sectPr, _AFTER_SECTION_BIDI)  # the page itself runs right to left
    _properties(document, brief, lang, author)
    references = _numbering(document)
    for block in blocks:
        _block(document, block, lang, references)
        if isinstance(block, Table) and lang == "ar":
            document.tables[-1].table_direction = WD_TABLE_DIRECTION.RTL  # w:bidiVisual: first column on the right
    document.save(str(path))
    return path


def _properties(document: Document, brief: Brief, lang: str, author: str) -> None:
    created = timestamp(brief.created_at, "created_at")
    properties = document.core_properties
    properties.title = brief.title[:255]  # the core properties' limit
    properties.author = properties.last_modified_by = author[:255]
    properties.comments = "Policy-dialogue brief written by policykb: verbatim quotes with their sources."
    properties.subject = properties.keywords = properties.category = ""
    properties.created = properties.modified = created
    properties.revision = 1
    properties.language = lang


def _block(document: Document, block: Block, lang: str, references: int) -> None:
    if isinstance(block, Heading):
        paragraph = document.add_paragraph(style="Title" if block.level == 0 else f"Heading {block.level}")
        _write(paragraph, [Span(block.text)], lang)
    elif isinstance(block, Para):
        if block.number is not None:
            paragraph = document.add_paragraph(style="List Number")
            _number(paragraph, references)
        else:
            paragraph = document.add_paragraph(style="List Bullet" if block.bullet else None)
        _write(paragraph, block.spans, lang)
    else:
        _table(document, block, lang)


def _numbering(document: Document) -> int:
    """Add a decimal list starting at 1 ("1.", "2.", …) to the numbering part; its w:numId.

    A list of its own rather than the template's "List Number" numbering, whose look and start the
    template decides. References are numbered 1..N in order, so Word's numbers are the brief's.
    """
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    numbering = document.part.numbering_part.element
    abstract_id = 1 + max((int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))), default=0)
    num_id = 1 + max((int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))), default=0)
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
        '<w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="567" w:hanging="567"/></w:pPr></w:lvl>'
        "</w:abstractNum>"
    )
    # Schema order: every w:abstractNum before the first w:num.
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def _number(paragraph: Paragraph, num_id: int) -> None:
    properties = paragraph._p.get_or_add_pPr()
    numbered = properties.get_or_add_numPr()  # python-docx places w:numPr where the schema wants it
    numbered.get_or_add_ilvl().val = 0
    numbered.get_or_add_numId().val = num_id


def _table(document: Document, table: Table, lang: str) -> None:
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.header))
    grid.style = "Table Grid"
    for cell, label in zip(grid.rows[0].cells, table.header, strict=True):
        _write(cell.paragraphs[0], [Span(label, "bold")], lang)
    for row, cells in zip(grid.rows[1:], table.rows, strict=True):
        for cell, spans in zip(row.cells, cells, strict=True):
            _write(cell.paragraphs[0], spans, lang)


def _write(paragraph: Paragraph, spans: Sequence[Span], lang: str) -> None:
    """Add ``spans`` as runs; the paragraph is right-to-left in Arabic or when its text mostly is."""
    from docx.oxml.ns import qn

    if lang == "ar" or mostly_arabic("".join(span.text for span in spans)):
        _set_bidi(paragraph._p.get_or_add_pPr(), _AFTER_BIDI)
    for span in spans:
        run = paragraph.add_run(span.text)
        font = run.font
        if span.style == "bold":
            font.bold = font.cs_bold = True
        elif span.style == "italic":
            font.italic = font.cs_italic = True
        elif span.style == "code":
            font.name = CODE_FONT
        run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:cs"), CS_FONT)
        if mostly_arabic(span.text):
            font.rtl = True  # w:rtl: Word shapes and orders the run as Arabic
        if span.url:
            _link(paragraph, run._r, span.url)


def _link(paragraph: Paragraph, run: BaseOxmlElement, url: str) -> None:
    """Wrap ``run`` in a w:hyperlink to ``url`` (an external relationship), coloured and underlined as links are."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor
    from docx.text.run import Run

    styled = Run(run, paragraph)
    styled.font.color.rgb = RGBColor.from_string(LINK_COLOUR)
    styled.font.underline = True
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
    run.addprevious(hyperlink)
    hyperlink.append(run)


def _set_bidi(properties: BaseOxmlElement, after: tuple[str, ...]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if properties.find(qn("w:bidi")) is None:
        properties.insert_element_before(OxmlElement("w:bidi"), *after)


def _complex_script_font(style: BaseStyle) -> None:
    """Name the cs font outright: a theme's cs font (w:cstheme) would take precedence over it."""
    from docx.oxml.ns import qn

    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.attrib.pop(qn("w:cstheme"), None)
    fonts.set(qn("w:cs"), CS_FONT)
