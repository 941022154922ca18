"""Property tests (hypothesis) for the normaliser, the article detector and the chunker (issue #9, "Bad input").

Two kinds of input: arbitrary Unicode (every category, control characters included) for the
no-crash properties, and generated legal text (Arabic, French and English words, digits,
punctuation, article and chapter headings, blank lines, page breaks) for the properties that
need text to mean something. The chunker counts tokens with a cheap additive counter, so
hypothesis can try many documents; ``test_chunk.py`` checks the window with the real tokenizer.

Lone surrogates are left out of the arbitrary text: a Python ``str`` holds them, but they cannot be
encoded (python-bidi, Chroma and the embedding cache all encode to UTF-8) and no UTF-8 file decodes
to them. Two paths produce them all the same, each with its own test: pypdf decodes broken
ToUnicode maps with ``surrogatepass``, and a glyph name can spell one ("/uniD800").

Tests marked ``xfail(strict=True)`` are properties that fail on a product bug named in their reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ingest.articles import Heading, HeadingKind, match_heading, uses_madda
from ingest.chunk import ChunkConfig, chunk_document
from ingest.normalize import clean_whitespace, normalize_page_text, read_page_text, repair_hyphenation, strip_running_lines
from ingest.quality import TextQuality, text_quality
from ingest.records import Chunk, DocMeta, Document, Page
from ingest.repair import MIN_QUALITY, Reading, best_reading

FEW = settings(max_examples=40, deadline=None)
MANY = settings(max_examples=150, deadline=None)

# --- arbitrary text ---------------------------------------------------------------------------

# What real text layers hold besides ordinary letters: line and page breaks, bidi marks, tatweel,
# Arabic presentation forms, ligatures, glyph names, fake bold, private use and replacement characters.
SPECIAL_PIECES = [
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\f",
    "\t",
    "\u00a0",
    "\u200f",
    "\u202b",
    "\ufeff",
    "\u0640\u0640\u0640",
    "\u0651",
    "\ufefb",
    "\ufe8d\ufedf",
    "ﬁ",
    "\u00ad\n",
    "-\n",
    "/uni0627.fina",
    "/uni0644_uni0627",
    "AArrttiiccllee 11 ::",
    "\ue000",
    "\ufffd",
    "\x00",
    "\x0c",
    "Article 3",
    "المادة 12:",
    "Page 3 sur 9",
    " ",
]
ANY_CHAR = st.characters(codec="utf-8")  # every category, control characters included; no lone surrogates
MESSY_TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(st.one_of(st.text(ANY_CHAR, max_size=12), st.sampled_from(SPECIAL_PIECES)), max_size=40).map("".join),
)

# --- generated legal text ---------------------------------------------------------------------

FRENCH = ["la", "loi", "définit", "les", "pôles", "de", "compétitivité", "et", "leur", "gouvernance", "financement"]
FRENCH += ["public", "entreprises", "membres", "région", "ministère", "chargé", "industrie", "présente", "œuvre"]
ENGLISH = ["the", "cluster", "receives", "funding", "ministry", "industry", "small", "enterprises", "committee"]
ARABIC = ["الدولة", "تدعم", "العناقيد", "الصناعية", "القانون", "المؤسسات", "الصغيرة", "والمتوسطة", "الاستثمار"]
ARABIC += ["التمويل", "لجنة", "وطنية", "في", "من", "على", "هذا", "التي", "الحدائق", "التكنولوجية"]
PLAIN_WORDS = st.sampled_from(FRENCH + ENGLISH + ARABIC)
NUMBERS = st.sampled_from(["2023", "12", "23-12", "٣", "١٢", "15%", "1er", "n°", "45"])
# Articles named in running text: a heading only when a line holds nothing else, so they are kept whole.
MENTIONS = st.sampled_from(
    [
        "conformément à l'article 3 de la loi",
        "aux articles 2 et 3",
        "under Article 5 of the Law",
        "Article 7 of the Decree provides that",
        "وفقا للمادة 7 من القانون",
        "المادة 12 من القانون المذكور",
    ]
)
# A URL longer than a small window: the one case where a chunk may exceed ``max_tokens``.
LONG_WORD = "https://www.example.org/politiques/industrie/2023/loi-cadre-des-poles-de-competitivite.pdf"
PUNCTUATION = st.sampled_from(["", "", "", "", ",", ".", ":", ";", "،", "؛", "؟", "!"])
WORD = st.tuples(PLAIN_WORDS, PUNCTUATION).map("".join)
TOKEN = st.one_of(WORD, WORD, WORD, NUMBERS, MENTIONS, st.just(LONG_WORD))


@st.composite
def body_lines(draw: st.DrawFn) -> str:
    """A line of running text: it starts with an ordinary word, so it is never a heading."""
    return " ".join([draw(WORD), *draw(st.lists(TOKEN, max_size=14))])


def count_tokens(text: str) -> int:
    """Cheap stand-in for the model's tokenizer: additive over words, long words count more."""
    return sum(1 + len(word) // 8 for word in text.split())


@dataclass(frozen=True)
class Form:
    """A heading as a document prints it, and what the detector must make of it."""

    line: str
    kind: str  # "article", "chapter", or "fasl": an article unless the document uses المادة
    label: str


LATIN_ARTICLE_WORDS = ["Article", "ARTICLE", "Art.", "ART.", "Art", "ART"]
LATIN_ARTICLE_NUMBERS = st.one_of(
    st.integers(1, 400).map(str),
    st.tuples(st.integers(1, 99), st.sampled_from([" bis", " ter", " quater"])).map(lambda t: f"{t[0]}{t[1]}"),
    st.sampled_from(["premier", "PREMIER", "1er", "unique", "UNIQUE"]),
)
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ARABIC_NUMBERS = st.one_of(
    st.integers(1, 400).map(str),
    st.integers(1, 400).map(lambda n: str(n).translate(ARABIC_DIGITS)),
    st.integers(1, 99).map(lambda n: f"{n} مكرر"),
    st.sampled_from(["الأولى", "الثانية", "الثالثة", "الأول", "الثاني", "العاشرة"]),
)
TAILS = st.sampled_from(
    ["", " :", " -", ".", " : Objet", " - Les entreprises", " — Funding", ": تهدف هذه السياسة", " – Dispositions générales"]
)


@st.composite
def latin_articles(draw: st.DrawFn) -> Form:
    label = f"{draw(st.sampled_from(LATIN_ARTICLE_WORDS))} {draw(LATIN_ARTICLE_NUMBERS)}"
    return Form(label + draw(TAILS), "article", label)


@st.composite
def arabic_articles(draw: st.DrawFn) -> Form:
    word = draw(st.sampled_from(["المادة", "مادة", "الفصل", "فصل"]))
    number = draw(ARABIC_NUMBERS)
    printed = draw(st.sampled_from(["{w} {n}", "{w} ({n})", "{w} رقم {n}"]))
    # Tatweel stretches the keyword in justified Arabic ("مـــادة"): the label drops it.
    stretched = draw(st.booleans())
    shown = word[:-2] + "\u0640\u0640\u0640" + word[-2:] if stretched else word
    line = printed.format(w=shown, n=number) + draw(TAILS)
    return Form(line, "article" if "ماد" in word else "fasl", f"{word} {number}")


@st.composite
def chapters(draw: st.DrawFn) -> Form:
    if draw(st.booleans()):
        word = draw(
            st.sampled_from(["Chapitre", "CHAPITRE", "Chapter", "CHAPTER", "Titre", "Title", "Partie", "Part", "Section"])
        )
        label = f"{word} {draw(st.sampled_from(['I', 'II', 'IV', 'XII', '1', '3', 'premier', 'PREMIER', 'one', 'two']))}"
    else:
        word = draw(st.sampled_from(["الباب", "القسم", "الجزء", "العنوان"]))
        label = f"{word} {draw(st.sampled_from(['الأول', 'الثاني', 'الثالث', '2', '٣']))}"
    return Form(label + draw(TAILS), "chapter", label)


ARTICLE_FORMS = st.one_of(latin_articles(), arabic_articles())


@dataclass(frozen=True)
class Word:
    """One word of a generated document, with where it stands and what its chunk must say."""

    text: str
    page: int
    article: str | None  # the article label its chunk must carry; None when either is right
    section: str | None  # the section its chunk must carry; None when either is right


@dataclass(frozen=True)
class GeneratedDoc:
    doc: Document
    words: tuple[Word, ...]


def build_doc(blocks: list[tuple[Form | None, list[str]]], breaks: list[bool], indent: list[bool]) -> GeneratedDoc:
    """Lay blocks (a heading and its lines) out on pages and record what each word's chunk must carry.

    ``breaks[i]``: a page break before the i-th line (two in a row leave an empty page, as a page
    not indexed does); ``indent[i]``: the line is indented. Blank lines stand after each block.
    """
    madda = any(form is not None and form.kind == "article" and "ماد" in form.label for form, _ in blocks)
    lines: list[tuple[str, str | None, str | None]] = []  # line, its chunk's article and section (None: any)
    article, section = "", ""
    for form, body in blocks:
        if form is not None:
            kind = ("chapter" if madda else "article") if form.kind == "fasl" else form.kind
            if kind == "article":
                article = form.label
                lines.append((form.line, article, section))
            else:
                # A chapter heading with no text of its own joins the next passage, whatever its article and section.
                article, section = "", form.line.strip()
                lines.append((form.line, "", section) if body else (form.line, None, None))
        lines.extend((line, article, section) for line in body)
        lines.append(("", None, section))
    pages: list[list[str]] = [[]]
    words: list[Word] = []
    for i, (line, line_article, line_section) in enumerate(lines):
        if i < len(breaks) and breaks[i]:
            pages.append([])
        pages[-1].append("  " + line if i < len(indent) and indent[i] else line)
        words.extend(Word(w, len(pages), line_article, line_section) for w in line.split())
    meta = DocMeta(title="Loi T", country="MA", doc_type="law", lang="fr")
    doc = Document("t.txt", "t.txt", "0" * 64, meta, tuple(Page(n, "\n".join(ls)) for n, ls in enumerate(pages, 1)))
    return GeneratedDoc(doc, tuple(words))


@st.composite
def generated_docs(draw: st.DrawFn) -> GeneratedDoc:
    line_lists = st.lists(body_lines(), max_size=5)
    blocks: list[tuple[Form | None, list[str]]] = [(None, draw(st.lists(body_lines(), max_size=3)))]
    headings = st.one_of(ARTICLE_FORMS, ARTICLE_FORMS, chapters())
    blocks += draw(st.lists(st.tuples(headings, line_lists), max_size=8))
    size = sum(len(body) + 2 for _, body in blocks)
    breaks = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    indent = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    return build_doc(blocks, breaks, indent)


def chunk_words(chunks: list[Chunk]) -> list[tuple[str, Chunk]]:
    return [(word, chunk) for chunk in chunks for word in chunk.text.split()]


def assert_pages_and_words(doc: Document, chunks: list[Chunk]) -> None:
    """The invariants any document keeps: every word once, in order; page spans inside the document."""
    numbers = [page.number for page in doc.pages]
    page_words = [word for page in doc.pages for word in page.text.split()]
    assert [word for word, _ in chunk_words(chunks)] == page_words, "no word lost, added or reordered"
    assert [chunk.index for chunk in chunks] == list(range(len(chunks)))
    assert len({chunk.chunk_id for chunk in chunks}) == len(chunks)
    for chunk in chunks:
        assert chunk.text.strip(), "no empty chunk"
        assert chunk.page_start in numbers and chunk.page_end in numbers
        assert chunk.page_start <= chunk.page_end
    starts = [chunk.page_start for chunk in chunks]
    assert starts == sorted(starts), "chunks follow the pages"


# --- 1. no crash on arbitrary text ------------------------------------------------------------


def assert_quality(quality: TextQuality) -> None:
    assert isinstance(quality, TextQuality)
    assert 0.0 <= quality.score <= 1.0
    assert 0.0 <= quality.known <= 1.0 and 0.0 <= quality.odd <= 1.0 and 0.0 <= quality.function_words <= 1.0
    assert -1.0 <= quality.order <= 1.0
    assert quality.words >= 0


@MANY
@given(MESSY_TEXT)
def test_clean_whitespace_never_crashes_and_is_idempotent(text: str) -> None:
    cleaned = clean_whitespace(text)
    assert isinstance(cleaned, str)
    assert clean_whitespace(cleaned) == cleaned
    assert "\r" not in cleaned and "  " not in cleaned
    assert all(line == line.strip() for line in cleaned.split("\n"))
    assert cleaned.count("\n") == text.replace("\r\n", "\n").count("\n") + text.replace("\r\n", "").count("\r")
    bidi = re.compile(r"[\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]")
    visible = "".join(ch for ch in bidi.sub("", text) if not ch.isspace())
    assert "".join(ch for ch in cleaned if not ch.isspace()) == visible, "only spaces and bidi marks go"


@FEW
@given(MESSY_TEXT, st.sampled_from(["", "word-order", "visual-order"]))
def test_page_reading_never_crashes(text: str, prefer: str) -> None:
    reading = read_page_text(text, prefer)
    assert isinstance(reading, Reading) and isinstance(reading.text, str) and isinstance(reading.repair, str)
    assert_quality(reading.quality)
    normalized, repair = normalize_page_text(text)
    assert isinstance(normalized, str) and isinstance(repair, str)
    best = best_reading(clean_whitespace(text), prefer)
    assert isinstance(best, Reading)
    assert_quality(best.quality)


@MANY
@given(MESSY_TEXT)
def test_text_quality_stays_between_zero_and_one(text: str) -> None:
    assert_quality(text_quality(text))


@MANY
@given(MESSY_TEXT, st.booleans(), st.booleans())
def test_match_heading_never_crashes(text: str, fasl_is_article: bool, structural: bool) -> None:
    for line in [text, *text.split("\n")]:
        heading = match_heading(line, fasl_is_article=fasl_is_article, structural=structural)
        assert heading is None or (isinstance(heading, Heading) and heading.kind in ("article", "chapter") and heading.label)
    assert isinstance(uses_madda(text), bool)


def stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(any(item == other for other in remaining) for item in short)


@FEW
@given(st.lists(MESSY_TEXT, max_size=6), st.integers(1, 4))
def test_strip_running_lines_never_crashes_and_only_removes_lines(texts: list[str], min_pages: int) -> None:
    pages = [Page(n, text) for n, text in enumerate(texts, 1)]
    cleaned = strip_running_lines(pages, min_pages=min_pages)
    assert [page.number for page in cleaned] == [page.number for page in pages]
    for before, after in zip(pages, cleaned, strict=True):
        assert is_subsequence(stripped_lines(after.text), stripped_lines(before.text)), f"page {before.number}"


@FEW
@given(st.lists(MESSY_TEXT, min_size=1, max_size=4), st.integers(8, 80), st.sampled_from([0, 24]))
def test_chunker_never_crashes_on_arbitrary_pages(texts: list[str], max_tokens: int, min_tokens: int) -> None:
    # Some lines are also given as the file's own headings, as Markdown, DOCX and HTML readers do.
    pages = tuple(Page(n, text, headings=tuple(stripped_lines(text)[::3])) for n, text in enumerate(texts, 1))
    doc = Document("x.md", "x.md", "f" * 64, DocMeta(title="X", country="", doc_type="other", lang="en"), pages)
    chunks = chunk_document(doc, count_tokens, ChunkConfig(max_tokens=max_tokens, min_tokens=min_tokens))
    assert all(isinstance(chunk, Chunk) and isinstance(chunk.article, str) for chunk in chunks)
    assert_pages_and_words(doc, chunks)


# --- 2. idempotence of the normaliser on clean text -------------------------------------------

# Clean logical text of real words (Arabic punctuation has a property of its own below).
LATIN_MARKS = st.sampled_from(["", "", "", ",", ".", ":", ";"])
CLEAN_WORD = st.tuples(PLAIN_WORDS, LATIN_MARKS).map("".join)
CLEAN_LINE = st.lists(st.one_of(CLEAN_WORD, CLEAN_WORD, NUMBERS), min_size=1, max_size=16).map(" ".join)
CLEAN_PAGE = st.lists(st.one_of(CLEAN_LINE, CLEAN_LINE, CLEAN_LINE, st.just("")), min_size=1, max_size=8).map("\n".join)


@MANY
@given(CLEAN_PAGE)
def test_normalize_page_text_is_idempotent_on_clean_text(text: str) -> None:
    once, _ = normalize_page_text(text)
    assert normalize_page_text(once)[0] == once


ARABIC_MARKS = st.sampled_from(["،", "؛", "؟"])


@MANY
@example(["الدولة", "القانون"], "،")
@given(st.lists(PLAIN_WORDS, min_size=1, max_size=12), ARABIC_MARKS)
def test_punctuation_attached_to_words_does_not_change_known_words(words: list[str], mark: str) -> None:
    plain = text_quality(" ".join(words))
    assert text_quality(" ".join(f"{word}," for word in words)).known == plain.known, "Latin comma"
    assert text_quality(" ".join(word + mark for word in words)).known == plain.known, f"Arabic mark {mark}"


@FEW
@example("définit، 2023 la في\ndéfinit، 2023 la، لجنة")
@given(st.lists(st.tuples(PLAIN_WORDS, ARABIC_MARKS).map("".join), min_size=1, max_size=16).map(" ".join))
def test_normalize_page_text_is_idempotent_with_arabic_punctuation(text: str) -> None:
    once, _ = normalize_page_text(text)
    assert normalize_page_text(once)[0] == once


def wrap(text: str, width: int) -> str:
    """Lines of ``width`` words, as a PDF wraps a paragraph."""
    words = text.split()
    return "\n".join(" ".join(words[i : i + width]) for i in range(0, len(words), width))


# Arabic prose in reading order, without demonstratives or relatives (the other order evidence). No
# word twice in a sentence and no sentence twice: a page of one word or one sentence repeated, with
# full stops at line starts ("تتولى. تتولى تتولى"), carries no order evidence but its punctuation,
# and reads as well reversed (random draws found both).
PROSE_WORDS = st.sampled_from(["تتولى", "الوزارة", "المكلفة", "بالصناعة", "تنسيق", "برامج", "الدعم", "لفائدة", "المقاولات"])
PROSE_SENTENCES = st.lists(
    st.lists(PROSE_WORDS, min_size=3, max_size=9, unique=True).map(lambda ws: " ".join(ws) + "."), min_size=1, unique=True
)


@FEW
@example(
    "تتولى الوزارة المكلفة بالصناعة تنسيق برامج الدعم لفائدة\nالمقاولات. وتحدث لجنة وطنية تسهر على متابعة تنفيذ\n"
    "البرامج. وتعرض اللجنة تقريرها على الحكومة كل سنة"
)
@given(st.tuples(PROSE_SENTENCES.map(" ".join), st.integers(4, 9)).map(lambda t: wrap(*t)))
def test_arabic_prose_in_reading_order_is_not_reordered(text: str) -> None:
    assert normalize_page_text(text) == (text, "none")


URLS = st.sampled_from(
    [
        "https://www.industrie.gov.ma/fr/textes-juridiques/loi-2023-12.pdf",
        "https://www.sgg.gov.ma/BO/FR/2023/BO_7200_fr.pdf",
        "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000045123456",
        "https://eur-lex.europa.eu/legal-content/FR/TXT/?uri=CELEX:32022R0868",
    ]
)


@FEW
@example(["https://www.sgg.gov.ma/BO/FR/2023/BO_7200_fr.pdf"] * 6)
@given(st.lists(URLS, min_size=6, max_size=12))
def test_a_clean_page_of_references_is_readable(urls: list[str]) -> None:
    text = "Références\n" + "\n".join(f"{i}. Voir {url}" for i, url in enumerate(urls, 1))
    quality = read_page_text(text).quality
    assert not (quality.judged and quality.score < MIN_QUALITY), f"score {quality.score}"


@FEW
@example(
    "الدولة\nla la la\nla la {u} pôles ١٢\nla {u} {u} {u} ١٢".format(
        u="https://www.example.org/politiques/industrie/2023/loi-cadre-des-poles-de-competitivite.pdf"
    )
)
@given(st.lists(st.one_of(CLEAN_LINE, URLS), min_size=1, max_size=8).map("\n".join))
def test_a_repair_keeps_the_words_of_a_clean_page(text: str) -> None:
    reading = read_page_text(text)
    assert sorted(reading.text.split()) == sorted(text.split()), f"repair {reading.repair}"
    assert read_page_text(reading.text).text == reading.text


# Hyphenation points as a French typesetter would place them, two letters or more on each side.
HYPHENATED = st.sampled_from(
    [("compéti", "tivité"), ("gouver", "nance"), ("entre", "prises"), ("finance", "ment"), ("indus", "trie")]
    + [("minis", "tère"), ("Compé", "titivité"), ("régio", "nale"), ("déve", "loppement")]
)


@MANY
@given(st.lists(WORD, max_size=5), HYPHENATED, st.lists(WORD, max_size=5))
def test_a_word_hyphenated_at_a_line_break_is_joined(before: list[str], parts: tuple[str, str], after: list[str]) -> None:
    text = " ".join([*before, f"{parts[0]}-\n{parts[1]}", *after])
    assert repair_hyphenation(text) == " ".join([*before, "".join(parts), *after])


@FEW
@example(("compé", "titi", "vité"))
@given(st.sampled_from([("compé", "titi", "vité"), ("dé", "velop", "pement"), ("gou", "ver", "nance")]))
def test_a_word_hyphenated_over_three_lines_is_joined(parts: tuple[str, str, str]) -> None:
    text = f"les {parts[0]}-\n{parts[1]}-\n{parts[2]} du pays"
    assert repair_hyphenation(text) == f"les {''.join(parts)} du pays"


@FEW
@example(("œu", "vre"))
@given(st.sampled_from([("œu", "vre"), ("manœu", "vre"), ("cœ", "ur"), ("sœ", "urs"), ("main-d'œu", "vre")]))
def test_a_word_with_oe_hyphenated_at_a_line_break_is_joined(parts: tuple[str, str]) -> None:
    assert repair_hyphenation(f"la mise en {parts[0]}-\n{parts[1]} du plan") == f"la mise en {''.join(parts)} du plan"


@FEW
@example(0xD800)
@given(st.integers(0, 0xFFFF))
def test_glyph_names_of_any_code_point_never_crash(code: int) -> None:
    reading = best_reading(f"المادة 3 /uni{code:04X} تدعم الدولة")
    reading.text.encode("utf-8")  # what Chroma and the embedding cache do with it


@FEW
@example("\ud800rticle 3 : La présente loi définit les pôles", "")
@example("المادة 3: تدعم \ud800 الدولة", "")
@given(CLEAN_LINE, st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3))
def test_page_text_with_lone_surrogates_reads_as_utf8(line: str, surrogates: str) -> None:
    read_page_text(surrogates + line).text.encode("utf-8")


