"""Image-only PDFs, as a scanner or a "print to image" export makes them, and encrypted copies.

A page is written as a normal PDF by fpdf2 (Arabic shaped by HarfBuzz, right to left), rasterised by
poppler's pdftoppm, and the grey images are put back into a new PDF by Pillow (JPEG, no text layer).

The sample texts are written for the tests: neutral, generic policy-like wording, no claims about
real laws and no real law numbers. Arabic lines carry Latin words and digits, as real pages do.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
RTL_LANGS = frozenset({"ar"})
MARGIN_MM = 20.0
FONT_SIZE_PT = 12.0
LINE_HEIGHT_MM = 7.0
PARAGRAPH_GAP_MM = 3.0

SAMPLE_PAGES: dict[str, list[str]] = {
    "ar": [
        "المادة 4: تعمل الوزارة على تحسين جودة الخدمات العمومية في جميع الجهات.",
        "تنشر اللجنة تقريرا سنويا عن نتائج البرنامج قبل نهاية شهر مارس.",
        "يمكن تحميل الاستمارة بصيغة PDF من الموقع الرسمي للإدارة.",
        "تخصص نسبة 15 في المائة من الميزانية لدعم التكوين المهني.",
    ],
    "fr": [
        "Article 7 : Le ministère veille à la qualité des services publics dans toutes les régions.",
        "La commission publie chaque année un rapport sur les résultats du programme.",
        "Les demandes sont déposées auprès de l'administration avant le 31 décembre.",
        "Une part de 15 % du budget est réservée à la formation professionnelle.",
    ],
    "en": [
        "Article 3: The ministry shall improve the quality of public services in every region.",
        "The committee publishes a yearly report on the results of the programme.",
    ],
}


def image_only_pdf(path: Path, pages: list[list[str]], lang: str, dpi: int = 200) -> Path:
    """Write ``pages`` (each a list of paragraphs in ``lang``) as a PDF whose pages are only images."""
    with tempfile.TemporaryDirectory(prefix="scans-") as tmp:
        text_pdf = Path(tmp) / "text.pdf"
        _write_text_pdf(text_pdf, pages, lang)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(text_pdf), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        _images_to_pdf(sorted(Path(tmp).glob("page-*.png")), path, dpi)
    return path


def _write_text_pdf(path: Path, pages: list[list[str]], lang: str) -> None:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    rtl = lang in RTL_LANGS
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", "", FONT_SIZE_PT)
    # Shaping as in corpus/build.py write_pdf_shaped: HarfBuzz joins the Arabic letters.
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_lang(lang)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(pdf.epw, LINE_HEIGHT_MM, line, align="R" if rtl else "L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(PARAGRAPH_GAP_MM)
    pdf.output(str(path))


def _images_to_pdf(images: list[Path], path: Path, dpi: int) -> None:
    from PIL import Image

    if not images:
        raise ValueError(f"pdftoppm made no page images for {path.name}")
    opened = [Image.open(image) for image in images]
    try:
        # Pillow stores grey pages as JPEG (DCTDecode), as most scanners do; resolution keeps the A4 size.
        opened[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=opened[1:])
    finally:
        for image in opened:
            image.close()


def encrypted_copy(source: Path, target: Path, algorithm: str, user_password: str = "", owner_password: str = "owner") -> Path:
    """Copy ``source`` encrypted with ``algorithm`` ("AES-256", "AES-128" or "RC4-128")."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=source)
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm=algorithm)
    with target.open("wb") as out:
        writer.write(out)
    return target


def merged_pdf(target: Path, *pages: tuple[Path, int]) -> Path:
    """One PDF of the given (file, 0-based page) pairs, in order: a text page beside a scan, say."""
    import pypdf

    writer = pypdf.PdfWriter()
    for source, index in pages:
        writer.add_page(pypdf.PdfReader(source).pages[index])
    with target.open("wb") as out:
        writer.write(out)
    return target
