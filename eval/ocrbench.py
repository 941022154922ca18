"""``policykb bench --ocr``: what OCR costs retrieval and how fast it reads, as the ``## OCR`` section of BENCHMARKS.md.

One run builds the OCR set (:mod:`eval.ocrset`: the whole sample corpus twice, a few of its PDFs as
published in one copy and as image-only scans in the other), evaluates both with
:func:`eval.harness.evaluate_kb` (the ``policykb eval`` code path, so ingest OCRs every scanned page)
and reports the gap per measure, on all judgements and on the judgements of the scanned documents
only (:func:`changed_only`); then it times :func:`ingest.ocr.ocr_page` on every scanned page. Each
part runs in a child process of its own, as the other bench sections do. Nothing is targeted: the
numbers are measured and reported.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.bench import _table, in_child, machine
from eval.metrics import Measure
from eval.ocrset import LANGUAGES, OcrSet, build_ocr_set, document_language
from kb.config import EmbedConfig, RetrievalConfig
from kb.sync import IngestConfig

if TYPE_CHECKING:
    from ingest.ocr import OcrConfig
    from kb.embed import Embedder
    from kb.store import Store
    from kb.sync import IngestReport

HEADING = "## OCR"
MODES = ("hybrid", "dense", "lexical")
MEASURES = ("ndcg@10", "recall@10", "mrr@10")
LABELS = {"ndcg@10": "nDCG@10", "recall@10": "Recall@10", "mrr@10": "MRR@10"}
DIGITS = 4
LOSSES = 5  # queries listed (``--json``) per mode where the scanned documents lost the most nDCG@10


def _quiet(step: str) -> None:
    pass


def with_ocr(config: IngestConfig) -> IngestConfig:
    """``config`` with OCR switched on: the measurement is about OCR, whatever POLICYKB_OCR says."""
    return replace(config, load=replace(config.load, ocr=replace(config.load.ocr, enabled=True)))


# --- the children --------------------------------------------------------------------------------
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


# --- the measures on the scanned documents' judgements ---------------------------------------------
def changed_only(
    rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], changed: Collection[str]
) -> dict[str, dict[str, float]]:
    """Query id -> measure -> value, each query scored on its judgements of the documents ``changed`` only.

    The ranking is left whole: a changed document is scored where it stands among all documents, and
    the other relevant documents neither count nor are removed. Queries with no relevant changed
    document are left out.
    """
    measures = [Measure.parse(m) for m in MEASURES]
    scores: dict[str, dict[str, float]] = {}
    for qid, ranking in rankings.items():
        relevance = {doc: grade for doc, grade in qrels.get(qid, {}).items() if doc in changed}
        if any(grade > 0 for grade in relevance.values()):
            scores[qid] = {str(m): m(ranking, relevance) for m in measures}
    return scores


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), DIGITS)


def compare_changed(
    clean: Mapping[str, Sequence[str]],
    scanned: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    changed: Collection[str],
) -> dict[str, Any]:
    """Text layer against scans for one mode (rankings by query id), scored by :func:`changed_only`.

    Means on both sides, their gap (scanned minus text layer), and how many queries lost or gained nDCG@10.
    """
    before, after = changed_only(clean, qrels, changed), changed_only(scanned, qrels, changed)
    queries = sorted(before.keys() & after.keys())
    if not queries:
        return {"queries": 0}
    text = {m: _mean([before[q][m] for q in queries]) for m in MEASURES}
    scan = {m: _mean([after[q][m] for q in queries]) for m in MEASURES}
    delta = [after[q]["ndcg@10"] - before[q]["ndcg@10"] for q in queries]
    return {
        "queries": len(queries),
        "text": text,
        "scanned": scan,
        "gap": {m: round(scan[m] - text[m], DIGITS) for m in MEASURES},
        "worse": sum(1 for d in delta if d < -1e-9),
        "better": sum(1 for d in delta if d > 1e-9),
    }


def _rank(ranking: Sequence[str], doc: str) -> int | None:
    return ranking.index(doc) + 1 if doc in ranking else None


def losses(
    clean: Mapping[str, Sequence[str]],
    scanned: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    changed: Collection[str],
    texts: Mapping[str, str],
    limit: int = LOSSES,
) -> list[dict[str, Any]]:
    """The ``limit`` queries whose nDCG@10 on the changed documents fell most, with those documents' ranks on each side."""
    before, after = changed_only(clean, qrels, changed), changed_only(scanned, qrels, changed)
    drops = sorted(
        (after[q]["ndcg@10"] - before[q]["ndcg@10"], q) for q in before.keys() & after.keys()
    )  # worst first, then by id
    return [
        {
            "query_id": qid,
            "text": texts.get(qid, ""),
            "ndcg@10_drop": round(drop, DIGITS),
            "documents": [
                {"doc_id": doc, "grade": grade, "rank_text": _rank(clean[qid], doc), "rank_scanned": _rank(scanned[qid], doc)}
                for doc, grade in sorted(qrels[qid].items())
                if doc in changed and grade > 0
            ],
        }
        for drop, qid in drops[:limit]
        if drop < 0
    ]


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


