"""Answer quality: the assistant run on every query of a test set, its citations checked.

Measures (``policykb eval --answers``):

- citation precision: the share of citations whose quote stands word for word (up to whitespace)
  in the stored passage it cites, of the document it names (must be 1.0); and the share of citations
  that come from documents judged relevant to the query (or from another language version of one);
- evidence match: where the test set gives gold evidence quotes, the share of answered queries
  with a cited quote that overlaps one of them, or that quotes the same article of another language
  version of the gold quote's document (the assistant quotes the asker's version of a text, and a
  gold quote is written in one version only);
- country coverage on comparative and regional questions: the share of expected countries the
  answer covers, with evidence or with an explicit "no evidence" statement;
- language: the share of quoted characters in the question's language, and of citations quoting the
  question-language version of their document whenever the store holds one (a French asker reads the
  French version of a law, not its Arabic one);
- country evidence: the precision of the countries an answer marks "evidence found" (the share with
  a document judged relevant in that country) and their recall (the share of expected countries
  with a relevant document that the answer marks "evidence found");
- front matter: citations quoting a document's front matter (its notice or description of itself),
  which is never evidence;
- abstention: accuracy on unanswerable queries (kind ``no_answer``, or judged with no relevant
  document) and the false-abstention rate on answerable ones, with the curve of both against the
  relevance threshold, from which ``AssistantConfig.min_relevance`` is calibrated;
- latency p50/p95 of a whole answer, in process, warm.

The check here is independent of the assistant's own: it re-reads each cited passage from the store
(:mod:`eval.answerscore` scores one answer).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.answerscore import AnswerRecord, answerable, gold_articles, measure, overlaps
from eval.beir import Dataset
from eval.errors import DatasetError
from eval.metrics import percentile
from ingest.config import IngestConfig
from kb.config import RetrievalConfig, StoreConfig
from kb.embed import Embedder
from kb.store import Store

__all__ = [
    "AnswerRecord",
    "calibrate",
    "evaluate_answers",
    "measure",
    "overlaps",
    "render_summary",
    "run_answers",
    "write_answers",
]
COMPARATIVE_KINDS = frozenset({"comparative", "regional"})
DIGITS = 4
MAX_FALSE_ABSTENTION = 0.05


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, DIGITS) if denominator else None


def abstention_curve(records: Sequence[AnswerRecord], thresholds: Sequence[float]) -> list[dict[str, float | None]]:
    """Both abstention error rates if the assistant abstained below each threshold (from recorded relevance)."""
    answerable_ = [r.relevance for r in records if r.answerable]
    unanswerable = [r.relevance for r in records if not r.answerable]
    curve: list[dict[str, float | None]] = []
    for t in thresholds:
        curve.append(
            {
                "threshold": round(t, 4),
                "abstention_accuracy": _ratio(sum(v < t for v in unanswerable), len(unanswerable)),
                "false_abstention": _ratio(sum(v < t for v in answerable_), len(answerable_)),
            }
        )
    return curve


def calibrate(records: Sequence[AnswerRecord], max_false_abstention: float = MAX_FALSE_ABSTENTION) -> float | None:
    """The threshold that abstains on most unanswerable queries while wrongly abstaining on at most
    ``max_false_abstention`` of the answerable ones (a policymaker told "no answer" when the texts
    hold one is the costlier error)."""
    values = sorted({r.relevance for r in records})
    if not any(r.answerable for r in records) or all(r.answerable for r in records):
        return None
    cuts = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
    allowed = [p for p in abstention_curve(records, cuts) if (p["false_abstention"] or 0.0) <= max_false_abstention]
    best = max(allowed, key=lambda p: (p["abstention_accuracy"] or 0.0, -(p["threshold"] or 0.0)), default=None)
    return None if best is None else float(best["threshold"] or 0.0)


def summarise(records: Sequence[AnswerRecord], min_relevance: float) -> dict[str, Any]:
    answerable_ = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    answered = [r for r in answerable_ if not r.abstained]
    cited = [r for r in records if not r.abstained]
    comparative = [r for r in records if r.kind in COMPARATIVE_KINDS and r.answerable]
    matched = [r for r in answered if r.evidence_match is not None]
    latencies = [r.latency_ms for r in records]
    steps = [min_relevance + d / 100 for d in range(-6, 7, 2)]
    return {
        "queries": len(records),
        "answerable": len(answerable_),
        "unanswerable": len(unanswerable),
        "citations": sum(r.citations for r in cited),
        "citation_verbatim": _ratio(sum(r.verbatim for r in cited), sum(r.citations for r in cited)),
        "citation_from_relevant": _ratio(sum(r.from_relevant for r in answered), sum(r.citations for r in answered)),
        "evidence_match": _ratio(sum(bool(r.evidence_match) for r in matched), len(matched)),
        "country_coverage": _ratio(
            sum(r.countries_reported for r in comparative), sum(len(r.expected_countries) for r in comparative)
        ),
        "country_evidence": _ratio(
            sum(r.countries_with_evidence for r in comparative), sum(len(r.expected_countries) for r in comparative)
        ),
        # Over answerable queries: an answer to an unanswerable one is the abstention measures' error.
        "country_evidence_precision": _ratio(
            sum(r.evidence_countries_relevant for r in answerable_), sum(r.evidence_countries for r in answerable_)
        ),
        "country_evidence_recall": _ratio(
            sum(r.relevant_countries_found for r in answerable_), sum(r.relevant_countries for r in answerable_)
        ),
        "quoted_in_question_language": _ratio(sum(r.quoted_chars_in_language for r in cited), sum(r.quoted_chars for r in cited)),
        "quotes_from_own_version": _ratio(sum(r.own_version for r in cited), sum(r.own_version_possible for r in cited)),
        "front_matter_citations": sum(r.front_matter for r in cited),
        "abstention_accuracy": _ratio(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "false_abstention": _ratio(sum(r.abstained for r in answerable_), len(answerable_)),
        "min_relevance": min_relevance,
        "calibrated_min_relevance": calibrate(records),
        "abstention_curve": abstention_curve(records, steps),
        "latency_ms": {"p50": round(percentile(latencies, 50), 1), "p95": round(percentile(latencies, 95), 1)}
        if latencies
        else {},
        "by_kind": {
            kind: {
                "queries": len(group),
                "abstained": _ratio(sum(r.abstained for r in group), len(group)),
                "evidence_match": _ratio(
                    sum(bool(r.evidence_match) for r in group if r.evidence_match is not None),
                    sum(r.evidence_match is not None for r in group),
                ),
            }
            for kind in sorted({r.kind for r in records})
            for group in [[r for r in records if r.kind == kind]]
        },
    }


Ask = Callable[[str], dict[str, Any]]


def run_answers(
    dataset: Dataset, ask: Ask, store: Store, min_relevance: float, progress: Callable[[int, int], None] | None = None
) -> tuple[dict[str, Any], list[AnswerRecord], dict[str, dict[str, Any]]]:
    """Ask every query that the set says is answerable or not; measure each answer. Returns (summary, records, answers)."""
    queries = [(q, a) for q in dataset.queries if (a := answerable(q, dataset.qrels)) is not None]
    if not queries:
        raise DatasetError(f"{dataset.name}: no query is judged or marked no_answer; nothing to evaluate")
    ask(queries[0][0].text)  # warm-up, untimed
    stored_docs = store.stored_documents()
    doc_langs = {doc_id: str(doc.metadata.get("lang", "")) for doc_id, doc in stored_docs.items()}
    doc_countries = {doc_id: str(doc.metadata.get("country", "")) for doc_id, doc in stored_docs.items()}
    articles = gold_articles(store, [q for q, _ in queries])
    records: list[AnswerRecord] = []
    answers: dict[str, dict[str, Any]] = {}
    for i, (query, is_answerable) in enumerate(queries, start=1):
        start = time.perf_counter()
        answer = ask(query.text)
        latency = (time.perf_counter() - start) * 1000
        answers[query.query_id] = answer
        records.append(
            measure(
                query,
                answer,
                dataset.qrels.get(query.query_id, {}),
                store,
                is_answerable,
                latency,
                doc_langs,
                articles,
                doc_countries,
            )
        )
        if progress:
            progress(i, len(queries))
    return summarise(records, min_relevance), records, answers


def evaluate_answers(
    dataset: Dataset,
    embedder: Embedder,
    retrieval: RetrievalConfig = RetrievalConfig(index_dir=None),
    ingest: IngestConfig = IngestConfig(),
    assistant: Any = None,
    progress: Callable[[int, int], None] | None = None,
    server: StoreConfig | None = None,
) -> tuple[dict[str, Any], list[AnswerRecord], dict[str, dict[str, Any]]]:
    """Ingest the dataset's corpus into a temporary store (on ``server``, a Chroma server, if given) and
    measure the assistant's answers on it."""
    from assistant import answer
    from assistant.config import AssistantConfig
    from eval.harness import ingested_store, jsonable
    from kb.search import Searcher

    config: AssistantConfig = assistant or AssistantConfig()
    with ingested_store(dataset, embedder, ingest, server=server) as (store, report, _):
        searcher = Searcher(store, embedder, retrieval)

        def ask(text: str) -> dict[str, Any]:
            return answer(searcher, text, config).as_json()

        summary, records, answers = run_answers(dataset, ask, store, config.min_relevance, progress)
    summary = {
        "dataset": dataset.name,
        **summary,
        "config": {"assistant": jsonable(asdict(config)), "retrieval": jsonable(asdict(retrieval))},
        "problems": [str(err) for err in report.failed] + [str(p) for p in dataset.problems],
    }
    return summary, records, answers


