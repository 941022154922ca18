"""Markdown reader: YAML front matter as metadata, the body as text.

``<!-- pagebreak -->`` starts a new page, so Markdown sources can be cited by page like the PDFs
built from them.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.encoding import decode_text
from ingest.errors import MAX_PAGES, CorruptDocumentError, InvalidMetadataError, check_page_count
from ingest.records import Extracted, Page

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_PAGEBREAK = re.compile(r"^\s*<!--\s*pagebreak\s*-->\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Raw HTML a Markdown renderer would run or hide, never text: scripts, styles, and comments that span
# lines (a one-line comment is dropped line by line, so that page breaks are still seen).
_HIDDEN = re.compile(
    r"<(script|style|noscript|template)\b[^>]*>.*?(?:</\1\s*>|\Z)|<!--(?![ \t]*pagebreak[ \t]*-->).*?(?:-->|\Z)",
    re.DOTALL | re.IGNORECASE,
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def split_front_matter(path: Path, text: str) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        fields = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as err:
        raise InvalidMetadataError(path, f"front matter is not valid YAML ({err.__class__.__name__})") from err
    if not isinstance(fields, dict):
        raise InvalidMetadataError(path, "front matter must be a mapping of field: value")
    return {str(k): v for k, v in fields.items()}, text[match.end() :]


def _plain(line: str) -> str:
    line = _LINK.sub(r"\1", line)
    return _EMPHASIS.sub(r"\2", line)


def read_markdown(path: Path, max_pages: int = MAX_PAGES) -> Extracted:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CorruptDocumentError(path, f"cannot read the file ({err.strerror or err})") from err
    decoded = decode_text(path, data)
    fields, body = split_front_matter(path, decoded.text)
    body = _HIDDEN.sub("", body)
    pages: list[Page] = []
    lines: list[str] = []
    headings: list[str] = []
    first_heading = ""
    for line in body.split("\n"):
        if _PAGEBREAK.match(line):
            check_page_count(path, len(pages) + 2, max_pages)
            pages.append(Page(number=len(pages) + 1, text="\n".join(lines), headings=tuple(headings)))
            lines, headings = [], []
            continue
        line = _COMMENT.sub("", line)
        if heading := _HEADING.match(line):
            text = _plain(heading.group(2))
            headings.append(text)
            first_heading = first_heading or text
            lines.append(text)
        else:
            lines.append(_plain(line))
    pages.append(Page(number=len(pages) + 1, text="\n".join(lines), headings=tuple(headings)))
    hints = {"first_heading": first_heading} if first_heading else {}
    return Extracted(
        pages=tuple(pages), declared=fields, hints=hints, parser=decoded.parser("markdown"), notes=decoded.notes(path)
    )
