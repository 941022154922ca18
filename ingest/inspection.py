"""What ingest makes of each page of one file, for an archivist deciding whether to trust it.

``policykb inspect FILE`` prints this: per page, the detected language, the text-quality score, the
repair chosen, the reading-order method (PDFs: content stream or glyph positions), whether OCR was
used, whether the page is indexed, and its first line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ingest.langid import detect_language
from ingest.pages import PageTexts, first_line


@dataclass(frozen=True)
class PageReport:
    page: int
    lang: str  # detected from the page's text; "" when too little text
    quality: float  # ingest.quality score of the reading kept (or rejected)
    repair: str  # the reading chosen ("none", "nfkc", "visual-order", ..., "ocr")
    order: str  # PDFs: how the text was put in reading order ("stream", "glyphs"; "ocr"); "" for other formats
    ocr: bool
    indexed: bool
    first_line: str  # of the indexed text, or of the rejected text layer
    note: str  # why the page is not indexed; "" when it is

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def page_reports(texts: PageTexts) -> list[PageReport]:
    notes = {note.number: f"{note.problem}; {note.advice}" for note in texts.notes}
    reports = []
    for page in texts.pages:
        shown = page.text or page.rejected
        reports.append(
            PageReport(
                page=page.number,
                lang=detect_language(page.text, fallback="") if page.text else "",
                quality=round(page.quality, 3),
                repair=page.repair,
                order="ocr" if page.ocr else page.order,
                ocr=page.ocr,
                indexed=bool(page.text.strip()),
                first_line=first_line(shown),
                note=notes.get(page.number, page.skipped if page.skipped and page.skipped != "no text" else ""),
            )
        )
    return reports


def format_reports(reports: list[PageReport]) -> str:
    """A fixed-width table, one line per page."""
    lines = [f"{'page':>4}  {'lang':4}  {'quality':>7}  {'repair':12}  {'order':6}  {'ocr':3}  {'indexed':7}  first line"]
    for r in reports:
        lines.append(
            f"{r.page:>4}  {r.lang or '-':4}  {r.quality:>7.2f}  {r.repair:12}  {r.order or '-':6}  "
            f"{'yes' if r.ocr else 'no':3}  {'yes' if r.indexed else 'NO':7}  {r.first_line}"
        )
        if r.note:
            lines.append(f"{'':>4}  not indexed: {r.note}")
    return "\n".join(lines)
