"""The OCR set: the same PDFs as published and as scans, folder datasets, and what OCR costs retrieval.

The structure is checked on real files (the sample corpus, real pdftoppm); one end-to-end test
ingests the scans with real Tesseract and the bundled model and checks that OCR'd documents are
still found for their queries, within a margin, not to exact numbers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from eval.beir import GOLD_DOCUMENTS, DatasetError, load_dataset
from eval.ocrbench import find_section, render_section, replace_section, write_section
from eval.ocrset import OcrSet, OcrSetError, build_ocr_set, choose_documents, rasterise
from kb.embed import Embedder
from kb.sync import IngestConfig

LANG_OF = {"ar": "Arabic", "fr": "French", "en": "English"}


def _lang(doc_id: str) -> str:
    return Path(Path(doc_id).stem).suffix.lstrip(".")


@pytest.fixture(scope="module")
def ocr_set(tmp_path_factory: pytest.TempPathFactory) -> OcrSet:
    return build_ocr_set(tmp_path_factory.mktemp("ocrset"), per_language=1)


def test_one_pdf_per_language_the_most_judged(ocr_set: OcrSet) -> None:
    gold = load_dataset(None)
    assert sorted(_lang(doc) for doc in ocr_set.documents) == ["ar", "en", "fr"]
    assert all(doc.endswith(".pdf") for doc in ocr_set.documents)
    judged = {doc: sum(1 for q in gold.judged_queries() if gold.qrels[q.query_id].get(doc, 0) > 0) for doc in ocr_set.documents}
    for doc in ocr_set.documents:
        lang = _lang(doc)
        others = [p.relative_to(GOLD_DOCUMENTS).as_posix() for p in GOLD_DOCUMENTS.rglob(f"*.{lang}.pdf")]
        most = max(sum(1 for q in gold.judged_queries() if gold.qrels[q.query_id].get(o, 0) > 0) for o in others)
        assert judged[doc] == most, f"{LANG_OF[lang]}: {doc} is not among the most judged PDFs"
    assert choose_documents(gold, GOLD_DOCUMENTS, 1) == ocr_set.documents, "the choice is deterministic"


def test_clean_copies_and_image_only_scans_with_the_same_ids_and_pages(ocr_set: OcrSet) -> None:
    total = 0
    for doc in ocr_set.documents:
        language = LANG_OF[_lang(doc)]
        original, clean, scanned = GOLD_DOCUMENTS / doc, ocr_set.clean / "documents" / doc, ocr_set.scanned / "documents" / doc
        assert clean.read_bytes() == original.read_bytes(), f"{language}: the clean PDF is a copy"
        sidecar = original.with_name(original.name + ".meta.json")
        for copy in (clean, scanned):
            assert copy.with_name(copy.name + ".meta.json").read_bytes() == sidecar.read_bytes(), f"{language}: sidecar copied"
        pages = len(PdfReader(original).pages)
        scan = PdfReader(scanned)
        assert len(scan.pages) == pages, f"{language}: {doc} keeps its page count"
        assert all(not (page.extract_text() or "").strip() for page in scan.pages), f"{language}: a scanned page has text"
        assert all(page.images for page in scan.pages), f"{language}: every scanned page paints an image"
        first, scanned_first = PdfReader(original).pages[0].mediabox, scan.pages[0].mediabox
        assert abs(float(first.width) - float(scanned_first.width)) < 1, f"{language}: the page keeps its size"
        total += pages
    assert ocr_set.pages == total


def test_queries_and_judgements_restricted_to_the_subset(ocr_set: OcrSet) -> None:
    gold = load_dataset(None)
    kept = set(ocr_set.documents)
    expected = [q.query_id for q in gold.judged_queries() if any(gold.qrels[q.query_id].get(d, 0) > 0 for d in kept)]
    for root in (ocr_set.clean, ocr_set.scanned):
        dataset = load_dataset(root)
        assert dataset.corpus_file is None and dataset.documents_dir == root / "documents" and dataset.problems == ()
        assert [q.query_id for q in dataset.queries] == expected, "exactly the gold queries with a relevant PDF in the set"
        assert [q.query_id for q in dataset.judged_queries()] == expected
        for query in dataset.queries:
            assert set(dataset.qrels[query.query_id]) <= kept, f"{query.query_id} judges a document outside the set"
            assert dataset.qrels[query.query_id] == {d: g for d, g in gold.qrels[query.query_id].items() if d in kept}
            original = next(q for q in gold.queries if q.query_id == query.query_id)
            assert (query.text, query.lang, query.kind) == (original.text, original.lang, original.kind)
            assert all(doc in kept for doc, _ in query.evidence)
    for name in ("queries.jsonl", "qrels/test.tsv"):
        assert (ocr_set.clean / name).read_bytes() == (ocr_set.scanned / name).read_bytes(), f"{name} differs"


def test_rasterising_is_deterministic(tmp_path: Path) -> None:
    source = GOLD_DOCUMENTS / "eg" / "msmeda-establishment-decree.ar.pdf"  # 2 pages
    assert rasterise(source, tmp_path / "a.pdf", 100) == rasterise(source, tmp_path / "b.pdf", 100) == 2
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes(), "no dates or random ids in the scan"


def test_refuses_to_overwrite_and_too_many_per_language(ocr_set: OcrSet) -> None:
    with pytest.raises(OcrSetError, match="already exists; remove it"):
        build_ocr_set(ocr_set.clean.parent, per_language=1)
    with pytest.raises(OcrSetError, match=r"PDF\(s\) in 'ar' are relevant .* 50 wanted; lower per_language"):
        choose_documents(load_dataset(None), GOLD_DOCUMENTS, 50)


def test_folder_dataset_errors_and_precedence(ocr_set: OcrSet, tmp_path: Path) -> None:
    root = tmp_path / "set"
    shutil.copytree(ocr_set.clean, root)
    (root / "corpus.jsonl").write_text(json.dumps({"_id": "x", "text": "Texte."}) + "\n", encoding="utf-8")
    both = load_dataset(root)
    assert both.corpus_file == root / "corpus.jsonl" and both.documents_dir is None
    assert [str(p) for p in both.problems] == [f"{root / 'documents'}: not used: the corpus is corpus.jsonl"]
    (root / "corpus.jsonl").unlink()
    shutil.rmtree(root / "documents")
    with pytest.raises(DatasetError, match=r"set: corpus.jsonl \(or documents/\) missing; a BEIR dataset") as neither:
        load_dataset(root)
    assert "\n" not in str(neither.value), "one line"


# --- BENCHMARKS.md -------------------------------------------------------------------------------
def _side(score: float, ocr_pages: int) -> dict[str, object]:
    modes = {mode: {"ndcg@10": score, "recall@10": 1.0, "mrr@10": score} for mode in ("hybrid", "dense")}
    return {
        "pages": 10,
        "ocr_pages": ocr_pages,
        "chunks": 8,
        "ocr_chunks": 8 if ocr_pages else 0,
        "ingest_s": 1.5,
        "modes": modes,
        "problems": [],
    }


REPORT = {
    "machine": {
        "cores": 2,
        "cpu": "Xeon",
        "memory_mb": 2048,
        "load_1m": 0.5,
        "load_1m_end": 1.0,
        "python": "3.11",
        "chromadb": "1.5",
    },
    "set": {"documents": ["a/x.ar.pdf", "b/y.fr.pdf", "c/z.en.pdf"], "pages": 10, "dpi": 200, "per_language": 1, "queries": 7},
    "clean": _side(0.9, 0),
    "scanned": _side(0.85, 10),
    "gap": {mode: {"ndcg@10": -0.05, "recall@10": 0.0, "mrr@10": -0.05} for mode in ("hybrid", "dense")},
    "ocr": {
        "engine": "tesseract 5.3.0",
        "pages": 10,
        "pages_per_s": 0.5,
        "median_s_per_page": 2.0,
        "max_s_per_page": 3.0,
        "empty_pages": 0,
        "by_lang": {"ar": {"pages": 4, "pages_per_s": 0.4, "median_s_per_page": 2.5, "max_s_per_page": 3.0, "empty_pages": 0}},
    },
}


def test_the_ocr_section_replaces_its_own_and_leaves_the_rest(tmp_path: Path) -> None:
    section = render_section(REPORT)
    assert section.startswith("## OCR\n") and section.endswith("\n")
    assert "| hybrid | nDCG@10 | 0.9 | 0.85 | -0.0500 |" in section and "| dense | Recall@10 | 1.0 | 1.0 | 0 |" in section
    assert "10 pages" in section and "200 dpi" in section and "Measured, not targeted" in section
    assert "**0.5 pages/s**" in section and "median **2.0 s**" in section and "2 cores, Xeon" in section
    assert "`a/x.ar.pdf`" in section and "Recall@10 of 1 on both sides" in section, "3 documents: recall is trivially 1"

    before = "# Benchmarks\n\n## Machine\n\n- 2 cores\n\n## OCR\n\nold numbers\n\n## Answers\n\nkept\n"
    replaced = replace_section(before, section)
    assert replaced == "# Benchmarks\n\n## Machine\n\n- 2 cores\n\n" + section + "\n## Answers\n\nkept\n"
    assert find_section(replaced) == section
    assert replace_section("# Benchmarks\n\n## Answers\n\nkept\n", section) == "# Benchmarks\n\n## Answers\n\nkept\n\n" + section
    out = tmp_path / "BENCHMARKS.md"
    write_section(out, section)
    write_section(out, section)
    assert out.read_text(encoding="utf-8") == "# Benchmarks\n\n" + section, "created once, then replaced in place"


def test_the_full_bench_keeps_the_ocr_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import eval.bench
    from policykb.cli import main

    monkeypatch.setattr(eval.bench, "run_bench", lambda *args, **kwargs: {"measured": True})
    monkeypatch.setattr(eval.bench, "render_markdown", lambda report: "# Benchmarks\n\n## Machine\n\nnew run\n")
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\n## Machine\n\nold run\n\n## OCR\n\nOCR numbers\n", encoding="utf-8")
    assert main(["bench", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == "# Benchmarks\n\n## Machine\n\nnew run\n\n## OCR\n\nOCR numbers\n"
    assert main(["bench", "--ocr", "--dataset", str(tmp_path), "--out", str(out)]) == 2
    assert "--dataset does not apply" in capsys.readouterr().err


# --- end to end: real Tesseract, the bundled model ------------------------------------------------
def test_scanned_documents_are_found_nearly_as_well_as_their_text_layers(ocr_set: OcrSet, embedder: Embedder) -> None:
    from eval.ocrbench import evaluate_side, with_ocr

    ingest = with_ocr(IngestConfig())
    clean = evaluate_side(ocr_set.clean, embedder, ingest, ("hybrid",))
    scanned = evaluate_side(ocr_set.scanned, embedder, ingest, ("hybrid",))
    assert clean["ocr_pages"] == 0 and clean["documents"] == scanned["documents"] == 3
    assert scanned["problems"] == [], scanned["problems"]
    for doc in scanned["by_document"]:
        language = LANG_OF[_lang(doc["doc_id"])]
        assert doc["ocr_pages"] == doc["pages"] and doc["ocr_chunks"] == doc["chunks"] > 0, f"{language}: not every page OCR'd"
        assert "tesseract" in doc["parser"], f"{language}: the parser names the OCR engine"
    for measure in ("recall@10", "ndcg@10", "mrr@10"):
        gap = scanned["modes"]["hybrid"][measure] - clean["modes"]["hybrid"][measure]
        assert gap > -0.2, (
            f"hybrid {measure}: scans {scanned['modes']['hybrid'][measure]} against {clean['modes']['hybrid'][measure]}"
        )
