"""One file in, one normalised :class:`Document` out (or an :class:`IngestError`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.errors import MAX_PAGES, CorruptDocumentError, IngestError, InvalidMetadataError, NoTextError, UnsupportedFormatError
from ingest.glyphs import reader_name
from ingest.metadata import build_metadata, read_sidecar
from ingest.normalize import join_across_pages, normalize_page_text, strip_running_lines
from ingest.ocr import OcrConfig
from ingest.pages import PageNote, PageTexts, Progress, read_pages
from ingest.readers import READERS, is_sidecar, reader_for
from ingest.records import DocMeta, Document, Extracted, Page

# Bump when parsing or normalisation changes what comes out of a file: every file is re-read then.
# 2: text-quality scoring, repairs chosen by score, unreadable pages OCR'd; 3: PDF reading order from glyph positions + bidi;
# 4: front matter marked on its passages (ingest.chunk.is_lead); 5: ActualText clusters and word gaps in glyph reading (#19).
INGEST_VERSION = "5"


@dataclass(frozen=True)
class LoadOptions:
    ocr: OcrConfig = OcrConfig()
    max_pages: int = MAX_PAGES  # per file: a longer one is refused before its text is read


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest and the root its document id is relative to."""

    path: Path
    root: Path

    @property
    def relative(self) -> PurePosixPath:
        return PurePosixPath(self.path.relative_to(self.root).as_posix())

    @property
    def doc_id(self) -> str:
        return str(self.relative)


@dataclass(frozen=True)
class Discovered:
    """What :func:`discover` found: the files to ingest and the errors of those it cannot take, each in walk order."""

    sources: tuple[SourceFile, ...] = ()
    errors: tuple[IngestError, ...] = ()


def discover(paths: list[Path]) -> Discovered:
    """Walk files and folders (recursively, sorted, hidden entries skipped).

    Sidecar metadata files are not documents. A file of unknown type inside a folder is an
    :class:`UnsupportedFormatError` among the errors so that it is reported, not silently ignored.
    """
    sources: list[SourceFile] = []
    errors: list[IngestError] = []

    def add(path: Path, root: Path) -> None:
        error = _not_utf8(path)
        if error is None:
            sources.append(SourceFile(path=path, root=root))
        else:
            errors.append(error)

    for given in paths:
        given = given.resolve()
        if not given.exists():
            errors.append(IngestError(given, "no such file or folder", "check the path"))
        elif given.is_file():
            add(given, given.parent)
        else:
            for path in _folder_files(given):
                if reader_for(path) is None:
                    errors.append(UnsupportedFormatError(path, f"unknown file type '{path.suffix or path.name}'"))
                else:
                    add(path, given)
    return Discovered(tuple(sources), tuple(errors))


def _folder_files(folder: Path) -> Iterator[Path]:
    """The folder's files, recursively and sorted, without hidden entries and sidecar metadata files."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file() or is_sidecar(path):
            continue
        yield path


def _not_utf8(path: Path) -> IngestError | None:
    """A path whose bytes are not UTF-8 (a name from a Latin-1 or CP1256 system): the store keeps ids as UTF-8."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return IngestError(path, "the file name is not valid UTF-8", "rename the file or its folder (names become document ids)")
    return None


def content_hash(source: SourceFile) -> str:
    """Hash of everything that decides the stored document: file bytes, sidecar, ingest version."""
    digest = hashlib.sha256(INGEST_VERSION.encode())
    digest.update(source.path.read_bytes())
    _, sidecar_bytes = read_sidecar(source.path)
    digest.update(b"\0sidecar\0" + sidecar_bytes)
    return digest.hexdigest()


def _extract(source: SourceFile, options: LoadOptions) -> tuple[Extracted, dict[str, object]]:
    reader = reader_for(source.path)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise UnsupportedFormatError(source.path, f"unknown file type '{source.path.suffix}' (known: {known})")
    try:
        empty = source.path.stat().st_size == 0
    except OSError as err:
        raise IngestError(
            source.path, f"cannot read the file ({err.strerror or err})", "check that it exists and is readable"
        ) from err
    if empty:
        # An interrupted download or copy: say so, rather than "no text layer" or a parser's complaint.
        raise CorruptDocumentError(source.path, "the file is empty (0 bytes)")
    sidecar, _ = read_sidecar(source.path)
    return reader(source.path, options.max_pages), sidecar


