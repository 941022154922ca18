"""Sentence splitting and the quote check: every quotable sentence is verbatim in its passage."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.verify import is_verbatim, normalise_space
from ingest.sentences import MAX_WORDS, split_heading, split_sentences

FRENCH = """Chapitre premier : Champ d'application
Article premier – Sociétés visées
Un article 8 bis est ajouté à la décision de base n° 6116. Pour son application, les «
sociétés » bénéficiaires sont :
1. les start-up ;
2. les incubateurs au Liban. Le texte cite l'art. 5 du code.
2. Définition du cluster
Au sens du programme, un cluster fédère des entreprises."""


def test_french_sentences_skip_headings_and_keep_abbreviations_and_list_markers() -> None:
    sentences = [s.text for s in split_sentences(FRENCH, ("Article premier",))]
    assert sentences == [
        "Un article 8 bis est ajouté à la décision de base n° 6116.",
        "Pour son application, les « sociétés » bénéficiaires sont : 1. les start-up ; 2. les incubateurs au Liban.",
        "Le texte cite l'art. 5 du code.",
        "Au sens du programme, un cluster fédère des entreprises.",
    ], "fr: headings dropped (also the numbered one inside the passage), 'n°', 'art.' and '1.' do not end sentences"


def test_arabic_sentences_end_at_full_stops_and_question_marks() -> None:
    text = (
        "المادة 3\nتنشأ حدائق تكنولوجية تستضيف شركات البرمجيات. "
        "وتستفيد الشركات المقيمة فيها من إعفاءات جمركية؟ نعم بالتأكيد هذا صحيح."
    )
    sentences = [s.text for s in split_sentences(text, ("المادة 3",))]
    assert sentences[0] == "تنشأ حدائق تكنولوجية تستضيف شركات البرمجيات.", "ar: the article heading is not quoted"
    assert sentences[1] == "وتستفيد الشركات المقيمة فيها من إعفاءات جمركية؟", "ar: ؟ ends a sentence"


def test_heading_split_keeps_a_body_line_that_continues_a_sentence() -> None:
    heading, body = split_heading("Article 7 – Environnement des affaires\nUn chapitre regroupe des mesures\nde soutien.")
    assert heading == "Article 7 – Environnement des affaires"
    assert body == "Un chapitre regroupe des mesures\nde soutien."


def test_long_sentences_are_cut_at_clause_marks() -> None:
    clause = " ".join(["mot"] * 40)
    sentences = split_sentences(f"{clause} ; {clause} ; {clause}.")
    assert len(sentences) == 3 and all(len(s.text.split()) <= MAX_WORDS for s in sentences)


@given(st.text(alphabet=st.sampled_from(list("abc Été.;:!?؟\n«»نص 12")), max_size=300))
def test_every_sentence_is_verbatim_in_its_passage(text: str) -> None:
    for sentence in split_sentences(text):
        assert is_verbatim(sentence.text, text), repr(sentence.text)


def test_the_quote_check_forgives_whitespace_only() -> None:
    passage = "Le budget est financé\nà parts égales par une subvention."
    assert is_verbatim("Le budget est financé à parts égales", passage)
    assert not is_verbatim("Le budget est finance à parts égales", passage), "an accent differs"
    assert not is_verbatim("le budget est financé", passage), "case differs"
    assert not is_verbatim("", passage), "an empty quote is not a quote"
    assert normalise_space(" a\n\tb  ") == "a b"


def test_a_labelled_heading_left_at_the_foot_of_a_passage_is_not_quoted() -> None:
    # A PDF page break put the next title's heading at the end of the article before it.
    text = (
        "Article 3 – Définitions\nEst un investissement tout emploi durable de capitaux par un investisseur\n"
        "pour réaliser un projet.\nTitres II et III : Accès au marché, garanties et obligations"
    )
    assert [s.text for s in split_sentences(text, ("Article 3",))] == [
        "Est un investissement tout emploi durable de capitaux par un investisseur pour réaliser un projet."
    ]
    unlabelled = "Article 3\nLe fonds finance les projets.\nLes entreprises membres du cluster cotisent chaque année"
    assert [s.text for s in split_sentences(unlabelled, ("Article 3",))][-1].startswith("Les entreprises"), (
        "an unpunctuated last line without a heading label is a sentence the PDF left open, kept"
    )
