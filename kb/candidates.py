"""The passages each side of a search proposes, and how their scores are fused per language group.

Dense candidates come from Chroma's nearest neighbours, lexical ones from BM25 over the derived
index (kb.lexical), in the query's language and, through the glossary, in the others. Both are
min-max normalised per language group and fused (kb.fusion): the multilingual model scores a
passage in the query's language far above its translation, so without per-group normalisation
the other languages never reach the top. Passages are positions in the lexical index.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from kb import fusion
from kb.analysis import analyze
from kb.config import Mode, RetrievalConfig
from kb.glossary import Glossary
from kb.lexical import LexicalIndex
from kb.store import Store

# Chroma's ``where`` filter cost grows with the number of rows it matches (measured at 100k chunks:
# about 6.5 us per matching row, 81 ms for one country in eight), while an unfiltered query that
# returns only ids and distances grows with the number of results (about 8.3 us each: 3,601
# results in 30 ms). So a filter is applied in Python to an over-fetched unfiltered result when
# fetching that many results costs less than letting Chroma filter the matching rows; otherwise
# it goes to Chroma. See BENCHMARKS.md.
RESULT_COST_IN_ROWS = 1.3
OVERFETCH_FACTOR = 1.5
MAX_OVERFETCH = 5000


def dense_candidates(
    store: Store, index: LexicalIndex, vector: np.ndarray, where: dict[str, Any] | None, mask: np.ndarray | None, wanted: int
) -> dict[int, float]:
    """Positions and cosine similarities of the ``wanted`` nearest passages that pass the filters
    (``where`` for Chroma, ``mask`` over the index's positions for Python; None for no filter)."""
    position = index.position
    if mask is None:
        found = store.nearest(vector, wanted, None)
        return {position[cid]: sim for cid, sim in found if cid in position}
    total = len(index)
    share = float(mask.mean()) if total else 0.0
    if share == 0.0:
        return {}
    n = min(total + 10, int(wanted / share * OVERFETCH_FACTOR) + 1, MAX_OVERFETCH)
    if RESULT_COST_IN_ROWS * n <= share * total:
        found = store.nearest(vector, n, None)
        kept = {position[cid]: sim for cid, sim in found if cid in position and mask[position[cid]]}
        if len(kept) >= wanted or len(found) < n:  # enough, or everything was fetched
            return kept
    found = store.nearest(vector, wanted, where)
    return {position[cid]: sim for cid, sim in found if cid in position}


def lexical_candidates(
    index: LexicalIndex,
    query: str,
    lang: str,
    mask: np.ndarray | None,
    mode: Mode,
    config: RetrievalConfig,
    glossary: Glossary | None,
) -> dict[int, float]:
    """Positions and BM25 scores of the best passages in each language group searched: the query's
    (every group with ``lexical_scope="all"`` or in lexical mode), and the others through ``glossary``."""
    groups = index.groups
    scope = set(groups) if config.lexical_scope == "all" or mode == "lexical" else {lang} & set(groups)
    tokens = {g: analyze(query, g) for g in scope}
    if glossary is not None:
        for g in set(groups) - {lang}:
            tokens[g] = tokens.get(g, []) + glossary.expand(query, lang, g)
    found: dict[int, float] = {}
    for hits in index.search(tokens, mask, config.lexical_candidates).values():
        found.update(hits)
    return found


def dense_weights(groups: Iterable[str], lang: str, config: RetrievalConfig) -> dict[str, float]:
    """The dense share of the fused score in each language group (lexical gets the rest)."""
    if config.lexical_scope == "all":
        return dict.fromkeys(groups, config.dense_weight)
    # The other languages are searched lexically only through the glossary, at its lexical share;
    # without it, the dense score stands alone there.
    other = 1.0 - config.glossary_weight if config.glossary else 1.0
    weights = dict.fromkeys(groups, other)
    weights[lang] = config.dense_weight
    return weights


def fuse(
    index: LexicalIndex, dense: dict[int, float], lexical: dict[int, float], lang: str, mode: Mode, config: RetrievalConfig
) -> dict[int, float]:
    """One score per passage: normalised per language group (or globally) and fused as ``config`` says."""
    langs = index.langs

    def group_of(position: int) -> str:
        return langs[position]

    if config.normalisation == "per_lang":
        dense_n, lexical_n = fusion.minmax_by_group(dense, group_of), fusion.minmax_by_group(lexical, group_of)
    else:
        dense_n, lexical_n = fusion.minmax(dense), fusion.minmax_by_group(lexical, group_of)
    if mode == "dense":
        return dense_n
    if mode == "lexical":
        return lexical_n
    if config.fusion == "rrf":
        return fusion.rrf([fusion.ranked(dense), fusion.ranked(lexical)])
    weights = dense_weights(index.groups, lang, config)
    fused = fusion.convex(dense_n, lexical_n, lambda position: weights.get(langs[position], 1.0))
    if config.normalisation == "per_lang" and config.renormalise_fused:
        # A group scored by two signals only reaches 1.0 where both agree, a group scored by the
        # dense side alone always does: normalise the fused scores again so every language's
        # best passage stands level, and the raw similarity decides between them.
        return fusion.minmax_by_group(fused, group_of)
    return fused
