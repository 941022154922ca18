"""Fusion functions: hand-computed cases, oracles at the extreme weights, inputs left untouched."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb import fusion

scores = st.dictionaries(st.text(min_size=1, max_size=4), st.floats(min_value=-5, max_value=50, allow_nan=False), max_size=12)


def test_minmax_maps_to_unit_interval() -> None:
    assert fusion.minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert fusion.minmax({"a": 7.0}) == {"a": 1.0}
    assert fusion.minmax({}) == {}


def test_minmax_by_group_puts_each_group_best_at_one() -> None:
    # The French passage scores far below the Arabic ones, as the dense model scores a translation.
    raw = {"ar1": 0.90, "ar2": 0.80, "fr1": 0.60, "fr2": 0.50}
    normalised = fusion.minmax_by_group(raw, lambda key: key[:2])
    assert normalised == {"ar1": 1.0, "ar2": 0.0, "fr1": 1.0, "fr2": 0.0}


def test_convex_hand_computed() -> None:
    dense = {"a": 1.0, "b": 0.5}
    lexical = {"b": 1.0, "c": 0.25}
    fused = fusion.convex(dense, lexical, lambda _: 0.6)
    # dense weight 0.6 -> a: 0.6*1 + 0.4*0 ; b: 0.6*0.5 + 0.4*1 ; c: 0.6*0 + 0.4*0.25
    assert fused == pytest.approx({"a": 0.6, "b": 0.7, "c": 0.1})


def test_convex_keeps_dense_alone_in_groups_without_lexical_signal() -> None:
    dense = {"ar": 0.9, "fr": 0.8}
    fused = fusion.convex(dense, {"fr": 1.0}, lambda key: 0.5 if key == "fr" else 1.0)
    assert fused["ar"] == 0.9, "an Arabic passage, not searched lexically, keeps its dense score unscaled"
    assert fused["fr"] == pytest.approx(0.9)


@given(scores, scores)
def test_convex_with_dense_weight_zero_ranks_like_lexical(dense: dict[str, float], lexical: dict[str, float]) -> None:
    lexical_n = fusion.minmax(lexical)
    fused = fusion.convex(fusion.minmax(dense), lexical_n, lambda _: 0.0)
    for key, value in lexical_n.items():
        assert fused[key] == value
    assert all(fused[key] == 0.0 for key in fused.keys() - lexical_n.keys())


@given(scores, scores)
def test_convex_with_dense_weight_one_ranks_like_dense(dense: dict[str, float], lexical: dict[str, float]) -> None:
    dense_n = fusion.minmax(dense)
    fused = fusion.convex(dense_n, fusion.minmax(lexical), lambda _: 1.0)
    for key, value in dense_n.items():
        assert fused[key] == value


@given(scores, scores, st.floats(min_value=0, max_value=1))
def test_fusion_never_mutates_its_inputs(dense: dict[str, float], lexical: dict[str, float], weight: float) -> None:
    before = (dict(dense), dict(lexical))
    fusion.convex(dense, lexical, lambda _: weight)
    fusion.rrf([fusion.ranked(dense), fusion.ranked(lexical)])
    fusion.minmax_by_group(dense, lambda key: key[:1])
    assert (dense, lexical) == before


def test_convex_rejects_a_weight_outside_the_unit_interval() -> None:
    with pytest.raises(ValueError, match="dense weight"):
        fusion.convex({"a": 1.0}, {}, lambda _: 1.5)


def test_rrf_hand_computed() -> None:
    fused = fusion.rrf([["a", "b"], ["b", "c"]], k=60)
    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 62})
    assert fusion.ranked(fused) == ["b", "a", "c"]


def test_rrf_does_not_merge_equal_texts_with_different_ids() -> None:
    # Fusion works on ids: the same clause can stand verbatim in two policies and both are kept.
    fused = fusion.rrf([["ma/law#1", "tn/law#1"]])
    assert set(fused) == {"ma/law#1", "tn/law#1"}
