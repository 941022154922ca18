"""PDF reader: pypdf, page by page. Encrypted files are tried with the empty password only.

Pages without text are returned too (flagged when they paint an image): ingest.pages decides about OCR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.errors import CorruptDocumentError, EncryptedDocumentError
from ingest.records import Extracted, Page


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


def read_pdf(path: Path) -> Extracted:
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

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
        pages = tuple(
            Page(number=i + 1, text=page.extract_text() or "", has_image=_paints_image(page.get("/Resources")))
            for i, page in enumerate(reader.pages)
        )
        title = reader.metadata.get("/Title") if reader.metadata else None
    except FileNotDecryptedError as err:
        raise EncryptedDocumentError(path, "PDF is protected by a password") from err
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError) as err:
        raise CorruptDocumentError(path, f"not a readable PDF ({type(err).__name__}: {err})") from err
    hints: dict[str, str] = {}
    if isinstance(title, str) and title.strip():
        hints["pdf_title"] = title.strip()
    return Extracted(pages=pages, hints=hints, parser=f"pypdf {pypdf.__version__}")
