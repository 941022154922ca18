"""OCR with the real Tesseract and poppler on real image-only PDFs (fpdf2 page -> pdftoppm -> Pillow)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from ingest.ocr import OcrConfig, OcrError, clean_text, ocr_page, ocr_status, tesseract_version
from tests.pdfmaker.scans import SAMPLE_PAGES, encrypted_copy, image_only_pdf

REPO = Path(__file__).resolve().parents[2]
LANGUAGE_NAMES = {"ar": "Arabic", "fr": "French"}
# Measured on these pages (scanned at 200 dpi, read at 200): Arabic 0.024 (a few letters of the last line;
# 0.012 at 300 dpi), French 0.000. The bounds leave room for other Tesseract builds, not for a wrong language.
CER_BOUND = {"ar": 0.08, "fr": 0.02}
STABLE_PHRASES = {
    "ar": ("تعمل الوزارة على تحسين جودة الخدمات العمومية", "بصيغة PDF من الموقع"),  # the Latin word in logical order
    "fr": ("la qualité des services publics", "avant le 31 décembre"),
}


def _normal(text: str) -> str:
    """What the pipeline compares: NFKC, no bidi marks (Tesseract puts LRM/RLM around Latin in Arabic), single spaces."""
    text = re.sub(r"[\u200E\u200F\u202A-\u202E\u2066-\u2069]", "", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: Levenshtein distance over the reference length."""
    ref, hyp = _normal(reference), _normal(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / len(ref)


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One-page image-only PDFs, made once: plain, encrypted with an empty password, and locked."""
    folder = tmp_path_factory.mktemp("scans")
    made = {lang: image_only_pdf(folder / f"{lang}.pdf", [SAMPLE_PAGES[lang]], lang) for lang in ("ar", "fr")}
    made["ar-aes256"] = encrypted_copy(made["ar"], folder / "ar-aes256.pdf", "AES-256")
    made["fr-rc4"] = encrypted_copy(made["fr"], folder / "fr-rc4.pdf", "RC4-128")
    made["locked"] = encrypted_copy(made["fr"], folder / "locked.pdf", "AES-256", user_password="secret")
    return made


def _check_text(lang: str, text: str) -> None:
    name = LANGUAGE_NAMES[lang]
    rate = cer("\n".join(SAMPLE_PAGES[lang]), text)
    assert rate <= CER_BOUND[lang], f"{name} OCR: character error rate {rate:.3f} > {CER_BOUND[lang]}:\n{text}"
    for phrase in STABLE_PHRASES[lang]:
        assert phrase in _normal(text), f"{name} OCR lost the phrase {phrase!r}:\n{text}"


def test_ocr_is_available_here() -> None:
    assert ocr_status(OcrConfig()) is None
    assert re.fullmatch(r"tesseract \d+\.\d+\.\d+", tesseract_version())


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_image_only_page_with_language_hint(scans: dict[str, Path], lang: str) -> None:
    assert subprocess.run(["pdftotext", str(scans[lang]), "-"], capture_output=True, text=True).stdout.strip() == "", (
        f"{LANGUAGE_NAMES[lang]} scan has a text layer"
    )
    page = ocr_page(scans[lang], 1, OcrConfig(), lang_hint=lang)
    assert page.number == 1 and page.seconds > 0
    assert page.languages == {"ar": "ara+fra", "fr": "fra+eng"}[lang]
    _check_text(lang, page.text)
    assert "\f" not in page.text and not any(line != line.rstrip() for line in page.text.split("\n"))


@pytest.mark.parametrize(("name", "lang", "expected"), [("ar-aes256", "ar", "ara+fra"), ("fr-rc4", "fr", "fra+eng")])
def test_encrypted_empty_password_without_hint(scans: dict[str, Path], name: str, lang: str, expected: str) -> None:
    """No hint: script detection (OSD) picks the languages; poppler opens AES-256 and RC4-128 with the empty password."""
    page = ocr_page(scans[name], 1, OcrConfig(), lang_hint="")
    assert page.languages == expected, f"{LANGUAGE_NAMES[lang]} page read with {page.languages}"
    _check_text(lang, page.text)


def test_password_protected_pdf_is_an_ocr_error(scans: dict[str, Path]) -> None:
    with pytest.raises(OcrError, match=r"locked\.pdf: page 1: .*protected by a password; supply a copy without a password"):
        ocr_page(scans["locked"], 1, OcrConfig(), "fr")


def test_missing_page_is_an_ocr_error(scans: dict[str, Path]) -> None:
    with pytest.raises(OcrError, match=r"fr\.pdf: page 2: pdftoppm failed") as caught:
        ocr_page(scans["fr"], 2, OcrConfig(), "fr")
    assert "\n" not in str(caught.value)


def test_page_numbers_start_at_one(scans: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        ocr_page(scans["fr"], 0, OcrConfig(), "fr")


def test_timeout_is_a_one_line_ocr_error(scans: dict[str, Path]) -> None:
    with pytest.raises(OcrError, match=r"ar\.pdf: page 1: .*longer than 0\.3 s.*raise the OCR page timeout") as caught:
        ocr_page(scans["ar"], 1, OcrConfig(page_timeout_s=0.3), "ar")
    assert "\n" not in str(caught.value)


def test_status_when_tesseract_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scans: dict[str, Path]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no tesseract, no pdftoppm
    status = ocr_status(OcrConfig())
    assert status == (
        "OCR needs Tesseract: install Debian's tesseract-ocr with tesseract-ocr-ara, tesseract-ocr-fra "
        "and tesseract-ocr-eng (make system-deps)"
    )
    with pytest.raises(OcrError, match=r"fr\.pdf: page 1: OCR needs Tesseract"):
        ocr_page(scans["fr"], 1, OcrConfig(), "fr")


def test_status_when_pdftoppm_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tesseract = subprocess.run(["which", "tesseract"], capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "tesseract").symlink_to(tesseract)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ocr_status(OcrConfig()) == "OCR needs poppler's pdftoppm to render pages: install poppler-utils (make system-deps)"


def test_status_for_missing_language_data_and_when_off() -> None:
    assert ocr_status(OcrConfig(languages=("ara", "xyz"))) == "Tesseract has no 'xyz' language data: install tesseract-ocr-xyz"
    assert ocr_status(OcrConfig(enabled=False)) == "OCR is turned off (--no-ocr or POLICYKB_OCR=off)"


def test_hint_languages_stay_within_configured_languages(scans: dict[str, Path]) -> None:
    page = ocr_page(scans["fr"], 1, OcrConfig(languages=("fra",)), "fr")
    assert page.languages == "fra"
    _check_text("fr", page.text)


_UNDER_RLIMIT = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
try:
    bytearray(3 << 30)
    sys.exit("the address-space limit is not in force")
except MemoryError:
    pass
from ingest.ocr import OcrConfig, ocr_page
page = ocr_page(Path(sys.argv[1]), 1, OcrConfig(dpi=300), "ar")
print(json.dumps({"text": page.text, "languages": page.languages}))
"""


def test_ocr_at_300_dpi_under_a_2_gib_address_space_limit(scans: dict[str, Path]) -> None:
    """The parser process runs under RLIMIT_AS; pdftoppm and Tesseract inherit it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", _UNDER_RLIMIT, str(scans["ar"])], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    _check_text("ar", json.loads(done.stdout)["text"])


def test_clean_text_drops_form_feeds_and_trailing_spaces() -> None:
    assert clean_text("Article 1  \nLe texte. \n\nSuite\n\f") == "Article 1\nLe texte.\n\nSuite"
