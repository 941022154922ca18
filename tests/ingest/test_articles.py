"""Article and chapter headings in French, English and Arabic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.articles import Heading, match_heading, uses_madda


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Article premier : Objet", Heading("article", "Article premier")),
        ("Art. 1er - La présente loi", Heading("article", "Art. 1er")),
        ("ARTICLE 12", Heading("article", "ARTICLE 12")),
        ("Art. 3 bis.", Heading("article", "Art. 3 bis")),
        ("Article 4 — Funding", Heading("article", "Article 4")),
        ("Chapitre II : Gouvernance", Heading("chapter", "Chapitre II")),
        ("CHAPITRE PREMIER", Heading("chapter", "CHAPITRE PREMIER")),
        ("Chapter 3", Heading("chapter", "Chapter 3")),
        ("المادة 12: تهدف هذه السياسة", Heading("article", "المادة 12")),
        ("المادة الأولى", Heading("article", "المادة الأولى")),
        ("(المادة الثانية)", Heading("article", "المادة الثانية")),
        ("مادة (3)", Heading("article", "مادة 3")),
        (") :1 ( مـــــادة", Heading("article", "مادة 1")),
        ("3 المادة", Heading("article", "المادة 3")),
        ("– التعريف2 الفصل", Heading("article", "الفصل 2")),
        ("الباب الأول: أحكام عامة", Heading("chapter", "الباب الأول")),
        ("الفصل 5", Heading("article", "الفصل 5")),
        ("المادة الحادية والعشرون", Heading("article", "المادة الحادية والعشرون")),  # compound ordinals
        ("الفصل الثاني والأربعون: التمويل", Heading("article", "الفصل الثاني والأربعون")),
        ("المادة الحادية عشرة", Heading("article", "المادة الحادية عشرة")),
    ],
)
def test_headings_are_recognised(line: str, expected: Heading) -> None:
    assert match_heading(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Article 5 of the Law provides that",
        "Articles de loi",
        "المادة 12 من القانون المذكور",
        "المادتين",
        "المادة الأولى وطنية",  # و opens an ordinary word here, not the tens of an ordinal
        "Le chapitre suivant",
        "",
    ],
)
def test_running_text_is_not_a_heading(line: str) -> None:
    assert match_heading(line) is None


def test_fasl_is_a_chapter_where_articles_use_madda() -> None:
    egyptian = "الفصل الأول\nالمادة 1\nنص\nالمادة 2\nنص"
    tunisian = "الباب الأول\nالفصل 1\nنص\nالفصل 2\nنص"
    assert uses_madda(egyptian) and not uses_madda(tunisian)
    assert match_heading("الفصل الأول", fasl_is_article=False) == Heading("chapter", "الفصل الأول")
    assert match_heading("الفصل 1", fasl_is_article=True) == Heading("article", "الفصل 1")


@given(
    st.integers(min_value=1, max_value=400),
    st.sampled_from(["Article", "Art.", "ARTICLE", "المادة", "الفصل"]),
    st.sampled_from(["", " :", " -", ".", " : La présente loi"]),
)
def test_any_numbered_article_keeps_its_number(number: int, word: str, tail: str) -> None:
    heading = match_heading(f"{word} {number}{tail}")
    assert heading is not None and heading.kind == "article"
    assert heading.label.endswith(str(number))