def _page_texts(
    source: SourceFile, extracted: Extracted, sidecar: dict[str, object], options: LoadOptions, progress: Progress
) -> PageTexts:
    declared_lang = str(sidecar.get("lang") or extracted.declared.get("lang") or "")
    texts = read_pages(source.path, extracted, options.ocr, lang_hint=declared_lang, progress=progress)
    texts.pages = join_across_pages(strip_running_lines(texts.pages))
    return texts


def read_file_pages(
    source: SourceFile, options: LoadOptions = LoadOptions(), progress: Progress = _quiet
) -> tuple[PageTexts, str]:
    """Every page of a file as ingest reads it, indexed or not, and the parser used (for inspection)."""
    extracted, sidecar = _extract(source, options)
    texts = _page_texts(source, extracted, sidecar, options, progress)
    return texts, _parser(extracted, texts)


def _parser(extracted: Extracted, texts: PageTexts) -> str:
    """What read the file: "pypdf 7.1.1", "pypdf 7.1.1 + pypdfium2 5.15.2" when glyph positions ordered
    a page, "... + tesseract 5.3.0" when pages were OCR'd."""
    parser = extracted.parser
    if any(page.order == "glyphs" for page in texts.pages):
        parser = f"{parser} + {reader_name()}"
    return f"{parser} + {texts.ocr_engine}" if texts.ocr_engine else parser


def load_document(source: SourceFile, options: LoadOptions = LoadOptions(), progress: Progress = _quiet) -> Document:
    """Read, repair, OCR where needed, normalise and describe one file. Raises :class:`IngestError` subclasses."""
    extracted, sidecar = _extract(source, options)
    texts = _page_texts(source, extracted, sidecar, options, progress)
    pages = texts.pages
    if not any(page.text.strip() for page in pages):
        raise _no_text_error(source.path, pages, texts.notes)
    meta = build_metadata(source.path, source.relative, extracted, sidecar, pages)
    return Document(
        doc_id=source.doc_id,
        source=source.doc_id,
        content_hash=content_hash(source),
        meta=meta,
        pages=tuple(pages),
        parser=_parser(extracted, texts),
        notes=extracted.notes + tuple(note.message(source.path) for note in texts.notes),
    )


def _no_text_error(path: Path, pages: list[Page], notes: list[PageNote]) -> NoTextError:
    if notes:
        first = notes[0]  # says what is wrong (unreadable layer, image only) and what OCR could or could not do
        return NoTextError(
            path, f"no readable text on its {len(pages)} page(s) (page {first.number}: {first.problem})", first.advice
        )
    return NoTextError(path, f"no text found on its {len(pages)} page(s)" if path.suffix.lower() == ".pdf" else "no text found")


def document_from_text(
    doc_id: str,
    text: str,
    title: str = "",
    lang: str = "",
    country: str = "",
    doc_type: str = "other",
    year: int | None = None,
) -> Document:
    """A document from a text record (a BEIR ``corpus.jsonl`` row, say) rather than a file.

    The text is normalised like a file's single page; an empty ``lang`` is detected. The content
    hash covers every field, so a changed record is re-indexed and an unchanged one is not.
    """
    from ingest.langid import detect_language

    if not doc_id.strip():
        raise InvalidMetadataError(doc_id or "(record)", "empty _id", "give every record a non-empty _id")
    cleaned, repair = normalize_page_text(text)
    if not cleaned.strip() and not title.strip():
        raise NoTextError(doc_id, "no text found", "the record's title and text are both empty")
    lang = lang or detect_language(f"{title}\n{cleaned}", fallback="en")
    digest = hashlib.sha256(INGEST_VERSION.encode())
    for part in (doc_id, title, lang, country, doc_type, str(year or ""), text):
        digest.update(part.encode("utf-8") + b"\0")
    meta = DocMeta(title=title or doc_id, country=country, doc_type=doc_type, lang=lang, year=year)
    return Document(
        doc_id=doc_id,
        source=doc_id,
        content_hash=digest.hexdigest(),
        meta=meta,
        pages=(Page(number=1, text=cleaned or title, repair=repair),),
        parser="record",
    )
