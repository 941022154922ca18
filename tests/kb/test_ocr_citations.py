"""A scanned document goes through ingest, search and the answer, and every step says that OCR read it.

One image-only French circular (tests/pdfmaker/scans.py, with a sidecar) beside one text PDF of the
fixture documents, in a real Chroma store with the real embedding model.
"""

from __future__ import annotations

import json

import pytest

from assistant import answer
from assistant.render import source_parts
from assistant.views import passage_html
from kb.config import StoreConfig
from kb.embed import Embedder
from kb.search import Searcher
from kb.stats import collect_stats
from kb.store import Store
from kb.sync import IngestReport, ingest_paths
from tests.fixtures.documents import write_fixture
from tests.pdfmaker.scans import SAMPLE_PAGES, image_only_pdf

SCAN = "tn/circulaire-scan.pdf"
TEXT = "ma/loi-poles.fr.pdf"
SCAN_PAGES = 1
SCAN_QUESTION = "Quelle part du budget est réservée à la formation professionnelle en Tunisie ?"
TEXT_QUESTION = "Comment le budget de la structure de gouvernance des pôles est-il financé au Maroc ?"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Store, IngestReport]:
    docs = tmp_path_factory.mktemp("ocr-docs")
    scan = docs / SCAN
    scan.parent.mkdir(parents=True)
    image_only_pdf(scan, [SAMPLE_PAGES["fr"]], "fr")
    sidecar = {"title": "Circulaire de test sur les services publics", "country": "TN", "doc_type": "circular", "lang": "fr"}
    scan.with_name(scan.name + ".meta.json").write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
    write_fixture(TEXT, docs)
    store = Store(StoreConfig(path=tmp_path_factory.mktemp("ocr-store")))
    return store, ingest_paths([docs], store, embedder)


@pytest.fixture(scope="module")
def searcher(indexed: tuple[Store, IngestReport], embedder: Embedder) -> Searcher:
    return Searcher(indexed[0], embedder)


def test_the_scan_is_ingested_without_warnings(indexed: tuple[Store, IngestReport]) -> None:
    store, report = indexed
    assert sorted(report.added) == [TEXT, SCAN] and not report.failed and not report.warnings
    scan = store.document(SCAN)
    assert scan is not None
    assert scan.metadata["ocr_pages"] == SCAN_PAGES and scan.metadata["pages_skipped"] == 0
    assert scan.metadata["repairs"] == "ocr" and scan.metadata["parser"].startswith("pypdf ")
    assert " + tesseract 5." in scan.metadata["parser"]
    text = store.document(TEXT)
    assert text is not None and text.metadata["ocr_pages"] == 0 and "tesseract" not in text.metadata["parser"]


def test_stats_count_the_pages_read_by_ocr(indexed: tuple[Store, IngestReport]) -> None:
    stats = collect_stats(indexed[0])
    assert stats["documents"] == 2
    assert stats["ocr_pages"] == SCAN_PAGES and stats["pages_not_indexed"] == 0
    assert stats["repairs"].get("ocr") == 1, stats["repairs"]


def test_search_hits_say_whether_ocr_read_them(searcher: Searcher) -> None:
    hits = searcher.search("part du budget réservée à la formation professionnelle", k=10)
    assert hits[0].doc_id == SCAN and hits[0].ocr, [(h.doc_id, h.ocr) for h in hits]
    assert "15 % du budget" in hits[0].text
    assert {h.ocr for h in hits if h.doc_id == TEXT} == {False}, "the text PDF's passages are not marked as OCR"
    assert any(h.doc_id == TEXT for h in hits), "both documents are searched"
    stored = searcher.store.get_chunks([h.chunk_id for h in hits])
    for hit in hits:
        _, meta = stored[hit.chunk_id]
        expected = (True, "ocr") if hit.doc_id == SCAN else (False, "none")
        assert (meta["ocr"], meta["repair"]) == expected, (hit.doc_id, meta)


def test_an_answer_from_the_scan_cites_it_as_ocr(searcher: Searcher) -> None:
    result = answer(searcher, SCAN_QUESTION, lang="en")
    assert not result.abstained and result.citations
    cited = [c for c in result.citations if c.doc_id == SCAN]
    assert cited and all(c.ocr for c in cited), [(c.doc_id, c.ocr) for c in result.citations]
    assert any("formation professionnelle" in c.quote for c in cited)
    assert "OCR of a scan" in source_parts(cited[0], "en")
    sources = result.markdown.split("### Sources", 1)[1]
    for line in sources.strip().splitlines():
        assert ("OCR of a scan" in line) == (f"(`{SCAN}`)" in line), f"en: the OCR note marks exactly the scan: {line}"
    html = passage_html(cited[0], "en")
    assert '<p class="pkb-ocr">' in html and "Read by OCR from a scanned page" in html
    as_json = {c["n"]: c for c in result.as_json()["citations"]}
    assert as_json[cited[0].n]["ocr"] is True, "ask --json carries the OCR flag"


def test_ocr_note_in_french_and_arabic_framing(searcher: Searcher) -> None:
    french = answer(searcher, SCAN_QUESTION)
    assert french.language == "fr" and "OCR d'un document numérisé" in french.markdown
    scan_citation = next(c for c in french.citations if c.doc_id == SCAN)
    assert "تعرف ضوئي على صفحة ممسوحة" in source_parts(scan_citation, "ar"), "ar: the OCR note is translated"
    assert "pkb-ocr" in passage_html(scan_citation, "fr")


def test_an_answer_from_the_text_pdf_carries_no_ocr_note(searcher: Searcher) -> None:
    result = answer(searcher, TEXT_QUESTION, lang="en")
    cited = [c for c in result.citations if c.doc_id == TEXT]
    assert cited and not any(c.ocr for c in cited)
    assert "OCR of a scan" not in result.markdown
    assert "pkb-ocr" not in passage_html(cited[0], "en")
