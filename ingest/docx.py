"""DOCX reader: python-docx, body paragraphs and tables in document order.

DOCX has no fixed pages; explicit page breaks start a new page so that citations still point
somewhere a reader can find.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import CorruptDocumentError
from ingest.records import Extracted, Page

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _has_page_break(paragraph: object) -> bool:
    element = paragraph._p  # type: ignore[attr-defined]
    return any(br.get(f"{_W}type") == "page" for br in element.iter(f"{_W}br"))


def read_docx(path: Path) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as err:
        raise CorruptDocumentError(path, f"not a readable DOCX file ({type(err).__name__}: {err})") from err
    except Exception as err:  # zipfile.BadZipFile, lxml errors: all mean a broken package
        raise CorruptDocumentError(path, f"not a readable DOCX file ({type(err).__name__}: {err})") from err

    pages: list[Page] = []
    lines: list[str] = []
    headings: list[str] = []
    first_heading = ""

    def flush() -> None:
        pages.append(Page(number=len(pages) + 1, text="\n".join(lines), headings=tuple(headings)))
        lines.clear()
        headings.clear()

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
                if cells:
                    lines.append(" | ".join(dict.fromkeys(cells)))  # merged cells repeat their text
            continue
        if not isinstance(block, Paragraph):
            continue
        text = block.text.strip()
        style = (block.style.name if block.style is not None else "") or ""
        if text:
            lines.append(text)
            if style.startswith(("Heading", "Title")):
                headings.append(text)
                first_heading = first_heading or text
        if _has_page_break(block) and lines:
            flush()
    if lines or not pages:
        flush()
    hints: dict[str, str] = {}
    core = document.core_properties
    if core.title:
        hints["docx_title"] = core.title
    if first_heading:
        hints["first_heading"] = first_heading
    version = getattr(docx, "__version__", "")
    return Extracted(pages=tuple(pages), hints=hints, parser=f"python-docx {version}".strip())
