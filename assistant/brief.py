"""Policy-dialogue briefs: answers gathered in the web app, exported as Markdown and as DOCX.

A brief is laid out once from each answer's structured fields (findings, grid, citations, closest
documents), never from ``Answer.markdown``, into a few blocks (headings, paragraphs, tables) that
the Markdown and DOCX writers each turn into their format. Framing is in the interface language;
quotes stay in their own.

References are numbered once for the whole brief: every answer numbers its citations from 1, so
the same passage quoted by two answers gets one number, and each answer's markers are rewritten to
the brief's numbers (:func:`number_references`).

Limits: an LLM answer's generated sentences live only in its Markdown, so a brief shows that
answer's verified quotes, not the model's prose. Right-to-left text is marked as such (U+200F in
Markdown; ``w:bidi`` and ``w:rtl`` in DOCX) but its display still depends on the reader's software.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from assistant.errors import BriefError
from assistant.model import Answer, Citation
from assistant.phrases import country_name, phrase, phrase_count
from assistant.render import RTL_MARK, column_label, overview, quoted, source_parts, table_cell
from assistant.views import document_url

LANGS = ("ar", "fr", "en")
# The marks that make emphasis, code, links or HTML are backslash-escaped ("<" and ">" too, so no tag
# or autolink forms). "&" only where it would start an entity ("&amp;"): "R&D" stays "R&D", where
# HTML-escaping showed "R&amp;D" to every reader of the raw file.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


@dataclass(frozen=True)
class BriefEntry:
    answer: Answer
    asked_at: str  # ISO 8601 UTC timestamp
    filters: str = ""  # a human-readable description of the filters in force, may be ""


@dataclass(frozen=True)
class Brief:
    title: str
    entries: tuple[BriefEntry, ...]
    created_at: str  # ISO 8601


@dataclass(frozen=True)
class References:
    """The brief's reference list and, per entry, how its answer's numbers map onto the brief's."""

    citations: tuple[Citation, ...]  # in order, ``n`` running 1..N
    numbers: tuple[Mapping[int, int], ...]  # one per entry: the answer's citation number -> the brief's


def number_references(brief: Brief) -> References:
    """Number the brief's sources 1..N in order of first citation; one number per (chunk, quote).

    Keyed on the chunk as well as the quote: the same clause can stand verbatim in two policies,
    and those are two sources.
    """
    numbered: dict[tuple[str, str], Citation] = {}
    numbers: list[dict[int, int]] = []
    for entry in brief.entries:
        mapping: dict[int, int] = {}
        for citation in entry.answer.citations:
            key = (citation.chunk_id, " ".join(citation.quote.split()))
            if key not in numbered:
                numbered[key] = replace(citation, n=len(numbered) + 1)
            mapping[citation.n] = numbered[key].n
        numbers.append(mapping)
    return References(tuple(numbered.values()), tuple(numbers))


def escape_markdown(text: str) -> str:
    """Document or user text as literal Markdown: one line, no HTML, no emphasis, code or links."""
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))  # "<script>" shows as text, never runs
    return _ENTITY.sub(r"\\&", text)


def mostly_arabic(text: str) -> bool:
    """True when right-to-left letters outnumber left-to-right ones (Unicode bidi classes R/AL vs L)."""
    classes = [unicodedata.bidirectional(ch) for ch in text]
    return sum(c in ("R", "AL") for c in classes) > sum(c == "L" for c in classes)


def brief_filename(brief: Brief, suffix: str) -> str:
    """A safe ASCII file name from the title and creation date, e.g. ``policy-brief-2026-11-26.docx``.

    ``suffix`` is a file suffix with its dot, like :attr:`pathlib.Path.suffix` (".docx", ".md").
    """
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        raise BriefError(f"file suffix {suffix!r} is not a lower-case suffix with its dot; use '.docx' or '.md'")
    ascii_title = unicodedata.normalize("NFKD", brief.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-") or "policy-brief"
    return f"{slug}-{timestamp(brief.created_at, 'created_at').date().isoformat()}{suffix}"


# Layout: what a brief says, in blocks both writers share.


@dataclass(frozen=True)
class Span:
    text: str
    style: Literal["plain", "bold", "italic", "code", "marker"] = "plain"  # a marker ("[3]") is our own text, not escaped
    url: str = ""  # the span links there (the original document at its page)


@dataclass(frozen=True)
class Heading:
    level: int  # 0 is the brief's title
    text: str


@dataclass(frozen=True)
class Para:
    spans: tuple[Span, ...]
    bullet: bool = False
    number: int | None = None  # a reference's number

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[tuple[Span, ...], ...], ...]  # each row: country, then one cell per column