# --- 3. the chunker on generated documents ----------------------------------------------------

WINDOWS = st.integers(12, 120)


@FEW
@given(generated_docs(), WINDOWS, st.sampled_from([0, 0, 8, 24]))
def test_chunks_lose_no_text_and_keep_page_order(generated: GeneratedDoc, max_tokens: int, min_tokens: int) -> None:
    chunks = chunk_document(generated.doc, count_tokens, ChunkConfig(max_tokens=max_tokens, min_tokens=min_tokens))
    assert [word for word, _ in chunk_words(chunks)] == [word.text for word in generated.words]
    assert_pages_and_words(generated.doc, chunks)


@FEW
@given(generated_docs(), WINDOWS)
def test_chunks_fit_the_window_unless_one_word_is_longer(generated: GeneratedDoc, max_tokens: int) -> None:
    chunks = chunk_document(generated.doc, count_tokens, ChunkConfig(max_tokens=max_tokens, min_tokens=0))
    for chunk in chunks:
        assert count_tokens(chunk.embed_text) <= max_tokens or len(chunk.text.split()) == 1, chunk.text


@FEW
@given(generated_docs(), WINDOWS, st.sampled_from([0, 24]))
def test_chunks_carry_their_article_and_section(generated: GeneratedDoc, max_tokens: int, min_tokens: int) -> None:
    chunks = chunk_document(generated.doc, count_tokens, ChunkConfig(max_tokens=max_tokens, min_tokens=min_tokens))
    for word, (text, chunk) in zip(generated.words, chunk_words(chunks), strict=True):
        assert text == word.text
        if word.article is not None:
            assert chunk.article == word.article, f"{word.text!r} on page {word.page}"
        if word.section is not None:
            assert chunk.section == word.section, f"{word.text!r} on page {word.page}"