def render_summary(summary: Mapping[str, Any]) -> str:
    """The answer measures as a short Markdown report."""

    def pct(value: Any) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}%"

    latency = summary.get("latency_ms") or {}
    lines = [
        f"# Answers on {summary.get('dataset', 'the test set')}",
        "",
        f"{summary['queries']} queries: {summary['answerable']} answerable, {summary['unanswerable']} unanswerable; "
        f"{summary['citations']} citations. Abstention threshold (min_relevance): {summary['min_relevance']}; "
        f"best on this set: {summary['calibrated_min_relevance']}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| citations verbatim in the cited passage | {pct(summary['citation_verbatim'])} |",
        f"| citations from documents judged relevant | {pct(summary['citation_from_relevant'])} |",
        f"| answered queries citing a gold evidence quote | {pct(summary['evidence_match'])} |",
        f"| expected countries covered or reported lacking evidence (comparative) | {pct(summary['country_coverage'])} |",
        f"| expected countries with evidence (comparative, regional) | {pct(summary['country_evidence'])} |",
        f"| countries with evidence holding a relevant document (precision) | {pct(summary.get('country_evidence_precision'))} |",
        f"| expected countries holding one, with evidence (recall) | {pct(summary.get('country_evidence_recall'))} |",
        f"| quoted characters in the question's language | {pct(summary.get('quoted_in_question_language'))} |",
        f"| quotes from the question-language version where one is stored | {pct(summary.get('quotes_from_own_version'))} |",
        f"| citations of a document's front matter (notice, self-description) | {summary.get('front_matter_citations', 'n/a')} |",
        f"| abstention accuracy on unanswerable queries | {pct(summary['abstention_accuracy'])} |",
        f"| false abstention on answerable queries | {pct(summary['false_abstention'])} |",
        f"| latency p50 / p95 (ms) | {latency.get('p50', 'n/a')} / {latency.get('p95', 'n/a')} |",
        "",
        "Abstention threshold against both error rates:",
        "",
        "| threshold | abstention accuracy | false abstention |",
        "|---|---|---|",
    ]
    lines += [
        f"| {p['threshold']} | {pct(p['abstention_accuracy'])} | {pct(p['false_abstention'])} |"
        for p in summary["abstention_curve"]
    ]
    return "\n".join(lines) + "\n"


def write_answers(
    summary: Mapping[str, Any], records: Sequence[AnswerRecord], answers: Mapping[str, Any], out: Path
) -> list[Path]:
    """answers.md (the measures), answers.json (measures, per-query records and every answer)."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    report, data = out / "answers.md", out / "answers.json"
    report.write_text(render_summary(summary), encoding="utf-8")
    payload = {"summary": summary, "per_query": [asdict(r) for r in records], "answers": answers}
    data.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return [report, data]
