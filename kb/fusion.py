"""Score fusion for hybrid retrieval: pure functions over ids that never mutate their inputs.

Dense and lexical scores live on different scales, so each is min-max normalised before a convex
combination (Bruch, Gai and Ingber 2023, "An Analysis of Fusion Functions for Hybrid Retrieval",
ACM TOIS 42(1)). Reciprocal rank fusion (Cormack, Clarke and Buettcher 2009, SIGIR) is kept for
comparison: it was the weakest fusion on our measurements (see eval/README.md).

Normalisation can be done per language group: the multilingual model scores a passage in the
query's language far above its translation, so without it the other languages never reach the
top. Normalising within each group puts the best passage of every language on the same footing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from kb.errors import InvalidValue

K = TypeVar("K", bound=Hashable)

RRF_K = 60  # the constant of Cormack et al.


def minmax(scores: Mapping[K, float]) -> dict[K, float]:
    """Scores mapped to [0, 1]; all equal (or a single one) map to 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def minmax_by_group(scores: Mapping[K, float], group_of: Callable[[K], str]) -> dict[K, float]:
    """Min-max normalisation within each group (the passages of one language, say)."""
    groups: dict[str, dict[K, float]] = {}
    for key, value in scores.items():
        groups.setdefault(group_of(key), {})[key] = value
    normalised: dict[K, float] = {}
    for members in groups.values():
        normalised.update(minmax(members))
    return normalised


def convex(
    dense: Mapping[K, float],
    lexical: Mapping[K, float],
    dense_weight: Callable[[K], float],
) -> dict[K, float]:
    """``w * dense + (1 - w) * lexical`` over normalised scores, ``w`` chosen per key (its language group).

    ``w`` is the weight of the dense score, as ``RetrievalConfig.dense_weight`` is (the one
    convention of kb). It is 1 in groups the lexical side does not search: the dense score then
    stands alone, unscaled (scaling it would rank every passage of those languages below any
    passage that has both signals, by construction). A key missing from one side scores 0 there
    (it ranked below that side's candidates).
    """
    fused: dict[K, float] = {}
    for key in dense.keys() | lexical.keys():
        weight = dense_weight(key)
        if not 0.0 <= weight <= 1.0:
            raise InvalidValue(f"a dense weight must be within [0, 1], got {weight}")
        fused[key] = weight * dense.get(key, 0.0) + (1.0 - weight) * lexical.get(key, 0.0)
    return fused


def rrf(rankings: Sequence[Sequence[K]], k: int = RRF_K) -> dict[K, float]:
    """Reciprocal rank fusion: sum over the rankings of 1 / (k + rank), ranks starting at 1."""
    fused: dict[K, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


def ranked(
    scores: Mapping[K, float], tiebreak: Mapping[K, float] | None = None, name: Callable[[K], str] | None = None
) -> list[K]:
    """Keys by descending score, ties broken by descending ``tiebreak`` score, then by ``name``.

    Per-group normalisation gives the best passage of every language the same score (1.0): the
    raw dense similarity then decides between them. A tie left after both (two languages' best
    passages found by the lexical side alone) goes by name (the chunk id), never by mapping order:
    that follows positions in the lexical index, which two stores of the same documents may number
    differently, so equal scores ranked differently in the embedded store and on a server.
    """
    second = tiebreak or {}
    label = name or str
    return [key for key, _ in sorted(scores.items(), key=lambda item: (-item[1], -second.get(item[0], 0.0), label(item[0])))]
