"""ActualText spans (ingest/actual_text.py): a cluster read once, on the box of all its glyphs.

The page is written byte by byte like the clusters Chromium and LibreOffice write: an accent painted
as a glyph of its own, first and off the baseline, then its letter, both inside one span whose
ActualText is the letter in logical form. Real writers' pages are in tests/eval/test_writers.py.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from ingest.actual_text import text_objects
from ingest.glyphs import visual_lines
from tests.fixtures.hostile import one_page

CLUSTER = (
    b"BT /F1 12 Tf 1 0 0 1 72 720 Tm (caf) Tj "
    b"/Span <</ActualText <FEFF00E9>>> BDC 1 0 0 1 89.5 722 Tm (\xb4) Tj 1 0 0 1 88 720 Tm (e) Tj EMC "
    b"1 0 0 1 94.7 720 Tm ( au lait) Tj ET"
)


def _page(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.pdf"
    path.write_bytes(one_page(CLUSTER))
    return path


def test_a_span_is_one_box_on_its_letters_baseline(tmp_path: Path) -> None:
    document = pdfium.PdfDocument(str(_page(tmp_path)))
    try:
        boxes = text_objects(document[0]).spans
    finally:
        document.close()
    spans = set(boxes.values())
    assert len(boxes) == 2 and len(spans) == 1, "the accent and its letter share one span"
    (span,) = spans
    assert span.text == "é", "the ActualText, decoded from UTF-16"
    assert span.left < 88.5 and span.right > 94.0, f"the box holds both glyphs: {span.left:.1f}-{span.right:.1f}"
    assert (span.x, span.y) == (88.0, 720.0), "the origin of the letter (the taller glyph), not of the accent"


def test_a_span_reads_once_in_its_line(tmp_path: Path) -> None:
    assert visual_lines(_page(tmp_path), [0]) == {0: ["café au lait"]}
