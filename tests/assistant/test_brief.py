"""Briefs over real answers from the sample corpus: Markdown and DOCX, references numbered across the brief."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from assistant import answer
from assistant.brief import (
    Brief,
    BriefEntry,
    brief_filename,
    brief_markdown,
    escape_markdown,
    mostly_arabic,
    number_references,
    write_brief_docx,
)
from assistant.errors import BriefError
from assistant.model import Answer
from assistant.render import RTL_MARK
from kb.search import Filters, Searcher

COMPARATIVE = "How do Morocco and Tunisia support technology parks and clusters?"
ARABIC = "ما هي الحوافز الجبائية للاستثمار في تونس؟"
WITH_LIBYA = "How are clusters funded and governed?"  # asked for Morocco and Libya: the corpus holds no Libyan text
ABSTAINS = "What is the recipe for couscous with seven vegetables in Morocco?"
CREATED = "2026-11-26T14:03:00Z"
REFERENCE = re.compile(r"^(\d+)\. ")


@pytest.fixture(scope="module")
def answers(corpus_searcher: Searcher) -> dict[str, Answer]:
    return {
        "comparative": answer(corpus_searcher, COMPARATIVE),
        "arabic": answer(corpus_searcher, ARABIC),
        "libya": answer(corpus_searcher, WITH_LIBYA, filters=Filters(countries=("MA", "LY"))),
        "abstains": answer(corpus_searcher, ABSTAINS),
    }


@pytest.fixture(scope="module")
def brief(answers: dict[str, Answer]) -> Brief:
    entries = (
        BriefEntry(answers["comparative"], "2026-11-26T13:58:10Z"),
        BriefEntry(answers["arabic"], "2026-11-26T13:59:00+00:00"),
        BriefEntry(answers["libya"], "2026-11-26T14:00:00Z", filters="countries: Morocco, Libya"),
        BriefEntry(answers["abstains"], "2026-11-26T14:01:00Z"),
    )
    return Brief("Clusters & investment in the Maghreb", entries, CREATED)


def _sections(markdown: str) -> list[str]:
    """The Markdown cut at each level-2 heading: the title part, one per entry, then the references."""
    return re.split(r"^## ", markdown, flags=re.MULTILINE)


def _number(line: str) -> int:
    found = REFERENCE.match(line)
    return int(found.group(1)) if found else 0


def _style(paragraph: Paragraph) -> str:
    return paragraph.style.name or "" if paragraph.style else ""


def _reference_lines(markdown: str) -> list[str]:
    return [line for line in _sections(markdown)[-1].splitlines() if REFERENCE.match(line)]


def test_the_markdown_holds_every_question_its_findings_and_grid(brief: Brief, answers: dict[str, Answer]) -> None:
    markdown = brief_markdown(brief, "en")
    sections = _sections(markdown)
    assert markdown.startswith("# Clusters &amp; investment in the Maghreb\n")
    assert len(sections) == 1 + len(brief.entries) + 1, "en: title, one section per answer, references"
    for index, entry in enumerate(brief.entries, start=1):
        heading = sections[index].removeprefix(RTL_MARK)  # an Arabic question's heading opens right-to-left
        assert heading.startswith(f"{index}. ") and escape_markdown(entry.answer.question) in heading
    assert "Asked on 2026-11-26 14:00 UTC · Filters: countries: Morocco, Libya" in sections[3]

    libya = sections[3]
    assert "| Country | Governance | Funding and incentives |" in libya, "en: the grid's header names the dimensions"
    libya_row = next(line for line in libya.splitlines() if line.startswith("| LY |"))
    assert libya_row.count("*no evidence*") == len(answers["libya"].dimensions), "en: each Libyan cell says no evidence"
    assert "The documents held say nothing on this point for: LY." in libya

    abstained = sections[4]
    assert "The knowledge base has no answer to this question" in abstained and "### Closest documents" in abstained
    assert all(f"`{doc.doc_id}`" in abstained for doc in answers["abstains"].closest)
    assert "| Country |" not in abstained and not any(REFERENCE.match(line) for line in abstained.splitlines()[1:])


def test_references_run_from_one_without_gaps_and_shared_sources_share_a_number(brief: Brief, answers: dict[str, Answer]) -> None:
    markdown = brief_markdown(brief, "en")
    lines = _reference_lines(markdown)
    numbers = [_number(line) for line in lines]
    assert numbers == list(range(1, len(numbers) + 1)), "references are numbered 1..N with no gap"

    def key(a: Answer) -> set[tuple[str, str]]:
        return {(c.chunk_id, c.quote) for c in a.citations}

    shared = key(answers["comparative"]) & key(answers["libya"])
    assert shared, "precondition: the two cluster questions quote the same passage of the Moroccan programme"
    distinct = set().union(*(key(e.answer) for e in brief.entries))
    cited = sum(len(e.answer.citations) for e in brief.entries)
    assert len(lines) == len(distinct) < cited, "a source quoted by two answers is listed once"

    references = number_references(brief)
    assert [c.n for c in references.citations] == numbers
    sections = _sections(markdown)
    for chunk_id, quote in shared:
        by_entry = [
            references.numbers[i][c.n]
            for i in (0, 2)
            for c in brief.entries[i].answer.citations
            if c.chunk_id == chunk_id and c.quote == quote
        ]
        assert len(set(by_entry)) == 1, "one number for the shared source in both answers"
        assert f"{escape_markdown(quote)}» [{by_entry[0]}]" in sections[1] and f"» [{by_entry[0]}]" in sections[3]


def test_markers_in_findings_and_grids_use_the_brief_numbers(brief: Brief) -> None:
    markdown = brief_markdown(brief, "en")
    sections = _sections(markdown)
    references = number_references(brief)
    for index, (entry, numbers) in enumerate(zip(brief.entries, references.numbers, strict=True), start=1):
        section = sections[index].replace(RTL_MARK, "")  # Arabic lines open with the mark
        by_number = {c.n: c for c in entry.answer.citations}
        for finding in entry.answer.findings:
            quote = escape_markdown(by_number[finding.citation].quote)
            assert f"- «{quote}» [{numbers[finding.citation]}]" in section, finding
        for cell in entry.answer.grid:
            if cell.citations:
                markers = "".join(f"[{numbers[n]}]" for n in cell.citations)
                assert f"» {markers} |" in section, cell
    assert numbers_in_text(sections[2]) - set(references.numbers[1].values()) == set(), "ar answer: only its own numbers"


def numbers_in_text(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_each_reference_quotes_its_passage_word_for_word(brief: Brief) -> None:
    lines = _reference_lines(brief_markdown(brief, "en"))
    for citation, line in zip(number_references(brief).citations, lines, strict=True):
        assert " ".join(citation.quote.split()) in " ".join(citation.passage.split()), citation.quote
        assert f"«{escape_markdown(citation.quote)}»" in line and f"(`{citation.doc_id}`)" in line
        assert escape_markdown(citation.title) in line and (f"p. {citation.page}" in line or not citation.page)
        assert all(f"`{v}`" in line for v in citation.other_versions)


def test_the_docx_has_headings_real_tables_rtl_arabic_and_the_same_references(brief: Brief, tmp_path: Path) -> None:
    path = write_brief_docx(brief, "en", tmp_path / brief_filename(brief, ".docx"))
    document = docx.Document(str(path))
    paragraphs = document.paragraphs
    assert document.core_properties.title == brief.title and document.core_properties.created is not None
    assert document.core_properties.created.strftime("%Y-%m-%d %H:%M") == "2026-11-26 14:03"
    assert _style(paragraphs[0]) == "Title" and paragraphs[0].text == brief.title
    headings = [p.text for p in paragraphs if _style(p) == "Heading 1"]
    assert headings == [f"{i}. {e.answer.question}" for i, e in enumerate(brief.entries, start=1)] + ["References"]

    with_grid = [e.answer for e in brief.entries if e.answer.grid]
    assert len(document.tables) == len(with_grid) == 3
    for table, result in zip(document.tables, with_grid, strict=True):
        assert len(table.rows) == len(result.countries) + 1, "en: a header row, then one row per country"
        assert len(table.columns) == len(result.dimensions) + 1
        assert table.rows[0].cells[0].text == "Country"
    libya_row = document.tables[2].rows[2]
    assert [c.text for c in libya_row.cells] == ["LY"] + ["no evidence"] * (len(libya_row.cells) - 1)

    arabic = [p for p in paragraphs if mostly_arabic(p.text)]
    assert arabic, "precondition: the Arabic answer quotes an Arabic passage"
    for paragraph in arabic:
        assert paragraph._p.pPr is not None and paragraph._p.pPr.find(qn("w:bidi")) is not None, f"ar: {paragraph.text}"
        assert any(run.font.rtl for run in paragraph.runs), f"ar: an Arabic run is right-to-left: {paragraph.text}"
    latin = next(p for p in paragraphs if p.text.startswith("Every statement"))
    assert latin._p.pPr is None or latin._p.pPr.find(qn("w:bidi")) is None, "en: a Latin paragraph stays left-to-right"
    fonts = paragraphs[0].runs[0]._r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts is not None and fonts.get(qn("w:cs")) == "Arial", "a complex-script font with Arabic glyphs"

    start = headings.index("References")
    after = paragraphs[[p.text for p in paragraphs].index("References") + 1 :]
    assert start == len(brief.entries)
    references = [p.text for p in after if REFERENCE.match(p.text)]
    assert len(references) == len(_reference_lines(brief_markdown(brief, "en")))
    assert [_number(t) for t in references] == list(range(1, len(references) + 1))


def test_an_arabic_interface_frames_in_arabic_and_lays_everything_right_to_left(brief: Brief, tmp_path: Path) -> None:
    markdown = brief_markdown(brief, "ar")
    assert f"## {RTL_MARK}المراجع" in markdown and f"### {RTL_MARK}جدول المقارنة" in markdown
    assert f"| {RTL_MARK}البلد |" in markdown
    assert "«Au sens du programme" in markdown, "ar: quotes stay in their own language"
    document = docx.Document(str(write_brief_docx(brief, "ar", tmp_path / "brief.docx")))
    body = document.paragraphs + [p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    assert all(p._p.pPr is not None and p._p.pPr.find(qn("w:bidi")) is not None for p in body), "ar: every paragraph"
    assert all(t._tbl.tblPr.find(qn("w:bidiVisual")) is not None for t in document.tables), "ar: tables read right to left"
    assert "المراجع" in [p.text for p in document.paragraphs if _style(p) == "Heading 1"]


def test_document_text_never_becomes_html(brief: Brief, answers: dict[str, Answer], tmp_path: Path) -> None:
    hostile = "<script>alert('x')</script> & [click](javascript:alert(1)) | *bold*"
    first = answers["comparative"]
    citations = (replace(first.citations[0], quote=hostile, title="<b>Title</b>"), *first.citations[1:])
    grid = tuple(replace(cell, finding=hostile) if cell.citations[:1] == (1,) else cell for cell in first.grid)
    tampered = replace(brief, entries=(replace(brief.entries[0], answer=replace(first, citations=citations, grid=grid)),))
    markdown = brief_markdown(tampered, "en")
    assert "<script>" not in markdown and "<b>" not in markdown
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \\[click\\](javascript:alert(1))" in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| Morocco |"))
    assert "\\| \\*bold\\*" in row and row.count(" | ") == len(first.dimensions), "a | in a cell does not split it"
    document = docx.Document(str(write_brief_docx(tampered, "en", tmp_path / "hostile.docx")))
    assert any(hostile in p.text for p in document.paragraphs), "DOCX holds the quote as plain text"


def test_an_empty_brief_and_bad_input_are_refused(brief: Brief, tmp_path: Path) -> None:
    empty = Brief("Empty", (), CREATED)
    with pytest.raises(BriefError, match="the brief is empty; add an answer"):
        brief_markdown(empty, "en")
    with pytest.raises(BriefError, match="empty"):
        write_brief_docx(empty, "fr", tmp_path / "empty.docx")
    assert not (tmp_path / "empty.docx").exists()
    with pytest.raises(BriefError, match="unknown interface language 'de'"):
        brief_markdown(brief, "de")
    with pytest.raises(BriefError, match="created_at 'yesterday' is not an ISO 8601"):
        brief_markdown(replace(brief, created_at="yesterday"), "en")
    with pytest.raises(BriefError, match="suffix"):
        brief_filename(brief, "docx")


def test_file_names_are_safe_ascii(brief: Brief) -> None:
    assert brief_filename(brief, ".docx") == "clusters-investment-in-the-maghreb-2026-11-26.docx"
    assert brief_filename(replace(brief, title="موجز السياسات"), ".md") == "policy-brief-2026-11-26.md"
    assert brief_filename(replace(brief, title="Énergie / «PME» ../..", created_at="2026-11-26T23:30:00-02:00"), ".md") == (
        "energie-pme-2026-11-27.md"
    ), "accents folded, path characters dropped, the date in UTC"


def test_a_french_brief_frames_in_french(brief: Brief) -> None:
    markdown = brief_markdown(brief, "fr")
    assert "## Références" in markdown and "### Grille comparative" in markdown and "| Pays |" in markdown
    assert "*aucun élément*" in markdown and "Question posée le 2026-11-26 13:58 UTC" in markdown