@FEW
@given(generated_docs())
def test_every_word_is_on_a_page_its_chunk_cites_when_sentences_fit(generated: GeneratedDoc) -> None:
    chunks = chunk_document(generated.doc, count_tokens, ChunkConfig(max_tokens=100_000, min_tokens=0))
    for word, (_, chunk) in zip(generated.words, chunk_words(chunks), strict=True):
        assert chunk.page_start <= word.page <= chunk.page_end, f"{word.text!r} is on page {word.page}"


# One sentence longer than the window, running from page 1 onto page 2 (the break stands before its second line).
LONG_SENTENCE_OVER_A_PAGE_BREAK = build_doc(
    [(Form("Article 1", "article", "Article 1"), ["la loi définit les pôles de", "compétitivité et leur gouvernance."])],
    breaks=[False, False, True],
    indent=[],
)


@FEW
@example(LONG_SENTENCE_OVER_A_PAGE_BREAK, 8)
@given(generated_docs(), WINDOWS)
def test_every_word_is_on_a_page_its_chunk_cites(generated: GeneratedDoc, max_tokens: int) -> None:
    chunks = chunk_document(generated.doc, count_tokens, ChunkConfig(max_tokens=max_tokens, min_tokens=0))
    for word, (_, chunk) in zip(generated.words, chunk_words(chunks), strict=True):
        assert chunk.page_start <= word.page <= chunk.page_end, f"{word.text!r} is on page {word.page}"


