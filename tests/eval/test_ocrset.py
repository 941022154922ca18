"""The OCR set: the corpus as published and with a few PDFs as scans, folder datasets, and what OCR costs retrieval.

The structure is checked on real files (the sample corpus, real pdftoppm); the measures on the
scanned documents' judgements on an inline three-query fixture computed by hand; one end-to-end
test ingests the scans among distractors with real Tesseract and the bundled model and checks that
OCR'd documents are still found for their queries, within a margin, not to exact numbers.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from eval.beir import GOLD_DOCUMENTS, DatasetError, load_dataset
from eval.markdown import find_section, replace_section
from eval.ocrbench import HEADING, changed_only, compare_changed, losses, render_section, write_section
from eval.ocrset import OcrSet, OcrSetError, build_ocr_set, choose_documents, corpus_files, rasterise
from ingest.config import IngestConfig
from kb.embed import Embedder

LANG_OF = {"ar": "Arabic", "fr": "French", "en": "English"}


def _lang(doc_id: str) -> str:
    return Path(Path(doc_id).stem).suffix.lstrip(".")


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def ocr_set(tmp_path_factory: pytest.TempPathFactory) -> OcrSet:
    return build_ocr_set(tmp_path_factory.mktemp("ocrset"), per_language=1)


@pytest.fixture(scope="module")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> OcrSet:
    """The OCR set over ten documents of the sample corpus (Algeria's, and Egypt's SME law in two languages),
    the gold set judged on them only: the same three scanned PDFs as :func:`ocr_set`, seven distractors."""
    documents = tmp_path_factory.mktemp("ten-documents")
    shutil.copytree(GOLD_DOCUMENTS / "dz", documents / "dz")
    shutil.copytree(GOLD_DOCUMENTS / "eg", documents / "eg", ignore=lambda _, names: [n for n in names if "msme-dev" not in n])
    kept = set(corpus_files(documents))
    gold = load_dataset(None)
    qrels = {qid: {doc: g for doc, g in judged.items() if doc in kept} for qid, judged in gold.qrels.items()}
    dataset = replace(gold, qrels=qrels, documents_dir=documents)
    return build_ocr_set(tmp_path_factory.mktemp("small-ocrset"), dataset, documents, per_language=1)


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


def test_both_halves_hold_the_whole_corpus_and_differ_in_the_scans_only(ocr_set: OcrSet) -> None:
    corpus = [p for p in _files(GOLD_DOCUMENTS) if not any(part.startswith(".") for part in Path(p).parts)]
    clean_files, scanned_files = _files(ocr_set.clean / "documents"), _files(ocr_set.scanned / "documents")
    assert clean_files == scanned_files == corpus, "every file of the corpus, sidecars included, in both halves"
    assert ocr_set.corpus == len([p for p in corpus if not p.endswith(".meta.json")]) == 66
    for name in corpus:
        original = (GOLD_DOCUMENTS / name).read_bytes()
        assert (ocr_set.clean / "documents" / name).read_bytes() == original, f"{name}: the clean half is a copy"
        if name not in ocr_set.documents:
            assert (ocr_set.scanned / "documents" / name).read_bytes() == original, f"{name}: a distractor differs"


def test_image_only_scans_with_the_same_ids_and_pages(ocr_set: OcrSet) -> None:
    total = 0
    for doc in ocr_set.documents:
        language = LANG_OF[_lang(doc)]
        original, scanned = GOLD_DOCUMENTS / doc, ocr_set.scanned / "documents" / doc
        pages = len(PdfReader(original).pages)
        scan = PdfReader(scanned)
        assert len(scan.pages) == pages, f"{language}: {doc} keeps its page count"
        assert all(not (page.extract_text() or "").strip() for page in scan.pages), f"{language}: a scanned page has text"
        assert all(page.images for page in scan.pages), f"{language}: every scanned page paints an image"
        first, scanned_first = PdfReader(original).pages[0].mediabox, scan.pages[0].mediabox
        assert abs(float(first.width) - float(scanned_first.width)) < 1, f"{language}: the page keeps its size"
        total += pages
    assert ocr_set.pages == total


def test_queries_with_a_scanned_document_and_all_their_judgements(ocr_set: OcrSet) -> None:
    gold = load_dataset(None)
    chosen = set(ocr_set.documents)
    expected = [q.query_id for q in gold.judged_queries() if any(gold.qrels[q.query_id].get(d, 0) > 0 for d in chosen)]
    assert len(expected) == 36
    for root in (ocr_set.clean, ocr_set.scanned):
        dataset = load_dataset(root)
        assert dataset.corpus_file is None and dataset.documents_dir == root / "documents" and dataset.problems == ()
        assert [q.query_id for q in dataset.queries] == expected, "exactly the gold queries with a relevant scanned PDF"
        assert [q.query_id for q in dataset.judged_queries()] == expected
        for query in dataset.queries:
            assert dataset.qrels[query.query_id] == gold.qrels[query.query_id], f"{query.query_id}: judgements cut"
            original = next(q for q in gold.queries if q.query_id == query.query_id)
            assert (query.text, query.lang, query.kind, query.countries, query.evidence) == (
                original.text,
                original.lang,
                original.kind,
                original.countries,
                original.evidence,
            )
    assert any(set(load_dataset(ocr_set.clean).qrels[q]) - chosen for q in expected), "other relevant documents compete"
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


# --- the measures on the scanned documents' judgements ---------------------------------------------
# q1 judges a (changed) and b; q2 only b, so it is left out; q3 judges a and c (unchanged).
QRELS = {"q1": {"a": 2, "b": 1}, "q2": {"b": 2}, "q3": {"a": 1, "c": 1}}
TEXT_LAYER = {"q1": ["b", "a", "c"], "q2": ["b"], "q3": ["a"]}
SCANNED = {"q1": ["a", "b"], "q2": ["b"], "q3": ["c", "b"]}


def test_scored_on_the_changed_documents_judgements_in_the_whole_ranking() -> None:
    scores = changed_only(TEXT_LAYER, QRELS, {"a"})
    assert sorted(scores) == ["q1", "q3"], "a query without a relevant changed document is left out"
    # q1: a, the only judgement left, stands at rank 2 behind b, which no longer counts: DCG 2^2-1 / log2(3), ideal 3.
    assert scores["q1"] == {"ndcg@10": pytest.approx(1 / math.log2(3)), "recall@10": 1.0, "mrr@10": 0.5}
    assert scores["q3"] == {"ndcg@10": 1.0, "recall@10": 1.0, "mrr@10": 1.0}
    assert changed_only(SCANNED, QRELS, {"a"})["q3"] == {"ndcg@10": 0.0, "recall@10": 0.0, "mrr@10": 0.0}


def test_text_layer_against_scans_on_the_changed_documents() -> None:
    compared = compare_changed(TEXT_LAYER, SCANNED, QRELS, {"a"})
    assert compared["queries"] == 2 and (compared["worse"], compared["better"]) == (1, 1)
    assert compared["text"] == {"ndcg@10": 0.8155, "recall@10": 1.0, "mrr@10": 0.75}  # (0.6309 + 1) / 2
    assert compared["scanned"] == {"ndcg@10": 0.5, "recall@10": 0.5, "mrr@10": 0.5}
    assert compared["gap"] == {"ndcg@10": -0.3155, "recall@10": -0.5, "mrr@10": -0.25}
    assert compare_changed(TEXT_LAYER, SCANNED, QRELS, {"z"}) == {"queries": 0}
    assert losses(TEXT_LAYER, SCANNED, QRELS, {"a"}, {"q3": "Texte"}) == [
        {
            "query_id": "q3",
            "text": "Texte",
            "ndcg@10_drop": -1.0,
            "documents": [{"doc_id": "a", "grade": 1, "rank_text": 1, "rank_scanned": None}],
        }
    ], "only the queries that lost, worst first"


# --- BENCHMARKS.md -------------------------------------------------------------------------------
def _side(score: float, ocr_pages: int) -> dict[str, object]:
    modes = {mode: {"ndcg@10": score, "recall@10": 1.0, "mrr@10": score} for mode in ("hybrid", "dense")}
    return {
        "pages": 30,
        "ocr_pages": ocr_pages,
        "chunks": 40,
        "ocr_chunks": 8 if ocr_pages else 0,
        "passages_embedded": 0,
        "ingest_s": 1.5,
        "modes": modes,
        "chosen": {"documents": 3, "pages": 10, "ocr_pages": ocr_pages, "chunks": 8, "ocr_chunks": 8 if ocr_pages else 0},
        "problems": [],
    }


def _changed(text: float, scanned: float) -> dict[str, object]:
    return {
        "queries": 7,
        "text": {"ndcg@10": text, "recall@10": 1.0, "mrr@10": text},
        "scanned": {"ndcg@10": scanned, "recall@10": 0.5, "mrr@10": scanned},
        "gap": {"ndcg@10": round(scanned - text, 4), "recall@10": -0.5, "mrr@10": round(scanned - text, 4)},
        "worse": 2,
        "better": 1,
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
    "set": {
        "documents": ["a/x.ar.pdf", "b/y.fr.pdf", "c/z.en.pdf"],
        "corpus": 12,
        "pages": 10,
        "dpi": 200,
        "per_language": 1,
        "queries": 7,
    },
    "clean": _side(0.9, 0),
    "scanned": _side(0.85, 10),
    "gap": {mode: {"ndcg@10": -0.05, "recall@10": 0.0, "mrr@10": -0.05} for mode in ("hybrid", "dense")},
    "changed": {
        mode: {"all": _changed(0.6, 0.4), "ar": _changed(0.5, 0.2), "fr": {"queries": 0}} for mode in ("hybrid", "dense")
    },
    "seconds": {"build": 2.0, "eval_text": 60.0, "eval_scanned": 80.0, "ocr_speed": 20.0, "total": 162.0},
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
    assert "| hybrid | nDCG@10 | 0.9 | 0.85 | -0.0500 | 0.6 | 0.4 | **-0.2000** |" in section
    assert "| dense | Recall@10 | 1.0 | 1.0 | 0 | 1.0 | 0.5 | **-0.5000** |" in section
    assert "| ar | hybrid | 7 | 0.5 | 0.2 | -0.3000 | 1.0 | 0.5 | -0.5000 | 2 / 1 |" in section
    assert "| fr |" not in section, "a language without queries has no row"
    assert (
        "whole sample corpus (12 documents)" in section
        and "judgements of the 3 scanned documents (still ranked among all 12)" in section
    )
    assert "10 pages" in section and "200 dpi" in section and "Measured, not targeted" in section
    assert "**0.5 pages/s**" in section and "median **2.0 s**" in section and "2 cores, Xeon" in section
    assert "**162.0 s**" in section and "`a/x.ar.pdf`" in section

    before = "# Benchmarks\n\n## Machine\n\n- 2 cores\n\n## OCR\n\nold numbers\n\n## Answers\n\nkept\n"
    replaced = replace_section(before, section, HEADING)
    assert replaced == "# Benchmarks\n\n## Machine\n\n- 2 cores\n\n" + section + "\n## Answers\n\nkept\n"
    assert find_section(replaced, HEADING) == section
    appended = replace_section("# Benchmarks\n\n## Answers\n\nkept\n", section, HEADING)
    assert appended == "# Benchmarks\n\n## Answers\n\nkept\n\n" + section
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
def test_scanned_documents_among_distractors_are_found_nearly_as_well_as_their_text_layers(
    small_set: OcrSet, embedder: Embedder
) -> None:
    from eval.ocrbench import evaluate_side, with_ocr

    ingest = with_ocr(IngestConfig())
    clean = evaluate_side(small_set.clean, embedder, ingest, ("hybrid",))
    scanned = evaluate_side(small_set.scanned, embedder, ingest, ("hybrid",))
    assert clean["documents"] == scanned["documents"] == small_set.corpus == 10
    assert small_set.documents == (
        "dz/loi-orientation-pme.fr.pdf",
        "eg/msme-development-law.ar.pdf",
        "eg/msme-development-law.en.pdf",
    )
    assert clean["ocr_pages"] == 0 and scanned["ocr_pages"] == small_set.pages
    assert clean["problems"] == scanned["problems"] == [], scanned["problems"]
    for doc in scanned["by_document"]:
        if doc["doc_id"] not in small_set.documents:
            assert doc["ocr_pages"] == 0, f"{doc['doc_id']}: a distractor was OCR'd"
            continue
        language = LANG_OF[_lang(doc["doc_id"])]
        assert doc["ocr_pages"] == doc["pages"] and doc["ocr_chunks"] == doc["chunks"] > 0, f"{language}: not every page OCR'd"
        assert "tesseract" in doc["parser"], f"{language}: the parser names the OCR engine"
    qrels = load_dataset(small_set.clean).qrels
    compared = compare_changed(clean["rankings"]["hybrid"], scanned["rankings"]["hybrid"], qrels, set(small_set.documents))
    assert compared["queries"] > 20
    for measure in ("recall@10", "ndcg@10", "mrr@10"):
        gap = scanned["modes"]["hybrid"][measure] - clean["modes"]["hybrid"][measure]
        assert gap > -0.2, (
            f"hybrid {measure}: scans {scanned['modes']['hybrid'][measure]} against {clean['modes']['hybrid'][measure]}"
        )
        assert compared["gap"][measure] > -0.2, f"hybrid {measure} on the scanned documents' judgements: {compared}"
