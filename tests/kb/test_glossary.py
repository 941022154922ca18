"""The trilingual glossary: the bundled file, bad files, concept matching and expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.analysis import analyze
from kb.glossary import LANGS, Glossary, GlossaryError, load_glossary


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary()


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "glossary.tsv"
    path.write_text(body, encoding="utf-8")
    return path


def test_bundled_glossary_loads_with_every_concept_in_every_language(glossary: Glossary) -> None:
    assert len(glossary.concepts) >= 60, "the bundled glossary covers the policy vocabulary"
    for concept in glossary.concepts:
        for lang in LANGS:
            assert glossary.terms_of(concept, lang), f"{lang}: concept '{concept}' has no term"
    assert load_glossary() is glossary, "the bundled glossary is read once per process"


def test_bundled_arabic_lists_maghreb_and_mashreq_variants(glossary: Glossary) -> None:
    arabic = {term.text for term in glossary.terms_of("technology_park", "ar")}
    assert {"حظيرة تكنولوجية", "حديقة تكنولوجية", "تكنوبول"} <= arabic, "ar: technology park variants"
    sme = {term.text for term in glossary.terms_of("sme", "ar")}
    assert {"المؤسسات الصغيرة والمتوسطة", "المنشآت الصغيرة والمتوسطة"} <= sme, "ar: SME variants"


def test_expand_english_technology_parks_into_french_and_arabic(glossary: Glossary) -> None:
    text = "Funding of technology parks in the region"
    french = glossary.expand(text, "en", "fr")
    assert set(analyze("technopôle parc technologique", "fr")) <= set(french), f"en->fr: got {french}"
    arabic = glossary.expand(text, "en", "ar")
    assert set(analyze("حظيرة تكنولوجية", "ar")) <= set(arabic), f"en->ar: got {arabic}"
    assert "تمويل" in arabic, "en->ar: funding is a concept too"


def test_expand_arabic_sme_sentence_into_english(glossary: Glossary) -> None:
    text = "تدعم الدولة المؤسسات الصغيرة والمتوسطة عبر الإعفاءات الجبائية"
    assert {"sme", "tax_exemption"} <= glossary.concepts_in(text, "ar"), "ar: SMEs and tax exemptions are found"
    english = glossary.expand(text, "ar", "en")
    assert {"sme", "small", "medium", "enterpris", "exempt"} <= set(english), f"ar->en: got {english}"


def test_expand_tokens_are_unique_and_in_a_stable_order(glossary: Glossary) -> None:
    text = "Les pôles de compétitivité et les incubateurs; les pôles de compétitivité encore"
    first = glossary.expand(text, "fr", "en")
    assert len(first) == len(set(first)), "fr->en: each token once"
    assert first == glossary.expand(text, "fr", "en"), "fr->en: same text, same tokens"
    assert first.index("cluster") < first.index("incub"), "fr->en: concepts in the order the text names them"


def test_concepts_match_on_analysed_tokens(glossary: Glossary) -> None:
    assert "cluster" in glossary.concepts_in("Les pôles de compétitivité du Maroc", "fr"), "fr: plural and stopword"
    assert "cluster" in glossary.concepts_in("The cluster's members", "en"), "en: possessive"
    assert "cluster" in glossary.concepts_in("دعم العناقيد الصناعية", "ar"), "ar: a broken plural listed as a term"
    assert "incubator" in glossary.concepts_in("وتمويل الحاضنات", "ar"), "ar: article, conjunction and plural"


def test_a_term_must_match_as_a_contiguous_run(glossary: Glossary) -> None:
    found = glossary.concepts_in("une zone industrielle franche", "fr")
    assert "industrial_zone" in found and "free_zone" not in found, f"fr: 'zone ... franche' is not 'zone franche': {found}"


def test_unknown_language_gives_nothing(glossary: Glossary) -> None:
    assert glossary.concepts_in("technology park", "es") == set(), "es: the glossary has no Spanish terms"
    assert glossary.expand("technology park", "en", "es") == [], "en->es: no Spanish terms to add"


def test_a_small_glossary_from_a_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# comment\nconcept\tlang\tterm\npark\ten\ttechnology park\npark\tfr\ttechnopôle\npark\tar\tحظيرة تكنولوجية\n"
        "zone\ten\tfree zone\nzone\tfr\tzone franche\n",
    )
    small = load_glossary(path)
    assert small.concepts == ("park", "zone") and small.source == path, "en/fr/ar: both concepts load in file order"
    assert small.expand("free zones and technology parks", "en", "fr") == ["zon", "franch", "technopol"], "en->fr"
    assert small.expand("technopôles", "fr", "ar") == ["حظير", "تكنولوج"], "fr->ar"


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("concept\tlang\tterm\npark\ten\n", 2, "expected 3 tab-separated fields"),
        ("concept\tlang\tterm\npark\ten\ttechnology park\textra\n", 2, "expected 3 tab-separated fields"),
        ("concept\tlang\tterm\npark\ten\ttechnology park\npark\tde\tTechnologiepark\n", 3, "unknown language 'de'"),
        ("concept\tlang\tterm\nPark Zone\ten\tpark\n", 2, "concept id 'Park Zone'"),
        ("concept\tlang\tterm\npark\tfr\tde la\n", 2, "no words left after analysis"),
        ("concept\tlang\tterm\npark\ten\tpark\npark\ten\tpark\n", 3, "repeats line 2"),
        ("# only a comment\npark\ten\tpark\n", 2, "expected the header"),
    ],
)
def test_bad_rows_raise_naming_file_and_line(tmp_path: Path, body: str, line: int, reason: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(GlossaryError) as err:
        load_glossary(path)
    assert f"{path}:{line}:" in str(err.value) and reason in str(err.value), str(err.value)


def test_missing_and_empty_files_raise(tmp_path: Path) -> None:
    with pytest.raises(GlossaryError, match="no such glossary file"):
        load_glossary(tmp_path / "absent.tsv")
    with pytest.raises(GlossaryError, match="has no rows"):
        load_glossary(write(tmp_path, "concept\tlang\tterm\n"))