# --- 4. the article detector ------------------------------------------------------------------


@MANY
@given(st.one_of(latin_articles(), arabic_articles()), st.booleans(), st.sampled_from(["", "  ", "## "]))
def test_article_headings_give_their_label(form: Form, fasl_is_article: bool, prefix: str) -> None:
    kind: HeadingKind = "article" if form.kind == "article" or fasl_is_article else "chapter"
    heading = match_heading(prefix + form.line, fasl_is_article=fasl_is_article)
    assert heading == Heading(kind, form.label), f"{form.line!r}"
    assert form.label.split(" ", 1)[1].strip("()") in heading.label, "the label keeps the number as written"


@MANY
@given(chapters(), st.booleans())
def test_chapter_headings_are_chapters(form: Form, fasl_is_article: bool) -> None:
    assert match_heading(form.line, fasl_is_article=fasl_is_article) == Heading("chapter", form.label), f"{form.line!r}"


@MANY
@given(body_lines())
def test_running_text_that_names_an_article_is_no_heading(line: str) -> None:
    assert match_heading(line) is None, f"{line!r}"
    assert match_heading(line, fasl_is_article=False) is None


@MANY
@given(st.one_of(latin_articles(), arabic_articles()), st.lists(PLAIN_WORDS, min_size=1, max_size=6))
def test_a_line_that_goes_on_after_the_number_is_a_heading_only_by_structure(form: Form, words: list[str]) -> None:
    # "Article 5 of the Law provides that" starts a line of running text; a Markdown heading says otherwise.
    line = f"{form.label} {' '.join(words)}"
    assert match_heading(line) is None, f"{line!r}"
    heading = match_heading(line, structural=True)
    assert heading is not None and heading.label == form.label, f"{line!r}"


