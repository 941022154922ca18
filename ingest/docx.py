"""DOCX reader: python-docx, body paragraphs and tables in document order.

DOCX has no fixed pages; explicit page breaks start a new page so that citations still point
somewhere a reader can find.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from ingest.errors import MAX_PAGES, CorruptDocumentError, ParseLimitError, check_page_count
from ingest.records import Extracted, Page

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MiB = 1024 * 1024
# python-docx reads every part of the package into memory, and lxml needs several times the XML's size:
# a long report with its images unpacks to tens of MiB; a zip bomb's few KiB unpack to gigabytes.
MAX_UNPACKED_MB = 512


def _check_package(path: Path) -> None:
    """Refuse what is not a ZIP package, and a zip bomb, before python-docx inflates anything.

    The directory's sizes are checked first; then every member is inflated here, in bounded steps,
    to check that it unpacks to the size the directory declares. A member that lies (declares 4 KiB,
    holds a gigabyte) would otherwise be inflated whole by :mod:`zipfile`'s ``read()``, which cuts
    its output to the declared size only after inflating everything it was given.
    """
    if not zipfile.is_zipfile(path):
        raise CorruptDocumentError(
            path,
            "not a DOCX file (it is not a ZIP package: an old .doc, or another file named .docx?)",
            "open it in Word or LibreOffice and save it as .docx",
        )
    try:
        with zipfile.ZipFile(path) as package, path.open("rb") as raw:
            members = package.infolist()
            unpacked = sum(info.file_size for info in members)
            if unpacked > MAX_UNPACKED_MB * MiB:
                raise ParseLimitError(
                    path,
                    f"the DOCX package unpacks to {unpacked // MiB:,} MiB, over the limit of {MAX_UNPACKED_MB} MiB",
                    "split the document, or check where it came from (a few KiB that unpack to gigabytes is an attack)",
                )
            for info in members:
                if _unpacked_size(raw, info) != info.file_size:
                    raise CorruptDocumentError(
                        path,
                        f"not a readable DOCX file: {info.filename} does not unpack to the {info.file_size:,} bytes it declares",
                    )
    except (zipfile.BadZipFile, zlib.error, struct.error, OSError, ValueError) as err:
        raise CorruptDocumentError(path, f"not a readable DOCX file ({type(err).__name__}: {err})") from err


def _unpacked_size(raw: BinaryIO, info: zipfile.ZipInfo) -> int:
    """How many bytes a member inflates to, counted up to one more than it declares (enough to catch a lie)."""
    raw.seek(info.header_offset)
    name_length, extra_length = struct.unpack("<HH", raw.read(30)[26:30])  # the local header's own lengths
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise ValueError(f"{info.filename} uses compression method {info.compress_type} (word processors use deflate)")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, produced = info.compress_size, 0
    while left > 0 and produced <= info.file_size:
        pending = raw.read(min(left, MiB))
        if not pending:
            break
        left -= len(pending)
        while pending and produced <= info.file_size:
            produced += len(inflater.decompress(pending, MiB))  # at most 1 MiB of output per step
            pending = inflater.unconsumed_tail
    return produced + len(inflater.flush()) if produced <= info.file_size else produced


def _has_page_break(paragraph: object) -> bool:
    element = paragraph._p  # type: ignore[attr-defined]
    return any(br.get(f"{_W}type") == "page" for br in element.iter(f"{_W}br"))


def read_docx(path: Path, max_pages: int = MAX_PAGES) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_package(path)
    try:
        document = docx.Document(str(path))
    except MemoryError:
        raise  # the parser process reports it against its memory limit, with what to do
    except (PackageNotFoundError, KeyError, ValueError, OSError) as err:
        raise CorruptDocumentError(path, f"not a readable DOCX file ({type(err).__name__}: {err})") from err
    except Exception as err:  # zipfile.BadZipFile, lxml errors: all mean a broken package
        raise CorruptDocumentError(path, f"not a readable DOCX file ({type(err).__name__}: {err})") from err

    pages: list[Page] = []
    lines: list[str] = []
    headings: list[str] = []
    first_heading = ""

    def flush() -> None:
        check_page_count(path, len(pages) + 1, max_pages)
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
