"""Which retrieval choices earn their place: the same test set scored with one choice changed at a time.

    policykb eval --ablation                 # the gold set over corpus/documents
    policykb eval --ablation --dataset DIR   # any BEIR folder

Prints a Markdown table (nDCG@10 and Recall@10 overall, on same-language and on cross-language
queries). The corpus is ingested once into a temporary store; every variant searches that store.
The figures in eval/README.md come from this command.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from eval.beir import Dataset
from eval.harness import ingest_corpus, run_evaluation, store_languages
from kb.config import Mode, RetrievalConfig
from kb.embed import Embedder


class Variant(NamedTuple):
    name: str
    mode: Mode
    config: RetrievalConfig


def variants(base: RetrievalConfig = RetrievalConfig()) -> list[Variant]:
    """The shipped configuration, then one change at a time."""
    plain = replace(base, normalisation="global", country_boost=0.0, year_boost=0.0, translation_lift=0.0)
    return [
        Variant("hybrid (shipped)", "hybrid", base),
        Variant("dense", "dense", base),
        Variant("lexical", "lexical", base),
        Variant("dense, plain (global normalisation, no boosts, no lift)", "dense", plain),
        Variant("hybrid, reciprocal rank fusion", "hybrid", replace(base, fusion="rrf")),
        Variant("hybrid, global normalisation", "hybrid", replace(base, normalisation="global")),
        Variant("hybrid, fused scores not normalised again per language", "hybrid", replace(base, renormalise_fused=False)),
        Variant("hybrid, BM25 in every language, no glossary", "hybrid", replace(base, lexical_scope="all", glossary=False)),
        Variant("hybrid, no glossary", "hybrid", replace(base, glossary=False)),
        Variant("hybrid, glossary weight 0.1", "hybrid", replace(base, glossary_weight=0.1)),
        Variant("hybrid, glossary weight 0.3", "hybrid", replace(base, glossary_weight=0.3)),
        Variant("hybrid, dense weight 0.3", "hybrid", replace(base, dense_weight=0.3)),
        Variant("hybrid, dense weight 0.7", "hybrid", replace(base, dense_weight=0.7)),
        Variant("hybrid, no country boost", "hybrid", replace(base, country_boost=0.0)),
        Variant("hybrid, no year boost", "hybrid", replace(base, year_boost=0.0)),
        Variant("hybrid, no translation lift", "hybrid", replace(base, translation_lift=0.0)),
        Variant("hybrid, 100 candidates per side", "hybrid", replace(base, dense_candidates=100, lexical_candidates=100)),
    ]


def run_ablation(dataset: Dataset, embedder: Embedder, chosen: Sequence[Variant], k: int = 10) -> list[dict[str, Any]]:
    """One row per variant: its name and the hybrid-style summary of its single mode."""
    from kb.config import StoreConfig
    from kb.search import Searcher
    from kb.store import Store

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="policykb-ablation-", ignore_cleanup_errors=True) as tmp:
        store = Store(StoreConfig(path=Path(tmp)))
        ingest_corpus(dataset, store, embedder)
        doc_langs = store_languages(store)
        for variant in chosen:
            searcher = Searcher(store, embedder, variant.config)

            def retrieve(text: str, mode: str, depth: int, searcher: Searcher = searcher) -> list[tuple[str, float]]:
                return [(hit.doc_id, hit.score) for hit in searcher.search_documents(text, k=depth, mode=mode)]  # type: ignore[arg-type]

            summary = run_evaluation(dataset, retrieve, (variant.mode,), k, doc_langs).summary
            rows.append({"name": variant.name, **summary["modes"][variant.mode]})
    return rows


def render(rows: Sequence[dict[str, Any]], k: int = 10) -> str:
    lines = [
        f"| variant | nDCG@{k} | Recall@{k} | same-language nDCG@{k} | cross-language nDCG@{k} |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        crossing = row.get("by_crossing", {})
        same, cross = crossing.get("same", {}), crossing.get("cross", {})
        lines.append(
            f"| {row['name']} | {row['overall'][f'ndcg@{k}']:.3f} | {row['overall'][f'recall@{k}']:.3f} "
            f"| {same.get(f'ndcg@{k}', float('nan')):.3f} | {cross.get(f'ndcg@{k}', float('nan')):.3f} |"
        )
    return "\n".join(lines)
