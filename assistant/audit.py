"""An append-only audit log: one JSON object per line (who asked what, who uploaded what).

Each record is one line whatever its text holds (U+0085, U+2028 and U+2029 are escaped), written
with a single ``write`` on a file opened with ``O_APPEND`` and then ``fsync``-ed, so writers in
several threads or processes never interleave and a crash never leaves half a line. The file is
created with mode 0600: questions can be sensitive.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import AuditError, InvalidValue
from assistant.model import Answer

_RESERVED = ("time", "event", "user")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """Records events to ``path`` as JSON lines; ``AuditLog(None)`` records nothing."""

    def __init__(self, path: Path | None, clock: Callable[[], datetime] = _utc_now) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def record(self, event: str, user: str | None, **fields: Any) -> None:
        """Append ``{"time", "event", "user", **fields}``; values that JSON lacks (paths, dates) are written as text.

        Raises AuditError when the log cannot be written: the caller decides whether the action goes on.
        """
        if self.path is None:
            return
        clash = [name for name in fields if name in _RESERVED]
        if clash:
            raise InvalidValue(f"audit field name(s) {', '.join(clash)} are reserved; rename them")
        entry = {"time": self._clock().astimezone(UTC).isoformat(timespec="milliseconds"), "event": event, "user": user, **fields}
        line = (_one_line(json.dumps(entry, ensure_ascii=False, default=str)) + "\n").encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Opened per record: a rotated log (moved away by logrotate) is recreated, not written after its move.
                handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    written = 0
                    while written < len(line):  # a short write happens only on a full disk
                        written += os.write(handle, line[written:])
                    os.fsync(handle)
                finally:
                    os.close(handle)
            except OSError as err:
                reason = err.strerror or str(err)
                raise AuditError(f"{self.path}: cannot write the audit log ({reason}); check the folder and free space") from err


# JSON leaves these unescaped, but other tools (Python's splitlines, JavaScript, some log shippers)
# break lines there: a question or user name holding one would read as two records.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _one_line(text: str) -> str:
    for raw, escaped in _LINE_BREAKS.items():
        text = text.replace(raw, escaped)
    return text


def answer_fields(answer: Answer) -> dict[str, Any]:
    """What the audit log keeps of an answer: the question, what it covered and what it cited."""
    return {
        "question": answer.question,
        "language": answer.language,
        "countries": list(answer.countries),
        "abstained": answer.abstained,
        "relevance": round(answer.relevance, 4),
        "answerer": answer.answerer,
        "citations": [
            {"n": c.n, "doc_id": c.doc_id, "page": c.page, "article": c.article, "quote": c.quote, "ocr": c.ocr}
            for c in answer.citations
        ],
    }
