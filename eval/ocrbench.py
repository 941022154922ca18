"""``policykb bench --ocr``: what OCR costs retrieval and how fast it reads, as the ``## OCR`` section of BENCHMARKS.md.

One run builds the OCR set (:mod:`eval.ocrset`: the whole sample corpus twice, a few of its PDFs as
published in one copy and as image-only scans in the other), evaluates both with
:func:`eval.harness.evaluate_kb` (the ``policykb eval`` code path, so ingest OCRs every scanned page)
and reports the gap per measure, on all judgements and on the judgements of the scanned documents
only (:func:`changed_only`); then it times :func:`ingest.ocr.ocr_page` on every scanned page. Each
part runs in a child process of its own, as the other bench sections do. Nothing is targeted: the
numbers are measured and reported.

The measures on the scanned documents' judgements are in :mod:`eval.ocrcompare`, the Markdown in
:mod:`eval.ocrreport`, the section editor in :mod:`eval.markdown`.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from eval import markdown
from eval.bench import in_child, machine
from eval.errors import InvalidValue
from eval.markdown import find_section, replace_section
from eval.ocrcompare import DIGITS, MEASURES, changed_only, compare_changed, losses
from eval.ocrreport import HEADING, render_section
from eval.ocrset import LANGUAGES, OcrSet, build_ocr_set, document_language
from ingest.config import IngestConfig
from kb.config import EmbedConfig, RetrievalConfig

if TYPE_CHECKING:
    from eval.beir import Dataset
    from ingest.ocr import OcrConfig
    from kb.embed import Embedder
    from kb.store import Store
    from kb.sync import IngestReport

# The CLI and the tests import these from here.
__all__ = [
    "HEADING",
    "changed_only",
    "compare_changed",
    "evaluate_side",
    "find_section",
    "losses",
    "render_section",
    "replace_section",
    "run_ocr_bench",
    "with_ocr",
    "write_section",
]
MODES = ("hybrid", "dense", "lexical")


def _quiet(step: str) -> None:
    pass


def with_ocr(config: IngestConfig) -> IngestConfig:
    """``config`` with OCR switched on: the measurement is about OCR, whatever POLICYKB_OCR says."""
    return replace(config, load=replace(config.load, ocr=replace(config.load.ocr, enabled=True)))


def _ingested(store: Store, report: IngestReport) -> dict[str, Any]:
    """What ingest made of the dataset, read from the store it filled: documents, pages and passages, OCR'd or not."""
    ocr_chunks: Counter[str] = Counter()
    chunks: Counter[str] = Counter()
    committed = store.committed_hashes()
    for _, _, meta in store.iter_chunks(with_text=lambda _: False):
        doc_id = str(meta.get("doc_id"))
        if committed.get(doc_id) == meta.get("doc_hash"):
            chunks[doc_id] += 1
            ocr_chunks[doc_id] += bool(meta.get("ocr"))
    documents = [
        {
            "doc_id": doc_id,
            "parser": str(doc.metadata.get("parser", "")),
            "pages": int(doc.metadata.get("pages") or 0),
            "ocr_pages": int(doc.metadata.get("ocr_pages") or 0),
            "chunks": chunks[doc_id],
            "ocr_chunks": ocr_chunks[doc_id],
        }
        for doc_id, doc in sorted(store.stored_documents().items())
    ]
    return {"documents": documents, "seconds": report.seconds}


def evaluate_side(root: Path, embedder: Embedder, ingest: IngestConfig, modes: Sequence[str] = MODES) -> dict[str, Any]:
    """``evaluate_kb`` on the folder dataset ``root`` (k=10), with what ingest made of its pages and how long it took.

    ``rankings`` holds each query's ranked document ids (top 100) per mode, for :func:`changed_only`.
    """
    from eval.beir import load_dataset
    from eval.harness import evaluate_kb

    dataset = load_dataset(root)
    embedded = embedder.passages_embedded
    ingested: dict[str, Any] = {}

    def record(store: Store, report: IngestReport) -> None:
        ingested.update(_ingested(store, report))

    evaluation = evaluate_kb(dataset, embedder, modes, 10, RetrievalConfig(index_dir=None), ingest, on_ingested=record)
    written: list[dict[str, Any]] = ingested["documents"]
    summary = evaluation.summary
    return {
        "dataset": summary["dataset"],
        "queries": summary["evaluated"],
        "documents": len(written),
        "pages": sum(d["pages"] for d in written),
        "ocr_pages": sum(d["ocr_pages"] for d in written),
        "chunks": sum(d["chunks"] for d in written),
        "ocr_chunks": sum(d["ocr_chunks"] for d in written),
        "passages_embedded": embedder.passages_embedded - embedded,  # cache misses
        "by_document": written,
        "ingest_s": round(ingested["seconds"], 2),
        "modes": {mode: {m: out["overall"][m] for m in MEASURES} for mode, out in summary["modes"].items()},
        "rankings": {
            mode: {qid: [doc for doc, _ in ranked] for qid, ranked in by_query.items()}
            for mode, by_query in evaluation.rankings.items()
        },
        "problems": summary["problems"],
    }