Block = Heading | Para | Table


def timestamp(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BriefError(f"the brief's {field} {value!r} is not an ISO 8601 timestamp; use e.g. 2026-11-26T14:03:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)  # naive means UTC


def _when(value: str, field: str) -> str:
    return timestamp(value, field).strftime("%Y-%m-%d %H:%M UTC")


def check(brief: Brief, lang: str) -> None:
    if lang not in LANGS:
        raise BriefError(f"unknown interface language {lang!r}; use one of {', '.join(LANGS)}")
    if not brief.entries:
        raise BriefError("the brief is empty; add an answer to it first")


def _plain(text: str) -> Para:
    return Para((Span(text),))


def layout(brief: Brief, lang: str, base_url: str = "") -> list[Block]:
    """The brief as blocks; reference links are ``base_url`` + ``/document/…#page=N`` (relative when "")."""
    references = number_references(brief)
    blocks: list[Block] = [
        Heading(0, brief.title),
        Para((Span(phrase("brief_created", lang).format(_when(brief.created_at, "created_at")), "italic"),)),
    ]
    for index, (entry, numbers) in enumerate(zip(brief.entries, references.numbers, strict=True), start=1):
        blocks += _entry(index, entry, numbers, lang)
    blocks.append(Heading(1, phrase("brief_references", lang)))
    if not references.citations:
        return [*blocks, _plain(phrase("brief_no_references", lang))]
    blocks.append(_plain(phrase("brief_numbering", lang)))
    blocks += [_reference(citation, lang, base_url) for citation in references.citations]
    return blocks


def _entry(index: int, entry: BriefEntry, numbers: Mapping[int, int], lang: str) -> list[Block]:
    answer = entry.answer
    asked = phrase("brief_asked", lang).format(_when(entry.asked_at, f"asked_at of answer {index}"))
    if entry.filters.strip():
        asked += " · " + phrase("brief_filters", lang).format(entry.filters.strip())
    blocks: list[Block] = [Heading(1, f"{index}. {answer.question}"), Para((Span(asked, "italic"),))]
    if answer.abstained:
        blocks.append(_plain(phrase("abstain", lang)))
        if answer.closest:
            blocks.append(Heading(2, phrase("closest", lang)))
        for doc in answer.closest:
            year = f", {doc.year}" if doc.year else ""
            named = (Span(doc.title, "bold"), Span(f" ({country_name(doc.country, lang)}{year}) "), Span(doc.doc_id, "code"))
            blocks.append(Para(named, bullet=True))
        return blocks

    blocks += [_plain(line) for line in [*overview(answer, lang), phrase("method", lang)]]
    blocks.append(Heading(2, phrase("findings", lang)))
    for country, citations in answer.quotes_by_country():
        blocks.append(Heading(3, country_name(country, lang)))
        if not citations:
            blocks.append(Para((Span(phrase("no_evidence", lang), "italic"),), bullet=True))
        for citation in citations:
            spans = (Span(quoted(citation.quote)), Span(f" [{numbers[citation.n]}]", "marker"))
            blocks.append(Para(spans, bullet=True))
    if answer.grid:
        blocks += [Heading(2, phrase("grid", lang)), _grid(answer, numbers, lang)]
    if answer.verification.dropped:
        blocks.append(_plain(phrase_count("dropped", len(answer.verification.dropped), lang)))
    return blocks


def _grid(answer: Answer, numbers: Mapping[int, int], lang: str) -> Table:
    """Countries by dimensions; a cell without a citation says "no evidence" rather than staying blank."""
    cells = {(cell.country, cell.dimension): cell for cell in answer.grid}
    rows: list[tuple[tuple[Span, ...], ...]] = []
    for country in answer.countries:
        row: list[tuple[Span, ...]] = [(Span(country_name(country, lang)),)]
        for dimension in answer.dimensions:
            cell = cells.get((country, dimension))
            if cell is None or not cell.citations:
                row.append((Span(phrase("no_evidence_cell", lang), "italic"),))
            else:
                markers = "".join(f"[{numbers[n]}]" for n in cell.citations)
                row.append((Span(quoted(cell.finding)), Span(f" {markers}", "marker")))
        rows.append(tuple(row))
    header = (phrase("country", lang), *(column_label(d, lang, answer.labels) for d in answer.dimensions))
    return Table(header, tuple(rows))


def _reference(citation: Citation, lang: str, base_url: str) -> Para:
    title, *rest = source_parts(citation, lang)
    spans = [Span(title, "bold"), Span(", " + ", ".join(rest) + " — "), Span(quoted(citation.quote)), Span(" (")]
    spans += [Span(citation.doc_id, "code", url=base_url.rstrip("/") + document_url(citation.doc_id, citation.page)), Span(")")]
    if citation.other_versions:
        before, _, after = phrase("other_versions", lang).partition("{}")
        spans.append(Span(" — " + before))
        for i, version in enumerate(citation.other_versions):
            spans += [Span(", ")] if i else []
            spans.append(Span(version, "code"))
        spans.append(Span(after))
    return Para(tuple(s for s in spans if s.text), number=citation.n)


# Markdown


def brief_markdown(brief: Brief, lang: str, base_url: str = "") -> str:
    """The brief as Markdown, framed in ``lang`` (ar, fr or en); document text is escaped, never HTML.

    References link each document id to its original at ``base_url/document/…#page=N``.
    """
    check(brief, lang)
    chunks: list[tuple[bool, str]] = []  # (a list item, its text): list items stay on consecutive lines
    for block in layout(brief, lang, base_url):
        if isinstance(block, Heading):
            chunks.append((False, "#" * (block.level + 1) + " " + _rtl(block.text, lang) + escape_markdown(block.text)))
        elif isinstance(block, Table):
            chunks.append((False, _markdown_table(block, lang)))
        else:
            text = _rtl(block.text, lang) + _markdown_spans(block.spans)
            if block.number is not None:
                chunks.append((True, f"{block.number}. {text}"))
            else:
                chunks.append((block.bullet, f"- {text}" if block.bullet else text))
    out = chunks[0][1]
    for (was_item, _), (is_item, text) in zip(chunks, chunks[1:], strict=False):
        out += ("\n" if was_item and is_item else "\n\n") + text
    return out + "\n"


def _rtl(text: str, lang: str) -> str:
    """The right-to-left mark that opens an Arabic line, placed after any Markdown prefix ("## ", "- ")."""
    return RTL_MARK if lang == "ar" or mostly_arabic(text) else ""


def _markdown_spans(spans: Sequence[Span]) -> str:
    out = []
    for span in spans:
        if span.style == "code":
            out.append(f"[{_code(span.text)}]({span.url})" if span.url else _code(span.text))
            continue
        if span.style == "marker":
            out.append(span.text)
            continue
        # Emphasis markers must touch the text: keep the span's outer spaces outside them.
        lead = " " if span.text[:1].isspace() else ""
        trail = " " if span.text[-1:].isspace() else ""
        text = escape_markdown(span.text)
        mark = {"bold": "**", "italic": "*"}.get(span.style, "")
        out.append(f"{lead}{mark}{text}{mark}{trail}" if text else lead + trail)
    return "".join(out)


def _code(text: str) -> str:
    """A code span whose fence is longer than any backtick run in ``text`` (a file name may hold one)."""
    text = " ".join(text.split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markdown_table(table: Table, lang: str) -> str:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    header = [_rtl(label, lang) + table_cell(escape_markdown(label)) for label in table.header]
    lines = [row(header), "|" + "---|" * len(table.header)]
    for cells in table.rows:
        texts = ["".join(span.text for span in spans) for spans in cells]
        lines.append(row([_rtl(t, lang) + table_cell(_markdown_spans(s)) for t, s in zip(texts, cells, strict=True)]))
    return "\n".join(lines)
