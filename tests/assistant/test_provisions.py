"""Framing sentences (definitions, purposes, scope) are told from provisions in three languages."""

from __future__ import annotations

import pytest

from assistant.provisions import asks_for_a_number, asks_for_figures, asks_for_framing, is_framing, states_figures


@pytest.mark.parametrize(
    ("sentence", "heading"),
    [
        ("Est un investissement tout emploi durable de capitaux par un investisseur.", "Article 3 – Définitions"),
        ("La présente loi a pour objet de fixer le cadre de l'investissement.", "Article premier"),
        ("This Law aims to improve the investment environment in the Kingdom.", "Article 3"),
        ("For the purposes of this Law, an enterprise shall mean any entity engaged in an economic activity.", ""),
        ("يهدف هذا القانون إلى تحسين مناخ الاستثمار.", "المادة 2"),
        ("المؤسسة الناشئة هي كل شركة خاضعة للقانون الجزائري.", "المادة 2 – التعاريف"),
    ],
)
def test_definitions_purposes_and_scope_are_framing(sentence: str, heading: str) -> None:
    assert is_framing(sentence, heading)


@pytest.mark.parametrize(
    ("sentence", "heading"),
    [
        ("Le fonds prend en charge 50 % du coût des études dans la limite de 20 000 dinars.", "Article 9 – Primes"),
        ("Companies in the zone are exempt from customs duties on imported equipment.", "Article 12 – Incentives"),
        ("تستفيد المشاريع من إعفاء ضريبي لمدة خمس سنوات.", "المادة 7 – الحوافز"),
    ],
)
def test_grants_exemptions_and_conditions_are_provisions(sentence: str, heading: str) -> None:
    assert not is_framing(sentence, heading)


def test_a_question_asking_for_a_definition_or_an_objective_is_told_apart() -> None:
    asked = ["How does Jordan define small enterprises?", "Quels sont les objectifs du plan ?", "ما هو تعريف المؤسسة الناشئة؟"]
    assert all(asks_for_framing(q) for q in asked)
    other = [
        "What incentives does Tunisia give to investors?",
        "Quelles primes la Tunisie accorde-t-elle ?",
        "ما هي الحوافز في الأردن؟",
    ]
    assert not any(asks_for_framing(q) for q in other)


@pytest.mark.parametrize(
    "question",
    [
        "Quels sont les seuils de la charte marocaine de la PME ?",
        "What investment threshold applies in the Tripoli special economic zone?",
        "How much of the shipping cost does Jordan cover?",
        "ما هي معايير تعريف المقاولة الصغرى والمتوسطة في المغرب؟",
        "كم تبلغ نسبة الإعفاء من ضريبة الدخل؟",
    ],
)
def test_a_question_asking_for_a_figure_is_recognised(question: str) -> None:
    assert asks_for_figures(question)


@pytest.mark.parametrize(
    "question",
    ["How do Morocco and Tunisia fund cluster governance bodies?", "Quelle institution gère les technopôles en Tunisie ?"],
)
def test_a_question_asking_for_no_figure_is_told_apart(question: str) -> None:
    assert not asks_for_figures(question)


@pytest.mark.parametrize(
    ("sentence", "quantified"),
    [
        ("un effectif permanent ne dépassant pas 200 personnes ;", True),
        ("d'un montant égal ou supérieur à 2 milliards de dinars", True),
        ("أن يكون 50 في المائة على الأقل من رأسمالها مملوكا لأشخاص طبيعيين", True),
        ("بما يعادل ٣٠٠ ألف دولار أميركي", True),
        # The number of a law, an article or a year says which text, not how much.
        ("Dans le texte officiel, ces seuils sont fixés par l'article premier de la loi n° 53-00.", False),
        ("صدر القانون رقم 18-01 لسنة 2001 والمادة 4 منه", False),
        ("The strategy was adopted in 2016 under Article 12.", False),
    ],
)
def test_a_sentence_states_a_figure_when_it_holds_a_quantity(sentence: str, quantified: bool) -> None:
    assert states_figures(sentence) is quantified


def test_only_a_question_whose_answer_is_a_number_needs_a_sentence_stating_one() -> None:
    for question in (
        "How many start-ups were labelled in 2023?",
        "Combien de start-up ?",
        "كم عدد المؤسسات؟",
        "Quel est le taux ?",
    ):
        assert asks_for_a_number(question), question
    # A mechanism, not an amount; a duration is often written in words ("trois ans").
    for question in ("Comment le budget des pôles est-il financé au Maroc ?", "What is the duration of the label?"):
        assert not asks_for_a_number(question), question