def _quality_child(root: Path, embed: EmbedConfig, ingest: IngestConfig, modes: Sequence[str]) -> dict[str, Any]:
    from kb.embed import Embedder

    embedder = Embedder(embed)
    try:
        return evaluate_side(root, embedder, ingest, modes)
    finally:
        embedder.close()


def _ocr_speed_child(documents: Path, doc_ids: Sequence[str], config: OcrConfig) -> dict[str, Any]:
    """Seconds of ``ocr_page`` on every page of the PDFs ``doc_ids`` of ``documents``, one page after another.

    The first page is read once untimed (Tesseract's language data comes into the page cache then).
    """
    from eval.ocrset import page_count
    from ingest.ocr import ocr_page, tesseract_version

    paths = [documents / doc_id for doc_id in doc_ids]
    pages = [(path, document_language(path), n) for path in paths for n in range(1, page_count(path) + 1)]
    if not pages:
        raise InvalidValue(f"{documents}: no PDF to OCR")
    first, lang, number = pages[0]
    ocr_page(first, number, config, lang_hint=lang)
    samples: list[dict[str, Any]] = []
    for path, lang, number in pages:
        start = time.perf_counter()
        result = ocr_page(path, number, config, lang_hint=lang)
        seconds = time.perf_counter() - start
        doc_id = path.relative_to(documents).as_posix()
        samples.append({"doc_id": doc_id, "page": number, "lang": lang, "seconds": seconds, "chars": len(result.text.strip())})
    return {"engine": tesseract_version(), "samples": samples}


