"""Chunking keeps pages and articles and fits the model's window (real tokenizer)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunk import ChunkConfig, chunk_document
from ingest.load import SourceFile, load_document
from ingest.records import DocMeta, Document, Page
from kb.embed import Embedder


def test_fixture_law_chunks_point_at_page_and_article(fixture_docs: Path, embedder: Embedder) -> None:
    doc = load_document(SourceFile(fixture_docs / "ma/loi-poles.fr.pdf", fixture_docs))
    chunks = chunk_document(doc, embedder.count_tokens)
    by_article = {c.article: c for c in chunks}
    assert by_article["Article 3"].page_start == 2, "French: Article 3 is on page 2"
    assert by_article["Article 5"].page_start == 3
    assert by_article["Article 3"].section.startswith("Chapitre II")
    assert "financé à parts égales" in by_article["Article 3"].text
    assert all(c.lang == "fr" for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_arabic_articles_and_pages(fixture_docs: Path, embedder: Embedder) -> None:
    doc = load_document(SourceFile(fixture_docs / "eg/parcs-tech.ar.pdf", fixture_docs))
    chunks = chunk_document(doc, embedder.count_tokens)
    article3 = next(c for c in chunks if c.article == "المادة 3")
    assert article3.page_start == 2 and "حدائق تكنولوجية" in article3.text, "Arabic: article 3 on page 2"


def _doc(text: str, pages: int = 1) -> Document:
    meta = DocMeta(title="T", country="MA", doc_type="law", lang="fr")
    parts = text.split("\f") if "\f" in text else [text]
    return Document("t.txt", "t.txt", "0" * 64, meta, tuple(Page(i + 1, p) for i, p in enumerate(parts[:pages] or parts)))


WORDS = st.sampled_from(
    [
        "la",
        "loi",
        "définit",
        "les",
        "pôles",
        "de",
        "compétitivité",
        "et",
        "leur",
        "gouvernance",
        "financement",
        "public",
        "entreprises",
        "membres",
        "الدولة",
        "تدعم",
        "العناقيد",
        "الصناعية",
        "the",
        "cluster",
        "receives",
        "funding",
    ]
)
SENTENCE = st.lists(WORDS, min_size=3, max_size=40).map(lambda ws: " ".join(ws) + ".")
ARTICLE_TEXT = st.lists(SENTENCE, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=30, deadline=None)
@given(st.lists(ARTICLE_TEXT, min_size=1, max_size=6), st.integers(min_value=64, max_value=200))
def test_chunks_fit_the_window_and_lose_no_word(articles: list[str], max_tokens: int) -> None:
    counter = Embedder().count_tokens
    text = "\n".join(f"Article {i + 1}\n{body}" for i, body in enumerate(articles))
    chunks = chunk_document(_doc(text), counter, ChunkConfig(max_tokens=max_tokens, min_tokens=0))
    for chunk in chunks:
        assert counter(chunk.embed_text) <= max_tokens or len(chunk.text.split()) == 1
        assert chunk.article.startswith("Article ")
    assert re.findall(r"\S+", " ".join(c.text for c in chunks)) == re.findall(r"\S+", text), "no word lost or reordered"


def _headed(lines: list[str], headings: tuple[str, ...]) -> Document:
    meta = DocMeta(title="Loi de l'investissement (résumé)", country="TN", doc_type="law", lang="fr")
    return Document("t.md", "t.md", "0" * 64, meta, (Page(1, "\n".join(lines), headings=headings),))


def test_the_front_matter_under_the_title_is_marked_lead(embedder: Embedder) -> None:
    lines = [
        "Loi de l'investissement",
        "Le présent texte résume la loi et ne remplace pas le texte officiel publié au journal officiel.",
        "Article premier – Objet",
        "Les investisseurs bénéficient d'une prime de développement régional dans les zones prioritaires.",
        "Article 2 – Fonds",
        "Le fonds finance les études de faisabilité des projets innovants.",
    ]
    chunks = chunk_document(_headed(lines, ("Loi de l'investissement",)), embedder.count_tokens)
    assert [(c.article, c.lead) for c in chunks] == [("", True), ("Article premier", False), ("Article 2", False)]
    assert chunks[0].text.startswith("Loi de l'investissement\nLe présent texte")


def test_a_document_without_later_headings_has_no_front_matter(embedder: Embedder) -> None:
    lines = ["Note sur le fonds", "Le fonds finance les études de faisabilité des projets innovants des entreprises."]
    assert not any(c.lead for c in chunk_document(_headed(lines, ("Note sur le fonds",)), embedder.count_tokens))


def test_a_bare_title_before_the_first_section_is_not_front_matter(embedder: Embedder) -> None:
    lines = [
        "Loi de l'investissement",
        "Préambule",
        "Les PME forment l'essentiel du tissu économique.",
        "Article premier",
        "Le fonds finance les études.",
    ]
    chunks = chunk_document(_headed(lines, ("Loi de l'investissement", "Préambule")), embedder.count_tokens)
    assert not any(c.lead for c in chunks), "the title joins the preamble, which is content"