@FEW
@example("الأولى", "وطنية")
@given(st.sampled_from(["الأولى", "الثانية", "الأول", "الثالث"]), st.sampled_from(["وطنية", "والمتوسطة", "وتحدث", "وفق"]))
def test_an_arabic_ordinal_takes_no_ordinary_word_into_its_label(ordinal: str, word: str) -> None:
    assert match_heading(f"المادة {ordinal} {word}") is None
    assert match_heading(f"المادة {ordinal} {word}", structural=True) == Heading("article", f"المادة {ordinal}")


# --- running headers on generated pages --------------------------------------------------------


@FEW
@given(st.lists(st.tuples(ARTICLE_FORMS, st.lists(body_lines(), min_size=1, max_size=3)), min_size=1, max_size=6))
def test_running_lines_go_and_headings_stay(articles: list[tuple[Form, list[str]]]) -> None:
    total = len(articles)
    pages = [
        Page(n, "\n".join(["JOURNAL OFFICIEL N° 45", form.line, *body, f"Page {n} sur {total}"]))
        for n, (form, body) in enumerate(articles, 1)
    ]
    for page, (form, _) in zip(strip_running_lines(pages), articles, strict=True):
        assert form.line.strip() in stripped_lines(page.text), f"page {page.number}: article heading kept"
        assert f"Page {page.number} sur" not in page.text, "page numbers go even on a one-page document"
        assert total < 2 or "JOURNAL OFFICIEL" not in page.text, "running header goes"
