"""``policykb bench --ocr``: what OCR costs retrieval and how fast it reads, as the ``## OCR`` section of BENCHMARKS.md.

One run builds the OCR set (:mod:`eval.ocrset`: a few PDFs of the sample corpus, as published and
as image-only scans), evaluates both with :func:`eval.harness.evaluate_kb` (the ``policykb eval``
code path, so ingest OCRs every scanned page) and reports the gap per measure; then it times
:func:`ingest.ocr.ocr_page` on every scanned page. Each part runs in a child process of its own,
as the other bench sections do. Nothing is targeted: the numbers are measured and reported.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.bench import _table, in_child, machine
from eval.ocrset import OcrSet, build_ocr_set
from kb.config import EmbedConfig, RetrievalConfig
from kb.sync import IngestConfig

if TYPE_CHECKING:
    import numpy as np

    from ingest.ocr import OcrConfig
    from ingest.records import Chunk, Document
    from kb.embed import Embedder

HEADING = "## OCR"
MODES = ("hybrid", "dense", "lexical")
MEASURES = ("ndcg@10", "recall@10", "mrr@10")
LABELS = {"ndcg@10": "nDCG@10", "recall@10": "Recall@10", "mrr@10": "MRR@10"}
DIGITS = 4


def _quiet(step: str) -> None:
    pass


def with_ocr(config: IngestConfig) -> IngestConfig:
    """``config`` with OCR switched on: the measurement is about OCR, whatever POLICYKB_OCR says."""
    return replace(config, load=replace(config.load, ocr=replace(config.load.ocr, enabled=True)))


# --- the children --------------------------------------------------------------------------------
@contextmanager
def _recording_ingest() -> Iterator[tuple[list[dict[str, Any]], list[float]]]:
    """Record each document as it is written to a store, and the seconds of each ``eval.harness.ingest_corpus``.

    Wraps ``Store.write_document`` (the store's ``ocr_pages`` and chunk ``ocr`` fields are made from
    what it is given) and ``eval.harness.ingest_corpus`` in this process; both are restored on exit.
    """
    import eval.harness
    import kb.store

    written: list[dict[str, Any]] = []
    seconds: list[float] = []
    write_document, ingest_corpus = kb.store.Store.write_document, eval.harness.ingest_corpus

    def recording(store: kb.store.Store, doc: Document, chunks: Sequence[Chunk], embeddings: np.ndarray, root: str) -> None:
        write_document(store, doc, chunks, embeddings, root)
        written.append(
            {
                "doc_id": doc.doc_id,
                "parser": doc.parser,
                "pages": len(doc.pages),
                "ocr_pages": sum(1 for page in doc.pages if page.ocr),
                "chunks": len(chunks),
                "ocr_chunks": sum(1 for chunk in chunks if chunk.ocr),
            }
        )

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return ingest_corpus(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - start)

    kb.store.Store.write_document = recording  # type: ignore[method-assign,assignment]  # restored below
    eval.harness.ingest_corpus = timed
    try:
        yield written, seconds
    finally:
        kb.store.Store.write_document = write_document  # type: ignore[method-assign]
        eval.harness.ingest_corpus = ingest_corpus


def evaluate_side(root: Path, embedder: Embedder, ingest: IngestConfig, modes: Sequence[str] = MODES) -> dict[str, Any]:
    """``evaluate_kb`` on the folder dataset ``root`` (k=10), with what ingest made of its pages and how long it took."""
    from eval.beir import load_dataset
    from eval.harness import evaluate_kb

    dataset = load_dataset(root)
    with _recording_ingest() as (written, seconds):
        summary = evaluate_kb(dataset, embedder, modes, 10, RetrievalConfig(index_dir=None), ingest).summary
    return {
        "dataset": summary["dataset"],
        "queries": summary["evaluated"],
        "documents": len(written),
        "pages": sum(d["pages"] for d in written),
        "ocr_pages": sum(d["ocr_pages"] for d in written),
        "chunks": sum(d["chunks"] for d in written),
        "ocr_chunks": sum(d["ocr_chunks"] for d in written),
        "by_document": written,
        "ingest_s": round(sum(seconds), 2),
        "modes": {mode: {m: out["overall"][m] for m in MEASURES} for mode, out in summary["modes"].items()},
        "problems": summary["problems"],
    }


def _quality_child(root: Path, embed: EmbedConfig, ingest: IngestConfig, modes: Sequence[str]) -> dict[str, Any]:
    from kb.embed import Embedder

    embedder = Embedder(embed)
    try:
        return evaluate_side(root, embedder, ingest, modes)
    finally:
        embedder.close()


def _ocr_speed_child(documents: Path, config: OcrConfig) -> dict[str, Any]:
    """Seconds of ``ocr_page`` on every page of every PDF under ``documents``, one page after another.

    The first page is read once untimed (Tesseract's language data comes into the page cache then).
    """
    from eval.ocrset import document_language, page_count
    from ingest.ocr import ocr_page, tesseract_version

    pages = [
        (path, document_language(path), n) for path in sorted(documents.rglob("*.pdf")) for n in range(1, page_count(path) + 1)
    ]
    if not pages:
        raise ValueError(f"{documents}: no PDF to OCR")
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


# --- the run -------------------------------------------------------------------------------------
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


def run_ocr_bench(
    embed: EmbedConfig = EmbedConfig(),
    ingest: IngestConfig = IngestConfig(),
    per_language: int = 2,
    dpi: int = 200,
    modes: Sequence[str] = MODES,
    progress: Callable[[str], None] = _quiet,
) -> dict[str, Any]:
    """Build the OCR set in a temporary folder, evaluate both halves, time the OCR: the ``policykb bench --ocr --json`` object.

    OCR is switched on in ``ingest`` whatever it says. Embeddings come from ``embed``'s cache when it
    has them (the measure is quality, not embedding speed).
    """
    ingest = with_ocr(ingest)
    report: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="policykb-ocr-bench-", ignore_cleanup_errors=True) as tmp:
        progress(f"OCR set: {per_language} PDFs per language of the sample corpus, rendered at {dpi} dpi")
        start = time.perf_counter()
        built: OcrSet = build_ocr_set(Path(tmp), per_language=per_language, dpi=dpi)
        report["set"] = {
            "documents": list(built.documents),
            "pages": built.pages,
            "dpi": dpi,
            "per_language": per_language,
            "build_s": round(time.perf_counter() - start, 2),
        }
        env = {"OMP_WAIT_POLICY": "PASSIVE"}  # the model shares the cores with the parser process and Tesseract
        progress("policykb eval on the PDFs as published")
        clean = in_child(_quality_child, built.clean, embed, ingest, tuple(modes), env=env)
        progress(f"policykb eval on the scans (ingest OCRs {built.pages} pages)")
        scanned = in_child(_quality_child, built.scanned, embed, ingest, tuple(modes), env=env)
        progress(f"ingest.ocr.ocr_page timed on each of the {built.pages} scanned pages")
        speed = in_child(_ocr_speed_child, built.scanned / "documents", ingest.load.ocr)
    report["set"]["queries"] = clean["queries"]
    report["clean"], report["scanned"] = clean, scanned
    report["gap"] = {
        mode: {m: round(scanned["modes"][mode][m] - clean["modes"][mode][m], DIGITS) for m in MEASURES} for mode in modes
    }
    samples = speed["samples"]
    report["ocr"] = {
        "engine": speed["engine"],
        **_speed(samples),
        "by_lang": {lang: _speed([s for s in samples if s["lang"] == lang]) for lang in sorted({s["lang"] for s in samples})},
    }
    report["machine"]["load_1m_end"] = round(os.getloadavg()[0], 2)
    return report


# --- BENCHMARKS.md -------------------------------------------------------------------------------
def _signed(value: float) -> str:
    return f"{value:+.4f}" if value else "0"


def render_section(report: dict[str, Any]) -> str:
    """The ``## OCR`` section of BENCHMARKS.md (Markdown, ending with a newline)."""
    built, clean, scanned, ocr, m = report["set"], report["clean"], report["scanned"], report["ocr"], report["machine"]
    rows = [
        [mode, LABELS[measure], clean["modes"][mode][measure], scanned["modes"][mode][measure], _signed(gap)]
        for mode, gaps in report["gap"].items()
        for measure, gap in gaps.items()
    ]
    documents = len(built["documents"])
    lines = [
        HEADING,
        "",
        "Retrieval on the same PDFs with their text layers and as scans (every page OCR'd at ingest); *gap* is scanned "
        "minus text layer:",
        "",
        *_table(["mode", "measure", "text layer", "scanned (OCR)", "gap"], rows),
        "",
        f"The set (`eval/ocrset.py`): {documents} PDFs of the sample corpus, {built['per_language']} each in Arabic, "
        f"French and English, those the gold set judges relevant most often ({', '.join(f'`{d}`' for d in built['documents'])}), "
        f"{built['pages']} pages; the {built['queries']} gold queries with a relevant document among them, judged on those "
        f"documents only. The scans are the pages rendered at {built['dpi']} dpi in grey (`pdftoppm -gray`) and stored as "
        "JPEG images, with no text layer: clean renders, not paper, so this is a lower bound of what real scans cost. "
        "Measured, not targeted: there is no threshold to meet."
        + (
            f" With {documents} documents, every mode that ranks them all has Recall@10 of 1 on both sides; nDCG@10 and "
            "MRR@10 carry the comparison."
            if documents <= 10
            else ""
        ),
        "",
        f"At ingest, {scanned['ocr_pages']} of {scanned['pages']} scanned pages were OCR'd ({scanned['ocr_chunks']} of "
        f"{scanned['chunks']} passages from OCR; the text-layer side: {clean['ocr_pages']} pages, {clean['chunks']} passages). "
        f"Ingest took {scanned['ingest_s']} s for the scans against {clean['ingest_s']} s with text layers (embeddings "
        "cached when already computed, so this is mostly parsing and OCR).",
        "",
        f"OCR speed: `ingest.ocr.ocr_page` ({ocr['engine']}) timed on each scanned page, one after another, in a process "
        f"of its own: **{ocr['pages_per_s']} pages/s**, median **{ocr['median_s_per_page']} s** per page.",
        "",
        *_table(
            ["language", "pages", "pages/s", "median s/page", "slowest page s", "pages read empty"],
            [
                [lang, r["pages"], r["pages_per_s"], r["median_s_per_page"], r["max_s_per_page"], r["empty_pages"]]
                for lang, r in [*ocr["by_lang"].items(), ("all", ocr)]
            ],
        ),
        "",
        f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_mb']:,} MiB; load average (1 min) {m['load_1m']} at start, "
        f"{m.get('load_1m_end', 'n/a')} at end; Python {m['python']}, chromadb {m['chromadb']}.",
    ]
    problems = clean["problems"] + scanned["problems"]
    if problems:
        lines += ["", f"{len(problems)} problems; first: {problems[0]}"]
    return "\n".join(lines) + "\n"


def _bounds(lines: list[str], heading: str) -> tuple[int, int] | None:
    """Where the section ``heading`` starts and ends (the next heading of its level or above), or None."""
    for start, line in enumerate(lines):
        if line.rstrip() == heading:
            end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("# ", "## "))), len(lines))
            return start, end
    return None


def find_section(markdown: str, heading: str = HEADING) -> str | None:
    """The section of ``markdown`` under ``heading`` (heading included), or None."""
    lines = markdown.splitlines(keepends=True)
    bounds = _bounds([line.rstrip("\n") for line in lines], heading)
    return None if bounds is None else "".join(lines[bounds[0] : bounds[1]]).rstrip("\n") + "\n"


def replace_section(markdown: str, section: str, heading: str = HEADING) -> str:
    """``markdown`` with its ``heading`` section replaced by ``section``, or ``section`` appended; the rest untouched."""
    lines = markdown.splitlines(keepends=True)
    bounds = _bounds([line.rstrip("\n") for line in lines], heading)
    if bounds is None:
        body = markdown.rstrip("\n")
        return (body + "\n\n" if body else "") + section
    start, end = bounds
    after = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + after if after else "")


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into the file at ``path`` (created with a ``# Benchmarks`` title when missing)."""
    old = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    path.write_text(replace_section(old, section), encoding="utf-8")
