"""One answer scored against the stored passages it cites and the test set's judgements (see :mod:`eval.answers`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.beir import Query
from kb.query import understand
from kb.store import Store

UNANSWERABLE_KINDS = frozenset({"no_answer"})
GOLD_OVERLAP = 0.6  # share of the shorter quote's words found in the other for a cited quote to match gold evidence
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class AnswerRecord:
    """One query's answer, as measured."""

    query_id: str
    kind: str
    lang: str
    answerable: bool
    abstained: bool
    relevance: float
    latency_ms: float
    citations: int
    verbatim: int  # citations whose quote is in the stored passage of the cited document
    from_relevant: int  # citations from documents judged relevant
    evidence_match: bool | None  # None when the query has no gold evidence or was not answered
    expected_countries: tuple[str, ...]
    countries_reported: int  # expected countries the answer covers (evidence or explicit no-evidence)
    countries_with_evidence: int
    quoted_chars: int = 0
    quoted_chars_in_language: int = 0  # of quotes from passages in the question's language
    own_version_possible: int = 0  # citations of a document in the question's language or with a version in it
    own_version: int = 0  # of those, citations quoting the question-language version
    front_matter: int = 0  # citations of a document's front matter (never evidence)
    evidence_countries: int = 0  # countries the answer marks "evidence found"
    evidence_countries_relevant: int = 0  # of those, countries with a document judged relevant
    relevant_countries: int = 0  # expected countries with a document judged relevant
    relevant_countries_found: int = 0  # of those, countries the answer marks "evidence found"


def answerable(query: Query, qrels: Mapping[str, Mapping[str, int]]) -> bool | None:
    """True or False for an answerable or unanswerable query; None when the set says nothing about it."""
    if query.kind in UNANSWERABLE_KINDS:
        return False
    grades = qrels.get(query.query_id)
    if grades is None:
        return None
    return any(g > 0 for g in grades.values())


def _space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def overlaps(quote: str, gold: str) -> bool:
    """Whether a cited quote and a gold evidence quote share most of the shorter one's words."""
    a, b = _words(quote), _words(gold)
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= GOLD_OVERLAP


def measure(
    query: Query,
    answer: dict[str, Any],
    grades: Mapping[str, int],
    store: Store,
    is_answerable: bool,
    latency_ms: float,
    doc_langs: Mapping[str, str] | None = None,
    gold_articles: Mapping[tuple[str, str], str] | None = None,
    doc_countries: Mapping[str, str] | None = None,
) -> AnswerRecord:
    """Score one answer (the ``policykb ask --json`` object) against the stored passages and the judgements.

    ``doc_langs`` (document id -> language, as stored) tells which cited documents had a version in
    the question's language; without it the language measures count what the citations say.
    ``gold_articles`` (from :func:`gold_articles`) lets a quote of the same article in another
    version of the gold document count as evidence."""
    citations = answer["citations"]
    stored = store.get_chunks([c["chunk_id"] for c in citations])
    expected = tuple(query.countries or understand(query.text).all_countries)
    return AnswerRecord(
        query_id=query.query_id,
        kind=query.kind,
        lang=query.lang,
        answerable=is_answerable,
        abstained=bool(answer["abstained"]),
        relevance=float(answer.get("relevance", 0.0)),
        latency_ms=round(latency_ms, 1),
        citations=len(citations),
        evidence_match=_evidence_match(query, answer, gold_articles or {}),
        expected_countries=expected,
        **_citation_counts(query, citations, stored, grades, doc_langs or {}),
        **_country_counts(expected, answer["coverage"], grades, doc_countries or {}),
    )


