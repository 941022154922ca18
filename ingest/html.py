"""HTML reader: the standard library's parser, block elements become lines.

Scripts, styles and navigation chrome are dropped; headings are remembered as structure.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ingest.encoding import decode_text
from ingest.errors import MAX_PAGES, CorruptDocumentError
from ingest.records import Extracted, Page

_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "li",
    "tr",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "header",
    "footer",
    "main",
    "td",
    "th",
}
_SKIPPED = {"script", "style", "noscript", "template", "nav", "svg", "iframe"}
# Browsers ignore "/>" on these: "<script src=x/>code</script>" runs the code, so the parser must skip it too.
_NOT_SELF_CLOSING = {"script", "style", "noscript", "template", "nav", "iframe"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# <meta charset="windows-1256">, or the older <meta http-equiv="Content-Type" content="text/html; charset=...">.
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.headings: list[str] = []
        self.title = ""
        self.lang = ""
        self._buffer: list[str] = []
        self._skip_depth = 0
        self._in_title = False
        self._heading_depth = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._buffer).split())
        self._buffer.clear()
        if text:
            self.lines.append(text)
            if self._heading_depth:
                self.headings.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = (dict(attrs).get("lang") or "").split("-")[0].lower()
        if tag == "title":
            self._in_title = True
        if tag in _SKIPPED:
            self._skip_depth += 1
        if tag in _BLOCKS:
            self._flush()
        if tag in _HEADINGS:
            self._heading_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _NOT_SELF_CLOSING:
            if tag in ("script", "style"):
                self.set_cdata_mode(tag)  # as for "<script>": its text is code, not markup
            return
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _SKIPPED and self._skip_depth:
            self._skip_depth -= 1
        if tag in _BLOCKS:
            self._flush()
        if tag in _HEADINGS and self._heading_depth:
            self._heading_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return  # script text stays out of the title too: "<title><script>" is not markup to trust
        if self._in_title:
            self.title += data
        else:
            self._buffer.append(data)


def read_html(path: Path, max_pages: int = MAX_PAGES) -> Extracted:
    """One page, whatever ``max_pages`` (HTML has no pages)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CorruptDocumentError(path, f"cannot read the file ({err.strerror or err})") from err
    # Older Arabic government sites still serve windows-1256, declared or not (see ingest.encoding).
    declared = _CHARSET.search(data[:4096])
    decoded = decode_text(path, data, declared.group(1).decode("ascii") if declared else "")
    collector = _TextCollector()
    collector.feed(decoded.text)
    collector.close()
    collector._flush()
    hints: dict[str, str] = {}
    if collector.title.strip():
        hints["html_title"] = " ".join(collector.title.split())
    if collector.headings:
        hints["first_heading"] = collector.headings[0]
    if collector.lang:
        hints["html_lang"] = collector.lang
    page = Page(number=1, text="\n".join(collector.lines), headings=tuple(collector.headings))
    return Extracted(pages=(page,), hints=hints, parser=decoded.parser("html.parser"), notes=decoded.notes(path))