def _speed(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    seconds = [s["seconds"] for s in samples]
    ordered = sorted(seconds)
    return {
        "pages": len(seconds),
        "seconds": round(sum(seconds), 2),
        "pages_per_s": round(len(seconds) / sum(seconds), 3),
        "median_s_per_page": round(statistics.median(seconds), 2),
        "max_s_per_page": round(ordered[-1], 2),
        "empty_pages": sum(1 for s in samples if not s["chars"]),
    }


def _of_chosen(side: dict[str, Any], chosen: Collection[str]) -> dict[str, int]:
    docs = [d for d in side["by_document"] if d["doc_id"] in chosen]
    return {key: sum(d[key] for d in docs) for key in ("pages", "ocr_pages", "chunks", "ocr_chunks")} | {"documents": len(docs)}


class _Measured(NamedTuple):
    built: OcrSet
    langs: dict[str, str]  # scanned document id -> language
    dataset: Dataset
    clean: dict[str, Any]
    scanned: dict[str, Any]
    speed: dict[str, Any]
    seconds: dict[str, float]


def run_ocr_bench(
    embed: EmbedConfig = EmbedConfig(),
    ingest: IngestConfig = IngestConfig(),
    per_language: int = 3,
    dpi: int = 200,
    modes: Sequence[str] = MODES,
    progress: Callable[[str], None] = _quiet,
) -> dict[str, Any]:
    """Build the OCR set in a temporary folder, evaluate both halves, time the OCR: the ``policykb bench --ocr --json`` object.

    OCR is switched on in ``ingest`` whatever it says. Embeddings come from ``embed``'s cache when it
    has them (the measure is quality, not embedding speed): after a first run, only the scanned
    documents' OCR'd text can be new.
    """
    ingest = with_ocr(ingest)
    report: dict[str, Any] = {"machine": machine()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="policykb-ocr-bench-", ignore_cleanup_errors=True) as tmp:
        measured = _measure(Path(tmp), embed, ingest, per_language, dpi, tuple(modes), progress)
    built, clean, scanned = measured.built, measured.clean, measured.scanned
    report["set"] = {
        "documents": list(built.documents),
        "langs": measured.langs,
        "corpus": built.corpus,
        "pages": built.pages,
        "dpi": dpi,
        "per_language": per_language,
        "queries": clean["queries"],
    }
    report.update(_compare(measured, modes))
    for side in (clean, scanned):
        side["chosen"] = _of_chosen(side, built.documents)
    report["clean"], report["scanned"] = clean, scanned
    samples = measured.speed["samples"]
    report["ocr"] = {
        "engine": measured.speed["engine"],
        **_speed(samples),
        "by_lang": {lang: _speed([s for s in samples if s["lang"] == lang]) for lang in sorted({s["lang"] for s in samples})},
    }
    report["seconds"] = {step: round(value, 1) for step, value in measured.seconds.items()} | {
        "total": round(time.perf_counter() - started, 1)
    }
    report["machine"]["load_1m_end"] = round(os.getloadavg()[0], 2)
    return report


def _measure(
    tmp: Path,
    embed: EmbedConfig,
    ingest: IngestConfig,
    per_language: int,
    dpi: int,
    modes: tuple[str, ...],
    progress: Callable[[str], None],
) -> _Measured:
    """Build the set in ``tmp``, evaluate both halves and time the OCR, each in a process of its own."""
    from eval.beir import load_dataset

    seconds: dict[str, float] = {}
    progress(f"OCR set: the sample corpus, {per_language} PDFs per language of it rendered at {dpi} dpi")
    start = time.perf_counter()
    built: OcrSet = build_ocr_set(tmp, per_language=per_language, dpi=dpi)
    seconds["build"] = time.perf_counter() - start
    langs = {doc: document_language(built.scanned / "documents" / doc) for doc in built.documents}
    env = {"OMP_WAIT_POLICY": "PASSIVE"}  # the model shares the cores with the parser process and Tesseract
    progress(f"policykb eval on the {built.corpus} documents as published")
    start = time.perf_counter()
    clean = in_child(_quality_child, built.clean, embed, ingest, modes, env=env)
    seconds["eval_text"] = time.perf_counter() - start
    progress(f"policykb eval with {len(built.documents)} of them as scans (ingest OCRs {built.pages} pages)")
    start = time.perf_counter()
    scanned = in_child(_quality_child, built.scanned, embed, ingest, modes, env=env)
    seconds["eval_scanned"] = time.perf_counter() - start
    progress(f"ingest.ocr.ocr_page timed on each of the {built.pages} scanned pages")
    start = time.perf_counter()
    speed = in_child(_ocr_speed_child, built.scanned / "documents", built.documents, ingest.load.ocr)
    seconds["ocr_speed"] = time.perf_counter() - start
    return _Measured(built, langs, load_dataset(built.clean), clean, scanned, speed, seconds)


def _compare(measured: _Measured, modes: Sequence[str]) -> dict[str, Any]:
    """The gap on all judgements, on the scanned documents' only (overall and by language), and the worst losses."""
    built, clean, scanned, qrels = measured.built, measured.clean, measured.scanned, measured.dataset.qrels
    clean_rankings, scanned_rankings = clean.pop("rankings"), scanned.pop("rankings")
    gap = {mode: {m: round(scanned["modes"][mode][m] - clean["modes"][mode][m], DIGITS) for m in MEASURES} for mode in modes}
    chosen_by_lang = {"all": set(built.documents)} | {
        lang: {doc for doc, of in measured.langs.items() if of == lang} for lang in LANGUAGES
    }
    changed = {
        mode: {
            group: compare_changed(clean_rankings[mode], scanned_rankings[mode], qrels, docs)
            for group, docs in chosen_by_lang.items()
        }
        for mode in modes
    }
    texts = {q.query_id: q.text for q in measured.dataset.queries}
    worst = {mode: losses(clean_rankings[mode], scanned_rankings[mode], qrels, set(built.documents), texts) for mode in modes}
    return {"gap": gap, "changed": changed, "losses": worst}


def write_section(path: Path, section: str) -> None:
    """Put the ``## OCR`` ``section`` into the file at ``path`` (created with a ``# Benchmarks`` title when missing)."""
    markdown.write_section(path, section, HEADING)