def _of_chosen(side: dict[str, Any], chosen: Collection[str]) -> dict[str, int]:
    docs = [d for d in side["by_document"] if d["doc_id"] in chosen]
    return {key: sum(d[key] for d in docs) for key in ("pages", "ocr_pages", "chunks", "ocr_chunks")} | {"documents": len(docs)}


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
    from eval.beir import load_dataset

    ingest = with_ocr(ingest)
    report: dict[str, Any] = {"machine": machine()}
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="policykb-ocr-bench-", ignore_cleanup_errors=True) as tmp:
        progress(f"OCR set: the sample corpus, {per_language} PDFs per language of it rendered at {dpi} dpi")
        start = time.perf_counter()
        built: OcrSet = build_ocr_set(Path(tmp), per_language=per_language, dpi=dpi)
        seconds["build"] = time.perf_counter() - start
        langs = {doc: document_language(built.scanned / "documents" / doc) for doc in built.documents}
        dataset = load_dataset(built.clean)
        report["set"] = {
            "documents": list(built.documents),
            "langs": langs,
            "corpus": built.corpus,
            "pages": built.pages,
            "dpi": dpi,
            "per_language": per_language,
        }
        env = {"OMP_WAIT_POLICY": "PASSIVE"}  # the model shares the cores with the parser process and Tesseract
        progress(f"policykb eval on the {built.corpus} documents as published")
        start = time.perf_counter()
        clean = in_child(_quality_child, built.clean, embed, ingest, tuple(modes), env=env)
        seconds["eval_text"] = time.perf_counter() - start
        progress(f"policykb eval with {len(built.documents)} of them as scans (ingest OCRs {built.pages} pages)")
        start = time.perf_counter()
        scanned = in_child(_quality_child, built.scanned, embed, ingest, tuple(modes), env=env)
        seconds["eval_scanned"] = time.perf_counter() - start
        progress(f"ingest.ocr.ocr_page timed on each of the {built.pages} scanned pages")
        start = time.perf_counter()
        speed = in_child(_ocr_speed_child, built.scanned / "documents", built.documents, ingest.load.ocr)
        seconds["ocr_speed"] = time.perf_counter() - start
    report["set"]["queries"] = clean["queries"]
    clean_rankings, scanned_rankings = clean.pop("rankings"), scanned.pop("rankings")
    for side in (clean, scanned):
        side["chosen"] = _of_chosen(side, built.documents)
    report["clean"], report["scanned"] = clean, scanned
    report["gap"] = {
        mode: {m: round(scanned["modes"][mode][m] - clean["modes"][mode][m], DIGITS) for m in MEASURES} for mode in modes
    }
    chosen_by_lang = {"all": set(built.documents)} | {
        lang: {doc for doc, of in langs.items() if of == lang} for lang in LANGUAGES
    }
    report["changed"] = {
        mode: {
            group: compare_changed(clean_rankings[mode], scanned_rankings[mode], dataset.qrels, docs)
            for group, docs in chosen_by_lang.items()
        }
        for mode in modes
    }
    texts = {q.query_id: q.text for q in dataset.queries}
    report["losses"] = {
        mode: losses(clean_rankings[mode], scanned_rankings[mode], dataset.qrels, set(built.documents), texts) for mode in modes
    }
    samples = speed["samples"]
    report["ocr"] = {
        "engine": speed["engine"],
        **_speed(samples),
        "by_lang": {lang: _speed([s for s in samples if s["lang"] == lang]) for lang in sorted({s["lang"] for s in samples})},
    }
    report["seconds"] = {step: round(value, 1) for step, value in seconds.items()} | {
        "total": round(time.perf_counter() - started, 1)
    }
    report["machine"]["load_1m_end"] = round(os.getloadavg()[0], 2)
    return report


# --- BENCHMARKS.md -------------------------------------------------------------------------------
def _signed(value: float) -> str:
    return f"{value:+.4f}" if value else "0"


