"""A corpus source (``sources/<cc>/<slug>.<lang>.md``): YAML front matter and a Markdown body, parsed into blocks.

Also the small text helpers every writer shares (inline Markdown dropped, blank pages dropped, the
source's date as the document's, page labels). See corpus/README.md for the source format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from corpus.errors import SourceError
from ingest.records import DOC_TYPES  # one list of document types for the corpus and for ingest

FORMAT_EXTENSIONS = {"md": "md", "html": "html", "docx": "docx", "pdf": "pdf", "pdf-visual": "pdf"}
LANGS = frozenset({"ar", "fr", "en"})
RTL_LANGS = frozenset({"ar"})
REQUIRED_FIELDS = ("title", "lang", "format")
BLOCK_KINDS = ("heading1", "heading2", "heading3", "paragraph", "bullet", "pagebreak")
META_SUFFIX = ".meta.json"
PAGE_LABELS = {"ar": "الصفحة", "fr": "Page", "en": "Page"}
# Used when a source has no date, so that PDFs never carry the build time.
FALLBACK_DATE = datetime(2000, 1, 1, tzinfo=UTC)

FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
BULLET_RE = re.compile(r"^[-*+]\s+(.*)$")
NUMBERED_RE = re.compile(r"^\d{1,3}[.)]\s+\S")
PAGEBREAK_RE = re.compile(r"^<!--\s*pagebreak\s*-->$", re.I)
COMMENT_RE = re.compile(r"^<!--.*-->$")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
EMPHASIS_RE = re.compile(r"(\*\*|__|`)")

Block = tuple[str, str]


@dataclass(frozen=True)
class SourceDoc:
    meta: dict[str, Any]
    title: str
    blocks: list[Block]
    path: Path | None = None

    @property
    def lang(self) -> str:
        return str(self.meta["lang"])

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGS

    @property
    def running_title(self) -> str:
        """Text of the running page header: a short title if given, else the issuer, else the title."""
        return str(self.meta.get("short_title") or self.meta.get("issuer") or self.title)

    def public_meta(self) -> dict[str, Any]:
        """Front matter as copied to the generated document (build-only keys removed)."""
        return {key: value for key, value in self.meta.items() if key != "format"}


def parse_source(path: Path) -> SourceDoc:
    """Read a source file; raise SourceError naming the offending field if it is malformed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").lstrip("\ufeff")
    match = FRONT_MATTER_RE.match(text)
    if not match:
        raise SourceError(path, "front matter", "missing (file must start with a '---' YAML block)")
    meta = _load_front_matter(path, match.group(1))
    blocks = parse_body(text[match.end() :])
    if not any(kind == "heading1" for kind, _ in blocks):
        blocks.insert(0, ("heading1", str(meta["title"])))
    title = next(text for kind, text in blocks if kind == "heading1")
    return SourceDoc(meta=meta, title=title, blocks=blocks, path=path)


def _load_front_matter(path: Path, raw: str) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise SourceError(path, "front matter", f"invalid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(meta, dict):
        raise SourceError(path, "front matter", "must be a YAML mapping")
    meta = {str(key): _plain_value(value) for key, value in meta.items()}
    _validate_meta(path, meta)
    return meta


def _plain_value(value: Any) -> Any:
    # YAML turns unquoted 2002-05-06 into a date and 2002 into an int; the corpus stores dates as text.
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _validate_meta(path: Path, meta: dict[str, Any]) -> None:
    for field in REQUIRED_FIELDS:
        if meta.get(field) in (None, ""):
            raise SourceError(path, field, "missing")
    if meta["format"] not in FORMAT_EXTENSIONS:
        raise SourceError(path, "format", f"unknown format {meta['format']!r} (expected one of {', '.join(FORMAT_EXTENSIONS)})")
    if meta["lang"] not in LANGS:
        raise SourceError(path, "lang", f"unknown language {meta['lang']!r} (expected one of {', '.join(sorted(LANGS))})")
    name_lang = path.name.removesuffix(".md").rpartition(".")[2]
    if name_lang != meta["lang"]:
        raise SourceError(path, "lang", f"{meta['lang']!r} does not match the file name (expected <slug>.{meta['lang']}.md)")
    if "doc_type" in meta and meta["doc_type"] not in DOC_TYPES:
        raise SourceError(path, "doc_type", f"unknown doc_type {meta['doc_type']!r}")
    if "date" in meta:
        meta["date"] = str(meta["date"])
        if not DATE_RE.match(meta["date"]):
            raise SourceError(path, "date", f"{meta['date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")


def parse_body(body: str) -> list[Block]:
    """Split a Markdown body into (kind, text) blocks; wrapped lines of a paragraph or item are joined."""
    blocks: list[Block] = []
    current: list[str] = []
    current_kind = ""

    def flush() -> None:
        nonlocal current, current_kind
        if current:
            blocks.append((current_kind, " ".join(current)))
        current, current_kind = [], ""

    for raw_line in body.split("\n"):
        line = raw_line.strip()
        if not line:
            flush()
        elif PAGEBREAK_RE.match(line):
            flush()
            blocks.append(("pagebreak", ""))
        elif COMMENT_RE.match(line):
            continue  # authors' notes are not part of the document
        elif heading := HEADING_RE.match(line):
            flush()
            level = min(len(heading.group(1)), 3)
            blocks.append((f"heading{level}", heading.group(2)))
        elif bullet := BULLET_RE.match(line):
            flush()
            current, current_kind = [bullet.group(1)], "bullet"
        elif NUMBERED_RE.match(line) and _starts_numbered_item(line, current):
            # A numbered item stays a paragraph of its own, number included, as printed texts show it.
            flush()
            current, current_kind = [line], "paragraph"
        else:
            # An indented line continues a list item; anything else continues (or starts) a paragraph.
            if current_kind == "bullet" and not raw_line[:1].isspace():
                flush()
            current_kind = current_kind or "paragraph"
            current.append(line)
    flush()
    return blocks


def _starts_numbered_item(line: str, current: list[str]) -> bool:
    """As in CommonMark, only "1." may interrupt running text; later numbers need a previous item."""
    return not current or line.startswith(("1.", "1)")) or bool(NUMBERED_RE.match(current[0]))


def plain_text(text: str) -> str:
    """Drop inline Markdown (emphasis markers, link targets) for formats that render text literally."""
    return EMPHASIS_RE.sub("", LINK_RE.sub(r"\1", text))


def printable_blocks(blocks: list[Block]) -> list[Block]:
    """Blocks without page breaks that would leave a blank page (leading, trailing or repeated)."""
    kept: list[Block] = []
    for block in blocks:
        if block[0] == "pagebreak" and (not kept or kept[-1][0] == "pagebreak"):
            continue
        kept.append(block)
    while kept and kept[-1][0] == "pagebreak":
        kept.pop()
    return kept


def fixed_datetime(doc: SourceDoc) -> datetime:
    """The document date as a UTC datetime (missing month/day = 1), used instead of the build time."""
    match = DATE_RE.match(str(doc.meta.get("date", "")))
    if not match:
        return FALLBACK_DATE
    year, month, day = (int(part) if part else 1 for part in match.groups())
    return datetime(year, month, day, tzinfo=UTC)


def page_label(doc: SourceDoc, number: int) -> str:
    return f"{PAGE_LABELS.get(doc.lang, 'Page')} {number}"
