"""PDF reader: pypdf, page by page. Encrypted files are tried with the empty password only."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import CorruptDocumentError, EncryptedDocumentError, NoTextError
from ingest.records import Extracted, Page


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
        pages = tuple(Page(number=i + 1, text=page.extract_text() or "") for i, page in enumerate(reader.pages))
        title = reader.metadata.get("/Title") if reader.metadata else None
    except FileNotDecryptedError as err:
        raise EncryptedDocumentError(path, "PDF is protected by a password") from err
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AssertionError) as err:
        raise CorruptDocumentError(path, f"not a readable PDF ({type(err).__name__}: {err})") from err
    if not any(page.text.strip() for page in pages):
        raise NoTextError(path, f"PDF has {len(pages)} page(s) and no extractable text")
    hints: dict[str, str] = {}
    if isinstance(title, str) and title.strip():
        hints["pdf_title"] = title.strip()
    return Extracted(pages=pages, hints=hints, parser=f"pypdf {pypdf.__version__}")
