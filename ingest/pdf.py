"""PDF reader: pypdf, page by page. Encrypted files are tried with the empty password only.

Pages without text are returned too (flagged when they paint an image): ingest.pages decides about OCR.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ingest.bidi_order import logical_lines
from ingest.errors import MAX_PAGES, CorruptDocumentError, EncryptedDocumentError, ParseLimitError, check_page_count
from ingest.glyphs import visual_lines
from ingest.records import Extracted, Page

_ARABIC = re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]")


def _with_glyph_order(path: Path, pages: tuple[Page, ...]) -> tuple[Page, ...]:
    """Offer the glyph-position reading of every page with Arabic (ingest.pages decides which one to keep).

    Pages without Arabic keep pypdf's reading alone, and PDFium does not read them: on left-to-right
    pages the content-stream order is right on every corpus PDF (eval.fidelity: 100 % of French and
    English sentences), and it follows columns that a writer paints one after the other.
    """
    arabic = [i for i, page in enumerate(pages) if _ARABIC.search(page.text)]
    lines = visual_lines(path, arabic) if arabic else None
    offered = []
    for i, page in enumerate(pages):
        text = logical_lines(lines[i]) if lines is not None and i in lines else ""
        glyphs = (("glyphs", text),) if _ARABIC.search(text) else ()
        offered.append(replace(page, order="stream", alternatives=glyphs))
    return tuple(offered)


def _paints_image(resources: Any, depth: int = 0) -> bool:
    """Whether a page (or a form it draws, as scanners often wrap pages) paints an image XObject."""
    try:
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if xobjects is None:
            return False
        for ref in xobjects.get_object().values():
            xobject = ref.get_object()
            subtype = xobject.get("/Subtype")
            if subtype == "/Image":
                return True
            if subtype == "/Form" and depth < 3 and _paints_image(xobject.get("/Resources"), depth + 1):
                return True
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    return False


def _what_is_wrong(path: Path) -> str:
    """What the bytes say about a file pypdf could not read: not a PDF at all, cut short, or just unreadable."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
            handle.seek(max(0, path.stat().st_size - 2048))
            tail = handle.read()
    except OSError:
        return "not a readable PDF"
    if b"%PDF-" not in head:  # an error page or another format saved under a .pdf name
        begins = " ".join(head[:40].decode("utf-8", errors="replace").split())[:30]
        return f"not a PDF file (it begins «{begins}»)"
    if b"%%EOF" not in tail:  # every PDF ends with this marker (a little junk may follow)
        return "not a readable PDF: it is cut short (no end-of-file marker: an interrupted download or copy?)"
    return "not a readable PDF"


def read_pdf(path: Path, max_pages: int = MAX_PAGES) -> Extracted:
    import pypdf
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError, PyPdfError

    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted:
            # Many official PDFs are AES-encrypted with an empty user password: they open for anyone.
            try:
                opened = reader.decrypt("")
            except (NotImplementedError, PdfReadError) as err:
                raise EncryptedDocumentError(path, f"encrypted PDF that cannot be opened ({err})") from err
            if not opened:
                raise EncryptedDocumentError(path, "PDF is protected by a password")
        # Counting walks the page tree only: a file of 5,000 pages is refused in a second, not read for a minute.
        check_page_count(path, len(reader.pages), max_pages)
        pages = tuple(
            Page(number=i + 1, text=page.extract_text() or "", has_image=_paints_image(page.get("/Resources")))
            for i, page in enumerate(reader.pages)
        )
        title = reader.metadata.get("/Title") if reader.metadata else None
    except FileNotDecryptedError as err:
        raise EncryptedDocumentError(path, "PDF is protected by a password") from err
    except LimitReachedError as err:
        # pypdf's own guards: a stream that inflates past its cap (a compression bomb), a page tree nested too deep.
        raise ParseLimitError(path, f"beyond pypdf's safety limits ({err})", "re-export the file from its source") from err
    except RecursionError as err:
        raise CorruptDocumentError(path, "not a readable PDF (objects nested too deeply)") from err
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AssertionError) as err:
        raise CorruptDocumentError(path, f"{_what_is_wrong(path)} ({type(err).__name__}: {err})") from err
    hints: dict[str, str] = {}
    if isinstance(title, str) and title.strip():
        hints["pdf_title"] = title.strip()
    return Extracted(pages=_with_glyph_order(path, pages), hints=hints, parser=f"pypdf {pypdf.__version__}")
