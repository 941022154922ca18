"""Writers of the corpus's text formats: Markdown, HTML and DOCX, and the ``.meta.json`` sidecar.

Each takes a parsed :class:`corpus.source.SourceDoc` and a target path; the output is byte-identical
from one build to the next (fixed dates and zip timestamps).
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import yaml
from docx import Document
from docx.oxml import OxmlElement
from docx.shared import Mm
from docx.text.paragraph import Paragraph

from corpus.source import META_SUFFIX, SourceDoc, fixed_datetime, plain_text, printable_blocks

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
            paragraph = document.add_page_break()  # type: ignore[no-untyped-call]  # python-docx leaves it unannotated
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
