"""Both language versions of a translation pair state the same thresholds (issue #23).

A threshold is a figure with the comparison that governs it. The Moroccan SME charter summary once
said « inférieur à 200 » where the law says « ne dépassant pas deux cents »: a fix made in one
language must not leave the other behind, so every pair is read for its figures and comparisons.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.fixtures.documents import corpus_module

REPO = Path(__file__).resolve().parents[2]


def figures_module() -> ModuleType:
    return corpus_module("figures")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("un effectif ne dépassant pas 200 personnes", [(200, "<=")]),
        ("un effectif inférieur à 200 personnes", [(200, "<")]),
        ("moins de 250 000 dirhams par emploi", [(250_000, "<")]),
        ("50 millions d'euros au plus", [(50e6, "<=")]),
        ("fewer than 250 persons | not more than EUR 50 million", [(250, "<"), (50e6, "<=")]),
        ("an investment above USD 300,000", [(300_000, ">")]),
        ("from EGP 1 million to less than EGP 2 million", [(1e6, ">="), (2e6, "<")]),
        ("JD41 million and JD 41 billion", [(41e6, ""), (41e9, "")]),
        ("لا يقل عن 300 ألف دولار", [(300_000, ">=")]),
        ("ألّا يتجاوز عدد عمالها 250 عاملا", [(250, "<=")]),
        ("ويقلّ رقم أعمالها عن 40 مليون دينار", [(40e6, "<")]),
        ("تشغّل ٢٥٠ أردنيًا على الأقل", [(250, ">=")]),
        ("تشغّل من 10 إلى 49 شخصا", [(10, ">="), (49, "<=")]),
        ("يتراوح رقم أعمالها بين 400 مليون و4 ملايير دينار", [(400e6, ">="), (4e9, "<=")]),
        ("ولا يتجاوز رقم أعمالها 400 مليون دينار أو مجموع حصيلتها 200 مليون دينار", [(400e6, "<="), (200e6, "<=")]),
        ("la loi n° 18-01 de 2001, article 7", []),
        ("القانون رقم 152 لسنة 2020", []),
    ],
)
def test_figures_and_their_comparisons_are_read_in_three_languages(text: str, expected: list[tuple[float, str]]) -> None:
    assert [(f.value, f.comparison) for f in figures_module().figures(text)] == expected


def test_every_translation_pair_states_the_same_thresholds() -> None:
    module = figures_module()
    pairs = module.translation_pairs()
    assert len(pairs) >= 15
    problems = [problem for first, second in pairs for problem in module.disagreements(first, second)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        ("dz/loi-orientation-pme.fr.md", "n'excédant pas 400 millions", "supérieur à 400 millions"),
        ("dz/loi-orientation-pme.ar.md", "من 10 إلى 49", "أكثر من 10 و49"),
        ("eu/sme-definition-recommendation.fr.md", "moins de 250 personnes", "au moins 250 personnes"),
    ],
)
def test_a_fix_made_in_one_language_only_is_caught(path: str, before: str, after: str, tmp_path: Path) -> None:
    """Change one comparison in one version of a real pair: the check must see the pair disagree."""
    module = figures_module()
    sources = REPO / "corpus" / "sources"
    original = sources / path
    text = original.read_text(encoding="utf-8")
    assert before in text, f"{path} no longer says {before!r}: pick another threshold for this test"
    meta = module.body(original)[0]
    partner = sources / f"{meta['translation_of']}.md"
    assert not module.disagreements(original, partner)
    edited = tmp_path / original.name
    edited.write_text(text.replace(before, after, 1), encoding="utf-8")
    assert module.disagreements(edited, partner)
