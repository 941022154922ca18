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

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from kb.embed import DIM
from kb.lexical import LexicalIndex
from kb.store import Store

# Cosine similarity of document centroids above which mutual nearest neighbours count as
# translations. Measured on the sample corpus: its 15 labelled pairs score 0.88 to 0.94, while
# non-translations of the same country reach 0.91, so similarity alone cannot decide; mutual
# nearest neighbours at 0.90 found 11 of the 15 pairs and no false pair (at 0.88: 14, and one
# false pair). A wrong link costs more than a missed one (it lifts an unrelated document).
MIN_CENTROID_SIMILARITY = 0.90
MAX_LENGTH_RATIO = 2.0  # a translation has about as many passages as its original

logger = logging.getLogger(__name__)


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
    """Unit-length mean passage embedding (float32) of every indexed document, read in batches."""
    doc_number = {doc_id: i for i, doc_id in enumerate(dict.fromkeys(index.doc_ids))}
    sums = np.zeros((len(doc_number), DIM), dtype=np.float32)
    for chunk_id, vector in store.iter_embeddings(index.chunk_ids):
        position = index.position.get(chunk_id)
        if position is not None and vector.shape == (DIM,):
            sums[doc_number[index.doc_ids[position]]] += vector
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    sums /= np.where(norms > 0, norms, 1.0)
    return {doc_id: sums[i] for doc_id, i in doc_number.items()}


def detected_pairs(
    records: Mapping[str, Mapping[str, Any]], vectors: Mapping[str, np.ndarray], threshold: float = MIN_CENTROID_SIMILARITY
) -> set[frozenset[str]]:
    """Mutual nearest neighbours across languages within a country, above ``threshold``.

    Compared country by country (documents of unknown country among themselves), so the work and
    memory grow with the largest country, not with the whole store.
    """
    by_country: dict[str, list[str]] = {}
    for doc_id in records:
        if doc_id in vectors:
            by_country.setdefault(str(records[doc_id].get("country", "")), []).append(doc_id)
    pairs: set[frozenset[str]] = set()
    for doc_ids in by_country.values():
        if len(doc_ids) < 2:
            continue
        matrix = np.stack([vectors[doc_id] for doc_id in doc_ids]).astype(np.float32)
        langs = np.array([str(records[d].get("lang", "")) for d in doc_ids])
        chunks = np.array([max(int(records[d].get("chunks", 1) or 1), 1) for d in doc_ids], dtype=np.float32)
        eligible = (langs[:, None] != langs[None, :]) & (
            np.maximum(chunks[:, None], chunks[None, :]) <= MAX_LENGTH_RATIO * np.minimum(chunks[:, None], chunks[None, :])
        )
        similarity = np.where(eligible, matrix @ matrix.T, -np.inf)
        nearest = similarity.argmax(axis=1)
        for i, j in enumerate(nearest):
            if np.isfinite(similarity[i, j]) and nearest[j] == i and similarity[i, j] >= threshold:
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


def load_or_find_translations(
    records: Mapping[str, Mapping[str, Any]], store: Store, index: LexicalIndex, directory: Path | None
) -> dict[str, tuple[str, ...]]:
    """The links saved beside the lexical index when they belong to the same store version, else found and saved.

    Finding them reads every passage embedding once; a serving process should not pay that at start-up.
    Saved links are used only when they name the index's key and are well formed: documents of the
    store, linked both ways, never to themselves. Anything else (a damaged or hand-edited file, one
    from another store) is found again.
    """
    path = directory.with_name(f"{directory.name}.translations.json") if directory is not None else None
    if path is not None and path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("key") == index.key:
                links = _valid_links(saved["links"], records)
                if links is not None:
                    return links
                logger.warning("%s: the saved translation links do not fit the store; they are found again", path)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
            logger.warning("%s: the saved translation links are unreadable (%s); they are found again", path, err)
    links = find_translations(records, store, index)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file of its own: two processes may save at once (the app and an ingest).
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"key": index.key, "links": links}, out, ensure_ascii=False)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    return links


def _valid_links(links: object, records: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, ...]] | None:
    """The saved links as the search uses them, or None when they are not links between these documents."""
    if not isinstance(links, dict):
        return None
    found: dict[str, tuple[str, ...]] = {}
    for doc_id, others in links.items():
        if doc_id not in records or not isinstance(others, list) or not others:
            return None
        if not all(isinstance(other, str) and other in records and other != doc_id for other in others):
            return None
        found[doc_id] = tuple(others)
    if any(doc_id not in found.get(other, ()) for doc_id, others in found.items() for other in others):
        return None  # a link is always saved from both ends
    return found
