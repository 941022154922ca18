"""Structure-aware chunking: passages that keep their pages, article and section.

A new chunk starts at every article and chapter heading, so a citation can name the article; long
articles are split at sentence boundaries to fit the embedding model's window, counted with the
model's own tokenizer (passed in: ingest knows nothing of the model).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ingest.articles import match_heading, uses_madda
from ingest.langid import detect_language
from ingest.records import Chunk, Document

TokenCounter = Callable[[str], int]

_SENTENCE_END = re.compile(r"(?<=[.!?؟;؛:])\s+(?=\S)")


@dataclass(frozen=True)
class ChunkConfig:
    max_tokens: int = 256  # of the text the model embeds, context included; the model's window is 512
    min_tokens: int = 24  # a shorter trailing piece joins the previous chunk of the same article


@dataclass(frozen=True)
class _Line:
    page: int
    text: str
    starts_line: bool = True  # False for the second and later sentences of one source line
    is_heading: bool = False
    last_page: int = 0  # page where the text ends, when a sentence runs onto the next page (0: same page)
    # The page of each "\n"-separated source line of ``text``, when a sentence runs on across lines
    # (() for one line): a sentence cut to fit the window gives each piece the pages its words stand on.
    line_pages: tuple[int, ...] = ()

    @property
    def end_page(self) -> int:
        return max(self.page, self.last_page)


@dataclass
class _Segment:
    section: str
    article: str
    lines: list[_Line] = field(default_factory=list)


def _segments(doc: Document) -> list[_Segment]:
    fasl_is_article = not uses_madda("\n".join(page.text for page in doc.pages))
    segments = [_Segment(section="", article="")]
    section = ""
    for page in doc.pages:
        structural = set(page.headings)
        for raw in page.text.split("\n"):
            text = raw.strip()
            if not text:
                continue
            heading = match_heading(text, fasl_is_article=fasl_is_article, structural=text in structural)
            if heading is not None and heading.kind == "article":
                segments.append(_Segment(section=section, article=heading.label))
            elif heading is not None or text in structural:
                section = text if heading is None or len(text) > len(heading.label) else heading.label
                segments.append(_Segment(section=section, article=""))
            is_heading = heading is not None or text in structural
            segments[-1].lines.append(_Line(page=page.number, text=text, is_heading=is_heading))
    return _merge_bare_headings([s for s in segments if s.lines])


def _merge_bare_headings(segments: list[_Segment]) -> list[_Segment]:
    """Headings with no body of their own (a chapter title right before an article) join the next segment."""
    merged: list[_Segment] = []
    carry: list[_Line] = []
    for segment in segments:
        is_bare = not segment.article and all(line.is_heading for line in segment.lines)
        if is_bare and segment is not segments[-1]:
            carry.extend(segment.lines)
            continue
        segment.lines[:0] = carry
        carry = []
        merged.append(segment)
    return merged


_ENDS_SENTENCE = re.compile(r"[.!?؟;؛:»\"')]\s*$")


def _units(lines: list[_Line]) -> list[_Line]:
    """Sentences, each with the pages it spans.

    PDF lines are visual wraps, not sentences: a sentence runs on across lines (kept joined by
    their line break) until it ends with sentence punctuation or meets a heading, so a chunk
    boundary never falls mid-sentence.
    """
    units: list[_Line] = []
    open_sentence = False
    for line in lines:
        parts = [part for part in _SENTENCE_END.split(line.text) if part.strip()]
        for i, part in enumerate(parts):
            if i == 0 and open_sentence and not line.is_heading and units:
                last = units[-1]
                line_pages = (*(last.line_pages or (last.page,)), line.page)
                units[-1] = _Line(last.page, f"{last.text}\n{part}", last.starts_line, last_page=line.page, line_pages=line_pages)
            else:
                units.append(_Line(page=line.page, text=part, starts_line=i == 0, is_heading=line.is_heading))
            open_sentence = not line.is_heading and not _ENDS_SENTENCE.search(part)
    return units


def _split_long(unit: _Line, fits: Callable[[str], bool]) -> list[_Line]:
    """A sentence longer than the window is cut between words; each piece cites the pages its words are on."""
    pieces: list[_Line] = []
    words: list[str] = []
    pages: list[int] = []  # the page of each word in ``words``

    def cut() -> None:
        pieces.append(_Line(pages[0], " ".join(words), starts_line=not pieces and unit.starts_line, last_page=pages[-1]))
        words.clear()
        pages.clear()

    for text, page in zip(unit.text.split("\n"), unit.line_pages or (unit.page,), strict=True):
        for word in text.split(" "):
            if words and not fits(" ".join([*words, word])):
                cut()
            words.append(word)
            pages.append(page)
    if words:
        cut()
    return pieces


def context_line(title: str, section: str) -> str:
    """The line the model reads before a passage: the document title, and its section when that says more.

    Public because a store rebuilt without its source files (kb/rebuild.py) must embed the very same text.
    """
    return f"{title} — {section}" if section and section != title else title


def _context(doc: Document, segment: _Segment) -> str:
    return context_line(doc.meta.title, segment.section)


def chunk_document(doc: Document, count_tokens: TokenCounter, config: ChunkConfig = ChunkConfig()) -> list[Chunk]:
    chunks: list[Chunk] = []
    segments = _segments(doc)
    for number, segment in enumerate(segments):
        context = _context(doc, segment)
        lead = number == 0 and is_lead(segments)

        def fits(text: str, context: str = context) -> bool:
            return count_tokens(f"{context}\n{text}") <= config.max_tokens

        groups: list[list[_Line]] = [[]]
        for unit in _units(segment.lines):
            for piece in _split_long(unit, fits) if not fits(unit.text) else [unit]:
                candidate = [*groups[-1], piece]
                if groups[-1] and not fits(_join(candidate)):
                    groups.append([piece])
                else:
                    groups[-1] = candidate
        if len(groups) > 1 and count_tokens(_join(groups[-1])) < config.min_tokens:
            groups[-2].extend(groups.pop())  # slightly over budget beats a fragment with no meaning
        for group in groups:
            if group:
                chunks.append(replace(_make_chunk(doc, segment, group, context, len(chunks)), lead=lead))
    return chunks


def is_lead(segments: list[_Segment]) -> bool:
    """Whether the first segment is the document's front matter: the text under its title, or before
    any heading, when headed sections or articles follow. That is where a text describes itself (a
    notice, "this report covers...", an issuing block, the visas of a decree) rather than rules: the
    assistant never quotes it as evidence. A document with no later heading has no front matter."""
    if len(segments) < 2 or segments[0].article:
        return False
    first = segments[0]
    opened_by_title = first.lines[0].is_heading and first.lines[0].text == first.section
    return first.section == "" or opened_by_title


def _join(lines: list[_Line]) -> str:
    """Rebuild the passage as it stood: sentences of one line joined by a space, lines by a newline."""
    return "".join((("\n" if line.starts_line else " ") if i else "") + line.text for i, line in enumerate(lines))


def _make_chunk(doc: Document, segment: _Segment, lines: list[_Line], context: str, index: int) -> Chunk:
    text = _join(lines)
    first, last = min(line.page for line in lines), max(line.end_page for line in lines)
    spanned = [page for page in doc.pages if first <= page.number <= last]
    repairs = sorted({page.repair for page in spanned} - {"none"})
    return Chunk(
        chunk_id=f"{doc.doc_id}#{doc.content_hash[:12]}#{index:04d}",
        doc_id=doc.doc_id,
        index=index,
        page_start=first,
        page_end=last,
        article=segment.article,
        section=segment.section,
        lang=detect_language(text, fallback=doc.meta.lang),
        text=text,
        embed_text=f"{context}\n{text}",
        ocr=any(page.ocr for page in spanned),
        repair=",".join(repairs) or "none",
    )
