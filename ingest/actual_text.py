"""Where PDFium puts the characters of an ``/ActualText`` span, and where the span's glyphs really are.

Shaping writers wrap a cluster whose glyphs do not map one-to-one onto characters (a letter and its
vowel mark painted as two glyphs, a ligature, a glyph the font map names differently elsewhere) in a
marked-content span that gives its text: Chromium (Skia) does it for nearly every Arabic glyph,
LibreOffice for letters with marks. PDFium gives the span's characters the box and origin of one of
its text objects, often the mark, a sliver over the letter and off the baseline, and for some writers
once per text object of the span (LibreOffice: "أُ" twice). Read as they come, such clusters open gaps
inside words, send their marks to the line below and, doubled, look like a second text block.

:func:`text_objects` finds, for every text object inside a span, the span and the box of all its glyphs,
so that ``ingest.glyphs`` can place the characters once, on the whole cluster, and where it comes in the
content stream: PDFium also gives a span's characters out of order, among those of another line.
"""

from __future__ import annotations

import ctypes
import unicodedata
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpanBox:
    """The glyphs of one ``/ActualText`` span: its identity, their union box and the baseline of the base glyph."""

    span: int  # the marked-content item, shared by the span's text objects
    text: str
    first: int  # the place of its first text object in the content stream
    left: float
    right: float
    x: float  # origin of the base glyph
    y: float


@dataclass(frozen=True)
class TextObjects:
    """The page's text objects: their order in the content stream, and the ActualText span of those inside one."""

    order: dict[int, int]  # text object address -> its place in the content stream
    spans: dict[int, SpanBox]  # text object address -> its span


@dataclass(frozen=True)
class _Object:
    address: int
    index: int
    span: int
    text: str
    left: float
    right: float
    height: float
    x: float
    y: float


def object_address(handle: Any) -> int:
    """A page object's (or mark's) address: the same object or mark gives the same number."""
    return int(ctypes.cast(handle, ctypes.c_void_p).value or 0)


def _decode(raw: bytes) -> str:
    """A PDF text string: UTF-16 with its byte-order mark, UTF-8 with its mark, else PDFDocEncoding (Latin-1 near enough)."""
    if raw[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return raw[2:].decode("utf-16-be" if raw[:2] == b"\xfe\xff" else "utf-16-le", errors="replace")
    if raw[:3] == b"\xef\xbb\xbf":
        return raw[3:].decode("utf-8", errors="replace")
    return raw.decode("latin-1")


def _actual_text(pdfium_c: Any, obj: Any) -> tuple[int, str]:
    """The innermost marked-content item of ``obj`` that carries a non-empty ActualText and that text, or (0, "").

    Read as bytes: PDFium's string getter decodes the raw bytes as UTF-8, which mangles UTF-16.
    """
    length = ctypes.c_ulong()
    for k in range(pdfium_c.FPDFPageObj_CountMarks(obj) - 1, -1, -1):
        mark = pdfium_c.FPDFPageObj_GetMark(obj, k)
        if not mark or not pdfium_c.FPDFPageObjMark_GetParamBlobValue(mark, b"ActualText", None, 0, ctypes.byref(length)):
            continue
        buffer = (ctypes.c_ubyte * max(length.value, 1))()
        pdfium_c.FPDFPageObjMark_GetParamBlobValue(mark, b"ActualText", buffer, length.value, ctypes.byref(length))
        text = _decode(bytes(buffer[: length.value]))
        # An empty one (or one of controls) is left to PDFium, which then reads the glyphs themselves.
        text = "".join(ch for ch in text if ch == " " or unicodedata.category(ch)[0] != "C")
        return (object_address(mark), text) if text.strip() else (0, "")
    return 0, ""


def _text_objects(pdfium_c: Any, page: Any) -> tuple[dict[int, int], list[_Object]]:
    """The order of the page's own text objects, and those inside ActualText spans (the objects of form XObjects are
    left as PDFium reads them: their bounds are in the form's space)."""
    order: dict[int, int] = {}
    out = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    matrix = pdfium_c.FS_MATRIX()
    for i in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        address = object_address(obj)
        order[address] = i
        span, text = _actual_text(pdfium_c, obj)
        if not span or not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):  # its origin: e, f
            continue
        height = top.value - bottom.value
        out.append(_Object(address, i, span, text, left.value, right.value, height, matrix.e, matrix.f))
    return order, out


def text_objects(page: Any) -> TextObjects:
    """The text objects of ``page``: their order, and for those inside ActualText spans, the span's :class:`SpanBox`.

    The base glyph is the span's tallest: vowel marks are flatter than the letters they sit on.
    """
    import pypdfium2.raw as pdfium_c

    order, objects = _text_objects(pdfium_c, page.raw)
    spans: dict[int, list[_Object]] = {}
    for obj in objects:
        spans.setdefault(obj.span, []).append(obj)
    boxes: dict[int, SpanBox] = {}
    for span, members in spans.items():
        base = max(members, key=lambda obj: obj.height)
        left, right = min(obj.left for obj in members), max(obj.right for obj in members)
        box = SpanBox(span, base.text, min(obj.index for obj in members), left, right, base.x, base.y)
        for obj in members:
            boxes[obj.address] = box
    return TextObjects(order, boxes)
