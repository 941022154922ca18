"""``policykb inspect`` and the OCR switches of ``policykb ingest``, run as users run them.

The scans come from tests/pdfmaker/scans.py and the broken Arabic text layer from
tests/pdfmaker/textlayers.py; their texts are written for the tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.fixtures.documents import write_fixture
from tests.pdfmaker import textlayers
from tests.pdfmaker.scans import SAMPLE_PAGES, image_only_pdf, merged_pdf

PAGE_KEYS = {"page", "lang", "quality", "repair", "order", "ocr", "indexed", "first_line", "note"}
OFF_ADVICE = "OCR it or supply a text version (OCR is turned off (--no-ocr or POLICYKB_OCR=off))"
IMAGE_ONLY = "no text layer (image only)"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inspect")
    scan = image_only_pdf(folder / "scan.pdf", [SAMPLE_PAGES["fr"]], "fr")
    text = write_fixture("ma/loi-poles.fr.pdf", folder / "fixtures")
    return {
        "scan": scan,
        "wrong-map": textlayers.wrong_unicode_map_arabic_pdf(folder / "wrong-map.pdf", textlayers.AR_LINES),
        "text-then-scan": merged_pdf(folder / "text-then-scan.pdf", (text, 0), (scan, 0)),
        "scan-then-text": merged_pdf(folder / "scan-then-text.pdf", (scan, 0), (text, 0)),
    }


def _inspect_json(args: list[str], env: dict[str, str]) -> dict[str, object]:
    result = run(["inspect", *args, "--json"], env)
    assert result.returncode == 0, result.stderr
    record: dict[str, object] = json.loads(result.stdout)
    pages = record["pages"]
    assert isinstance(pages, list) and all(set(page) == PAGE_KEYS for page in pages), pages
    return record


def test_real_egyptian_gazette_is_all_indexed_arabic(realpdfs: Path, cli_env: dict[str, str]) -> None:
    # Egyptian official gazette, InDesign CS4 (jsoma/natural-pdf, MIT): a clean logical Arabic text layer.
    path = realpdfs / "ar_eg_gazette_indesign.pdf"
    record = _inspect_json([str(path)], cli_env)
    assert record["file"] == str(path) and str(record["parser"]).startswith("pypdf ")
    pages = record["pages"]
    assert isinstance(pages, list) and len(pages) == 23
    assert [page["page"] for page in pages] == list(range(1, 24))
    for page in pages:
        assert page["indexed"] and not page["ocr"] and page["note"] == "", page
        assert page["lang"] == "ar", f"ar: page {page['page']} detected as {page['lang']}"
        assert page["quality"] > 0.7 and page["repair"] in {"none", "nfkc"}, page
        assert page["order"] == "glyphs", f"ar: page {page['page']} read in {page['order']} order"
        assert page["first_line"], page


def test_wrong_font_map_with_no_ocr_is_reported_not_indexed(pdfs: dict[str, Path], cli_env: dict[str, str]) -> None:
    record = _inspect_json([str(pdfs["wrong-map"]), "--no-ocr"], cli_env)
    assert "tesseract" not in str(record["parser"])
    pages = record["pages"]
    assert isinstance(pages, list) and pages
    for page in pages:
        assert not page["indexed"] and not page["ocr"] and page["quality"] < 0.45, page
        assert page["note"].startswith("unreadable text layer (quality "), page["note"]
        assert page["note"].endswith(f"; {OFF_ADVICE}"), page["note"]
        assert page["first_line"], "the rejected layer's first line is shown"


def test_scan_is_read_by_ocr(pdfs: dict[str, Path], cli_env: dict[str, str]) -> None:
    record = _inspect_json([str(pdfs["scan"])], cli_env)
    assert " + tesseract 5." in str(record["parser"])
    pages = record["pages"]
    assert isinstance(pages, list)
    assert [(p["page"], p["ocr"], p["indexed"], p["repair"], p["lang"]) for p in pages] == [(1, True, True, "ocr", "fr")]
    assert pages[0]["first_line"].startswith("Article 7 : Le ministère veille à la qualité")
    assert pages[0]["note"] == ""


def test_text_output_has_a_header_and_one_line_per_page(pdfs: dict[str, Path], cli_env: dict[str, str]) -> None:
    """POLICYKB_OCR=off does what --no-ocr does; a page not indexed gets a note line under its own line."""
    path = pdfs["text-then-scan"]
    result = run(["inspect", str(path)], {**cli_env, "POLICYKB_OCR": "off"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").split("\n")
    assert len(lines) == 5, result.stdout
    assert lines[0].startswith(f"{path}: 2 page(s), 1 indexed; read with pypdf ")
    assert lines[1].split() == ["page", "lang", "quality", "repair", "order", "ocr", "indexed", "first", "line"]
    assert lines[2].split()[:2] == ["1", "fr"] and lines[2].split()[4:7] == ["stream", "no", "yes"], lines[2]
    assert lines[2].endswith("  Bulletin officiel de test"), "the first line of the text page (its running header)"
    assert lines[3].split()[:2] == ["2", "-"] and lines[3].split()[4:7] == ["stream", "no", "NO"], lines[3]
    assert lines[4].strip() == f"not indexed: {IMAGE_ONLY}; {OFF_ADVICE}"


def test_missing_file_is_a_usage_error(tmp_path: Path, cli_env: dict[str, str]) -> None:
    missing = tmp_path / "nowhere.pdf"
    result = run(["inspect", str(missing)], cli_env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"policykb: {missing}: no such file; give the path of one PDF, DOCX, HTML, Markdown or text file\n"


def test_password_protected_pdf_fails_with_one_line(realpdfs: Path, cli_env: dict[str, str]) -> None:
    path = realpdfs / "bad_libreoffice_password.pdf"
    result = run(["inspect", str(path)], cli_env)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"policykb: {path}: ") and "password" in lines[0]


def test_ingest_no_ocr_warns_about_scanned_pages_and_ingests_the_rest(
    pdfs: dict[str, Path], tmp_path: Path, cli_env: dict[str, str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    partly = docs / "scan-then-text.pdf"
    partly.write_bytes(pdfs["scan-then-text"].read_bytes())
    scan = docs / "scan.pdf"
    scan.write_bytes(pdfs["scan"].read_bytes())
    write_fixture("ma/evaluation.en.md", docs)
    store = str(tmp_path / "store")
    result = run(["ingest", str(docs), "--no-ocr", "--store", store], cli_env)
    assert result.returncode == 1, "the scan without any text fails; the others are ingested"
    assert "2 added, 0 updated, 0 unchanged, 0 pruned, 1 failed;" in result.stdout
    assert result.stdout.rstrip().endswith("; 1 page(s) not indexed"), result.stdout
    assert result.stderr.splitlines() == [
        f"policykb: {scan}: no readable text on its 1 page(s) (page 1: {IMAGE_ONLY}); {OFF_ADVICE}",
        f"policykb: warning: {partly}: page 1: {IMAGE_ONLY}; {OFF_ADVICE}",
    ]
    stats = run(["stats", "--store", store, "--json"], cli_env)
    assert stats.returncode == 0, stats.stderr
    counted = json.loads(stats.stdout)
    assert (counted["documents"], counted["ocr_pages"], counted["pages_not_indexed"]) == (2, 0, 1)
