"""The DOCX brief read back: A4, the app's properties, a Word numbered reference list with links, right-to-left Arabic.

The last test renders the file with LibreOffice (``soffice --headless --convert-to pdf``) and reads
the PDF with ``pdftotext``, when LibreOffice is installed (it is not a test dependency).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.shared import Length
from docx.text.paragraph import Paragraph

from assistant.brief import Brief, mostly_arabic, number_references
from assistant.brief_docx import APP_AUTHOR, write_brief_docx

BASE = "https://policykb.example.org"


def _numbered(document: Document) -> list[Paragraph]:
    return [p for p in document.paragraphs if p._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is not None]


def _mm(length: Length | None) -> float:
    assert length is not None, "the section sets its page size"
    return float(length.mm)


def _properties(paragraph: Paragraph) -> Any:
    """The paragraph's w:pPr (numbered paragraphs have one), typed loosely like the XML it is."""
    properties = paragraph._p.pPr
    assert properties is not None, "a numbered paragraph has paragraph properties"
    return properties


def _links(paragraph: Paragraph) -> list[tuple[str, str]]:
    """(text, target) of each w:hyperlink in the paragraph."""
    rels = paragraph.part.rels
    found = []
    for link in paragraph._p.findall(qn("w:hyperlink")):
        target = rels[link.get(qn("r:id"))]
        assert target.reltype == RELATIONSHIP_TYPE.HYPERLINK and target.is_external
        found.append(("".join(t.text or "" for t in link.iter(qn("w:t"))), target.target_ref))
    return found


def test_a4_pages_and_the_apps_properties(brief: Brief, tmp_path: Path) -> None:
    document = docx.Document(str(write_brief_docx(brief, "en", tmp_path / "b.docx", author="karim")))
    section = document.sections[0]
    assert (round(_mm(section.page_width)), round(_mm(section.page_height))) == (210, 297), "A4, not US Letter"
    properties = document.core_properties
    assert properties.author == properties.last_modified_by == "karim"
    assert properties.title == brief.title and "python-docx" not in f"{properties.comments} {properties.author}"
    default = docx.Document(str(write_brief_docx(brief, "en", tmp_path / "c.docx")))
    assert default.core_properties.author == APP_AUTHOR


def test_references_are_a_word_numbered_list_linked_to_the_originals(brief: Brief, tmp_path: Path) -> None:
    document = docx.Document(str(write_brief_docx(brief, "en", tmp_path / "b.docx", base_url=BASE)))
    references = _numbered(document)
    citations = number_references(brief).citations
    assert len(references) == len(citations) > 3
    num_ids = {_properties(p).numPr.numId.val for p in references}
    assert len(num_ids) == 1 and all(_properties(p).numPr.ilvl.val == 0 for p in references)
    numbering = document.part.numbering_part.element
    num_id = num_ids.pop()
    num = next(n for n in numbering.findall(qn("w:num")) if n.numId == num_id)
    abstract_id = str(num.abstractNumId.val)
    abstract = next(a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id)
    level = abstract.find(qn("w:lvl"))
    assert level.find(qn("w:numFmt")).get(qn("w:val")) == "decimal"
    assert level.find(qn("w:start")).get(qn("w:val")) == "1" and level.find(qn("w:lvlText")).get(qn("w:val")) == "%1."
    # Word numbers the list 1..N in document order, which is the order of the brief's numbers.
    for paragraph, citation in zip(references, citations, strict=True):
        assert " ".join(citation.quote.split()) in paragraph.text, f"reference {citation.n} in its place"
        assert _links(paragraph)[0] == (citation.doc_id, f"{BASE}/document/{citation.doc_id}#page={citation.page}")


def test_an_arabic_brief_runs_right_to_left_page_paragraphs_lists_and_runs(brief: Brief, tmp_path: Path) -> None:
    document = docx.Document(str(write_brief_docx(brief, "ar", tmp_path / "ar.docx")))
    assert document.sections[0]._sectPr.find(qn("w:bidi")) is not None, "ar: the section is right to left"
    references = _numbered(document)
    assert references and all(_properties(p).find(qn("w:bidi")) is not None for p in references), "ar: numbered list too"
    arabic_runs = [r for p in document.paragraphs for r in p.runs if mostly_arabic(r.text)]
    assert arabic_runs and all(r.font.rtl for r in arabic_runs), "ar: every Arabic run carries w:rtl"
    english = docx.Document(str(write_brief_docx(brief, "en", tmp_path / "en.docx")))
    assert english.sections[0]._sectPr.find(qn("w:bidi")) is None, "en: the page stays left to right"


def test_libreoffice_renders_a4_with_numbered_references(brief: Brief, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (soffice) or pdftotext is not installed; the DOCX is checked by reading it back instead")
    path = write_brief_docx(brief, "en", tmp_path / "brief.docx", base_url=BASE)
    profile = tmp_path / "lo-profile"  # a profile of its own: no clash with a running LibreOffice
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "brief.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "(A4)" in info, info
    rendered = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    lines = [" ".join(line.split()) for line in rendered.splitlines()]
    assert brief.entries[0].answer.question in " ".join(lines)
    after = lines[len(lines) - 1 - lines[::-1].index("References") :]
    numbers, on_the_right = [], []
    for line in after:
        if found := re.match(r"(\d+)\. ", line):
            numbers.append(int(found[1]))
        elif found := re.search(r" \.(\d+)$", line):  # a right-to-left item: its number ends the line (".7")
            numbers.append(int(found[1]))
            on_the_right.append(int(found[1]))
    assert numbers == list(range(1, len(number_references(brief).citations) + 1)), "LibreOffice numbers the list 1..N"
    references = _numbered(docx.Document(str(path)))
    rtl = [n for n, p in enumerate(references, start=1) if _properties(p).find(qn("w:bidi")) is not None]
    assert rtl and on_the_right == rtl, "ar: LibreOffice lays the Arabic references right to left, number on the right"
