"""Link documents that translate each other, so that a hit on one version shows and lifts the other.

Two sources: the ``translation_of`` metadata field (a document id, or an id without its file
extension), and, for documents nobody labelled, mutual nearest neighbours across languages: the
mean passage embedding of a document is compared with those of the other-language documents of
the same country, and two documents are linked when each is the other's nearest and the
similarity clears a threshold measured on the labelled pairs of the sample corpus (see
eval/README.md). Limits: a translation of a different length (an abridged version) or one split
into several files is not detected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from kb.lexical import LexicalIndex
from kb.store import Store

# Cosine similarity of document centroids above which mutual nearest neighbours count as
# translations. Measured on the sample corpus: its 15 labelled pairs score 0.88 to 0.94, while
# non-translations of the same country reach 0.91, so similarity alone cannot decide; mutual
# nearest neighbours at 0.90 found 11 of the 15 pairs and no false pair (at 0.88: 14, and one
# false pair). A wrong link costs more than a missed one (it lifts an unrelated document).
MIN_CENTROID_SIMILARITY = 0.90
MAX_LENGTH_RATIO = 2.0  # a translation has about as many passages as its original


def _resolve(reference: str, doc_ids: set[str], by_stem: Mapping[str, list[str]]) -> list[str]:
    reference = reference.strip()
    if not reference:
        return []
    if reference in doc_ids:
        return [reference]
    return by_stem.get(reference, [])


def _stem(doc_id: str) -> str:
    path = PurePosixPath(doc_id)
    return str(path.with_suffix("")) if path.suffix else doc_id


def declared_pairs(records: Mapping[str, Mapping[str, Any]]) -> set[frozenset[str]]:
    """Pairs named by ``translation_of`` (either side may name the other)."""
    doc_ids = set(records)
    by_stem: dict[str, list[str]] = {}
    for doc_id in doc_ids:
        by_stem.setdefault(_stem(doc_id), []).append(doc_id)
    pairs: set[frozenset[str]] = set()
    for doc_id, meta in records.items():
        for other in _resolve(str(meta.get("translation_of") or ""), doc_ids, by_stem):
            if other != doc_id:
                pairs.add(frozenset((doc_id, other)))
    return pairs


def centroids(store: Store, index: LexicalIndex) -> dict[str, np.ndarray]:
    """Unit-length mean passage embedding of every indexed document."""
    sums: dict[str, np.ndarray] = {}
    for chunk_id, vector in store.iter_embeddings(index.chunk_ids):
        position = index.position.get(chunk_id)
        if position is None:
            continue
        doc_id = index.doc_ids[position]
        sums[doc_id] = sums[doc_id] + vector if doc_id in sums else np.array(vector, dtype=np.float64)
    return {doc_id: total / (np.linalg.norm(total) or 1.0) for doc_id, total in sums.items()}


def detected_pairs(
    records: Mapping[str, Mapping[str, Any]], vectors: Mapping[str, np.ndarray], threshold: float = MIN_CENTROID_SIMILARITY
) -> set[frozenset[str]]:
    """Mutual nearest neighbours across languages within a country, above ``threshold``."""
    doc_ids = [doc_id for doc_id in records if doc_id in vectors]
    if len(doc_ids) < 2:
        return set()
    matrix = np.stack([vectors[doc_id] for doc_id in doc_ids])
    similarity = matrix @ matrix.T
    langs = [str(records[d].get("lang", "")) for d in doc_ids]
    countries = [str(records[d].get("country", "")) for d in doc_ids]
    chunks = [max(int(records[d].get("chunks", 1) or 1), 1) for d in doc_ids]
    eligible = np.array(
        [
            [
                langs[i] != langs[j]
                and (not countries[i] or not countries[j] or countries[i] == countries[j])
                and max(chunks[i], chunks[j]) <= MAX_LENGTH_RATIO * min(chunks[i], chunks[j])
                for j in range(len(doc_ids))
            ]
            for i in range(len(doc_ids))
        ]
    )
    masked = np.where(eligible, similarity, -np.inf)
    nearest = masked.argmax(axis=1)
    pairs: set[frozenset[str]] = set()
    for i, j in enumerate(nearest):
        if np.isfinite(masked[i, j]) and nearest[j] == i and masked[i, j] >= threshold:
            pairs.add(frozenset((doc_ids[i], doc_ids[int(j)])))
    return pairs


def find_translations(records: Mapping[str, Mapping[str, Any]], store: Store, index: LexicalIndex) -> dict[str, tuple[str, ...]]:
    """Every document's other-language versions, declared or detected."""
    pairs = declared_pairs(records) | detected_pairs(records, centroids(store, index))
    linked: dict[str, set[str]] = {}
    for pair in pairs:
        first, second = sorted(pair)
        linked.setdefault(first, set()).add(second)
        linked.setdefault(second, set()).add(first)
    return {doc_id: tuple(sorted(others)) for doc_id, others in linked.items()}
