"""The reading order on PDFs from writers other than the corpus's own (eval/writers.py), kept lean:
two corpus sources through unshaped fpdf2, and a short page printed by Chromium (figures for the
whole corpus and all three writers: eval/README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eval.fidelity import SOURCES_DIR, compare, source_language, stored_text
from eval.writers import write_chromium, write_fpdf2_visual

PAGE = """---
lang: ar
---
### المادة 4 – التعريف العام

وهي تلخص القانون رقم 22-18 المؤرخ في 24 يوليو 2022.

ويعرف البرنامج باسم «Maroc PME» في النص الرسمي.

- 50% من التكاليف الاستثمارية لمشروعات القطاع (أ).
"""


@pytest.mark.parametrize("source", ["dz/loi-investissement.ar.md", "lb/encouragement-investissements.ar.md"])
def test_unshaped_visual_order_pdf_reads_as_its_source(tmp_path: Path, source: str) -> None:
    # fpdf2 without a shaper: presentation forms in visual order, another layout than the corpus gazettes'.
    path = SOURCES_DIR / source
    pdf = tmp_path / Path(source).with_suffix(".pdf").name
    write_fpdf2_visual(path, pdf)
    markdown = path.read_text(encoding="utf-8")
    result = compare(source, source_language(markdown), markdown, stored_text(pdf))
    assert result.verbatim >= 0.98, f"ar: {source} {result.verbatim:.1%} verbatim, e.g. {result.missing[:1]}"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (make test installs it)")
def test_chromium_print_keeps_numbers_latin_words_and_pairs_in_order(tmp_path: Path) -> None:
    source = tmp_path / "page.ar.md"
    source.write_text(PAGE, encoding="utf-8")
    pdf = tmp_path / "page.ar.pdf"
    write_chromium(source, pdf)
    result = compare("page.ar.pdf", "ar", PAGE, stored_text(pdf))
    # "القطاع (أ)." once came out "القطاع( أ).": brackets are now mirrored by their balance over the page.
    assert result.missing == (), f"ar: missing {result.missing}"
