"""The web app's upload event without Gradio: whose files may be added, and the summary shown after.

Gradio keeps the browser's file name as the last component of the temporary path. A path the
session did not receive through the upload route (a server file, another session's upload) is
refused whole, before anything is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.errors import UploadError
from assistant.sessions import UploadedFiles
from assistant.uploads import UploadReport
from assistant.views import esc

NOT_OURS = "not uploaded in this session"


def original_name(path: str) -> str:
    """The name the browser sent (Gradio keeps it as the temporary path's last component)."""
    return Path(path).name


def foreign_files(files: Sequence[str], key: str, uploaded: UploadedFiles) -> list[str]:
    """The names of ``files`` that the session ``key`` did not upload (empty when all are its own)."""
    return [original_name(path) for path in files if not uploaded.owns(key, path)]


def refusal(names: Sequence[str]) -> UploadError:
    return UploadError(f"{names[0]}: was {NOT_OURS}; choose the file again and add it")


def upload_summary(report: UploadReport) -> str:
    lines = []
    for label, ids in (("added", report.added), ("updated", report.updated), ("unchanged", report.unchanged)):
        if ids:
            lines.append(f"- {label}: " + ", ".join(f"`{esc(doc_id)}`" for doc_id in ids))
    lines += [f"- error: {esc(error)}" for error in report.errors]
    return "\n".join(lines) or "- nothing to ingest"