def _code_list(items: Sequence[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def render_section(report: dict[str, Any]) -> str:
    """The ``## OCR`` section of BENCHMARKS.md (Markdown, ending with a newline)."""
    built, clean, scanned, ocr, m = report["set"], report["clean"], report["scanned"], report["ocr"], report["machine"]
    changed, took = report["changed"], report["seconds"]
    chosen = len(built["documents"])
    rows = []
    for mode, gaps in report["gap"].items():
        only = changed[mode]["all"]
        for measure, gap in gaps.items():
            rows.append(
                [
                    mode,
                    LABELS[measure],
                    clean["modes"][mode][measure],
                    scanned["modes"][mode][measure],
                    _signed(gap),
                    only["text"][measure],
                    only["scanned"][measure],
                    f"**{_signed(only['gap'][measure])}**",
                ]
            )
    by_lang = [
        [
            lang,
            mode,
            r["queries"],
            r["text"]["ndcg@10"],
            r["scanned"]["ndcg@10"],
            _signed(r["gap"]["ndcg@10"]),
            r["text"]["recall@10"],
            r["scanned"]["recall@10"],
            _signed(r["gap"]["recall@10"]),
            f"{r['worse']} / {r['better']}",
        ]
        for lang in [*LANGUAGES, "all"]
        for mode, groups in changed.items()
        if (r := groups.get(lang)) and r["queries"]
    ]
    tc, sc = clean["chosen"], scanned["chosen"]
    lines = [
        HEADING,
        "",
        f"Retrieval over the whole sample corpus ({built['corpus']} documents) twice: once as published, once with "
        f"{chosen} of its PDFs replaced by scans of themselves (same document ids; every scanned page OCR'd at ingest). "
        "*gap* is scanned minus text layer:",
        "",
        *_table(
            [
                "mode",
                "measure",
                "all judgements: text layer",
                "scanned",
                "gap",
                "scanned documents' judgements only: text layer",
                "scanned",
                "gap",
            ],
            rows,
        ),
        "",
        f"The right-hand columns score each query only on its judgements of the {chosen} scanned documents (still "
        f"ranked among all {built['corpus']}), because its other relevant documents are the same on both sides and "
        "would only dilute the gap.",
        "",
        "The same, by the language of the scanned documents (*queries*: those with a relevant scanned document in "
        "that language; *worse / better*: queries whose nDCG@10 fell / rose):",
        "",
        *_table(
            [
                "scanned documents",
                "mode",
                "queries",
                "nDCG@10 text layer",
                "scanned",
                "gap",
                "Recall@10 text layer",
                "scanned",
                "gap",
                "nDCG@10 worse / better",
            ],
            by_lang,
        ),
        "",
        f"The set (`eval/ocrset.py`): every document of `corpus/documents` with its sidecar, in both halves; the "
        f"{chosen} scanned PDFs are {built['per_language']} each in Arabic, French and English, those the gold set "
        f"judges relevant most often ({_code_list(built['documents'])}), {built['pages']} pages. Queries: the "
        f"{built['queries']} gold queries with a relevant document among them, with all their judgements. The scans are "
        f"the pages rendered at {built['dpi']} dpi in grey (`pdftoppm -gray`) and stored as JPEG images, with no text "
        "layer: clean renders, not paper, so this is a lower bound of what real scans cost. Measured, not targeted: "
        "there is no threshold to meet. `policykb bench --ocr --json` lists, per mode, the queries that lost most.",
        "",
        f"At ingest, {sc['ocr_pages']} of the {sc['pages']} scanned pages were OCR'd ({sc['ocr_chunks']} of their "
        f"{sc['chunks']} passages from OCR; with text layers the same documents made {tc['chunks']} passages, "
        f"{tc['ocr_pages']} pages OCR'd); the whole corpus: {clean['chunks']} passages as published, {scanned['chunks']} "
        f"with the scans, {clean['ocr_pages']} and {scanned['ocr_pages']} pages OCR'd. Ingest took {scanned['ingest_s']} s "
        f"with the scans against {clean['ingest_s']} s as published (passages embedded, not found in the embedding cache: "
        f"{clean['passages_embedded']} as published, {scanned['passages_embedded']} with the scans).",
        "",
        f"Run time of `policykb bench --ocr`: **{took['total']} s** (building the set {took['build']} s, evaluation "
        f"as published {took['eval_text']} s, with the scans {took['eval_scanned']} s, OCR timing {took['ocr_speed']} s; "
        "each evaluation includes loading the model and ingesting the corpus).",
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
