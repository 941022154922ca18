"""The ``## OCR`` section of BENCHMARKS.md, from a ``policykb bench --ocr`` report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eval.markdown import table
from eval.ocrset import LANGUAGES

HEADING = "## OCR"
LABELS = {"ndcg@10": "nDCG@10", "recall@10": "Recall@10", "mrr@10": "MRR@10"}


def _signed(value: float) -> str:
    return f"{value:+.4f}" if value else "0"


def _code_list(items: Sequence[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def render_section(report: dict[str, Any]) -> str:
    """The ``## OCR`` section of BENCHMARKS.md (Markdown, ending with a newline)."""
    lines = [HEADING, "", *_gaps(report), "", *_by_language(report), "", *_set(report), "", *_speed(report)]
    problems = report["clean"]["problems"] + report["scanned"]["problems"]
    if problems:
        lines += ["", f"{len(problems)} problems; first: {problems[0]}"]
    return "\n".join(lines) + "\n"


def _gaps(report: dict[str, Any]) -> list[str]:
    """Each mode and measure, on all judgements and on the scanned documents' only."""
    built, clean, scanned, changed = report["set"], report["clean"], report["scanned"], report["changed"]
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
    header = ["mode", "measure", "all judgements: text layer", "scanned", "gap"]
    header += ["scanned documents' judgements only: text layer", "scanned", "gap"]
    return [
        f"Retrieval over the whole sample corpus ({built['corpus']} documents) twice: once as published, once with "
        f"{chosen} of its PDFs replaced by scans of themselves (same document ids; every scanned page OCR'd at ingest). "
        "*gap* is scanned minus text layer:",
        "",
        *table(header, rows),
        "",
        f"The right-hand columns score each query only on its judgements of the {chosen} scanned documents (still "
        f"ranked among all {built['corpus']}), because its other relevant documents are the same on both sides and "
        "would only dilute the gap.",
    ]


def _by_language(report: dict[str, Any]) -> list[str]:
    """The gap by the language of the scanned documents."""
    rows = [
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
        for mode, groups in report["changed"].items()
        if (r := groups.get(lang)) and r["queries"]
    ]
    header = ["scanned documents", "mode", "queries", "nDCG@10 text layer", "scanned", "gap"]
    header += ["Recall@10 text layer", "scanned", "gap", "nDCG@10 worse / better"]
    return [
        "The same, by the language of the scanned documents (*queries*: those with a relevant scanned document in "
        "that language; *worse / better*: queries whose nDCG@10 fell / rose):",
        "",
        *table(header, rows),
    ]


def _set(report: dict[str, Any]) -> list[str]:
    """What the set holds and what ingest made of it."""
    built, clean, scanned = report["set"], report["clean"], report["scanned"]
    chosen = len(built["documents"])
    tc, sc = clean["chosen"], scanned["chosen"]
    return [
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
    ]


def _speed(report: dict[str, Any]) -> list[str]:
    """The run's time, OCR speed by language, and the machine."""
    ocr, m, took = report["ocr"], report["machine"], report["seconds"]
    return [
        f"Run time of `policykb bench --ocr`: **{took['total']} s** (building the set {took['build']} s, evaluation "
        f"as published {took['eval_text']} s, with the scans {took['eval_scanned']} s, OCR timing {took['ocr_speed']} s; "
        "each evaluation includes loading the model and ingesting the corpus).",
        "",
        f"OCR speed: `ingest.ocr.ocr_page` ({ocr['engine']}) timed on each scanned page, one after another, in a process "
        f"of its own: **{ocr['pages_per_s']} pages/s**, median **{ocr['median_s_per_page']} s** per page.",
        "",
        *table(
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