def _citation_counts(
    query: Query,
    citations: list[dict[str, Any]],
    stored: Mapping[str, tuple[str, dict[str, Any]]],
    grades: Mapping[str, int],
    langs: Mapping[str, str],
) -> dict[str, int]:
    """What the citations quote: verbatim, from relevant documents, in the question's language, front matter."""
    quoted = [(len(c["quote"]), c.get("lang") == query.lang) for c in citations]
    own_possible = [
        c
        for c in citations
        if c.get("lang") == query.lang or any(langs.get(v) == query.lang for v in c.get("other_versions", ()))
    ]
    verbatim = 0
    for c in citations:
        text, meta = stored.get(c["chunk_id"], ("", {}))
        if meta.get("doc_id") == c["doc_id"] and _space(c["quote"]) and _space(c["quote"]) in _space(text):
            verbatim += 1
    # A version of a relevant document (the Arabic text of a law judged relevant in French) is the same
    # text: test sets often judge one version only.
    from_relevant = sum(any(grades.get(d, 0) > 0 for d in (c["doc_id"], *c.get("other_versions", ()))) for c in citations)
    return {
        "verbatim": verbatim,
        "from_relevant": from_relevant,
        "quoted_chars": sum(n for n, _ in quoted),
        "quoted_chars_in_language": sum(n for n, same in quoted if same),
        "own_version_possible": len(own_possible),
        "own_version": sum(c.get("lang") == query.lang for c in own_possible),
        "front_matter": sum(bool(stored.get(c["chunk_id"], ("", {}))[1].get("lead")) for c in citations),
    }


def _evidence_match(query: Query, answer: dict[str, Any], articles: Mapping[tuple[str, str], str]) -> bool | None:
    """Whether a citation quotes gold evidence (None: the query has none, or the answer abstained)."""
    if not query.evidence or answer["abstained"]:
        return None
    return any(
        overlaps(c["quote"], quote) or same_provision(c, doc_id, articles.get((doc_id, quote), ""))
        for c in answer["citations"]
        for doc_id, quote in query.evidence
    )


def _country_counts(
    expected: tuple[str, ...], coverage: Mapping[str, str], grades: Mapping[str, int], countries_of: Mapping[str, str]
) -> dict[str, int]:
    """How the answer's country coverage meets the countries asked about and those with relevant documents."""
    judged = {countries_of[d] for d, g in grades.items() if g > 0 and countries_of.get(d)}
    marked = [c for c, status in coverage.items() if status == "evidence"]
    return {
        "countries_reported": sum(c in coverage for c in expected),
        "countries_with_evidence": sum(coverage.get(c) == "evidence" for c in expected),
        "evidence_countries": len(marked) if countries_of else 0,
        "evidence_countries_relevant": sum(c in judged for c in marked),
        "relevant_countries": sum(c in judged for c in expected),
        "relevant_countries_found": sum(c in judged and coverage.get(c) == "evidence" for c in expected),
    }


def same_provision(citation: Mapping[str, Any], gold_doc: str, gold_article: str) -> bool:
    """Whether ``citation`` quotes the article holding a gold quote, in another version of its document."""
    from assistant.evidence import article_number

    return (
        bool(gold_article and citation.get("article"))
        and gold_doc in citation.get("other_versions", ())
        and article_number(str(citation["article"])) == article_number(gold_article)
    )


def gold_articles(store: Store, queries: Sequence[Query]) -> dict[tuple[str, str], str]:
    """The article of the stored passage that holds each gold evidence quote ("" outside articles)."""
    passages: dict[str, list[tuple[str, str]]] = {}
    found: dict[tuple[str, str], str] = {}
    for query in queries:
        for doc_id, quote in query.evidence:
            if doc_id not in passages:
                got = store.chunks.get(where={"doc_id": doc_id}, include=["documents", "metadatas"])
                passages[doc_id] = [
                    (_space(t or ""), str(m.get("article", ""))) for t, m in zip(got["documents"], got["metadatas"], strict=True)
                ]
            wanted = _space(quote)
            found[(doc_id, quote)] = next((a for t, a in passages[doc_id] if wanted in t), "")
    return found
