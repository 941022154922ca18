"""A user's saved brief written as a file, for the download route and the export API of the web app."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from assistant.brief import Brief, brief_filename, brief_markdown, check
from assistant.brief_docx import APP_AUTHOR, write_brief_docx
from assistant.saved import SavedWork

Kind = Literal["docx", "md"]
MEDIA_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
}


def saved_brief(saved: SavedWork, user: str, default_title: str) -> Brief:
    """The user's brief as saved (its entries in their order, its title or ``default_title``), dated now."""
    entries = tuple(item.entry for item in saved.brief(user))
    title = (saved.brief_title(user) or "").strip() or default_title
    return Brief(title=title, entries=entries, created_at=datetime.now(UTC).isoformat(timespec="seconds"))


def write_export(brief: Brief, kind: Kind, lang: str, folder: Path, *, author: str = APP_AUTHOR, base_url: str = "") -> Path:
    """Write ``brief`` in a new folder inside ``folder`` (names never collide); the file's path.

    Raises BriefError for an empty brief or an unknown language, before anything is written.
    """
    check(brief, lang)
    path = Path(tempfile.mkdtemp(dir=folder)) / brief_filename(brief, f".{kind}")
    if kind == "docx":
        write_brief_docx(brief, lang, path, author=author, base_url=base_url)
    else:
        path.write_text(brief_markdown(brief, lang, base_url), encoding="utf-8")
    return path
