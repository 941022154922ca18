"""The users file as it is now: re-read when it changes, so passwords, removals and roles count at once.

``policykb user add`` (or ``remove``) replaces the file while the server runs. Each lookup stats the
file (cheap) and re-reads it when its identity, size or time changed. Users whose password changed or
who were removed are handed to ``on_change``, which ends their sessions. A file that stops being
readable or valid keeps the last good users, with one message in the server log per bad version:
refusing everyone over a typo would lock the administrators out of their own fix.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from assistant.access import User, load_users
from assistant.errors import AccessError

_Signature = tuple[int, int, int, int]


def _signature(path: Path) -> _Signature | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _report(message: str) -> None:
    print(f"policykb: {message}", file=sys.stderr, flush=True)


class UserDirectory:
    """The users of ``path`` (if any) and of the environment (``fixed``, never re-read), as of now."""

    def __init__(
        self,
        path: Path | None,
        fixed: Mapping[str, User],
        on_change: Callable[[set[str]], None] = lambda _: None,
        report: Callable[[str], None] = _report,
    ) -> None:
        self._path = path
        self._fixed = dict(fixed)
        self._on_change = on_change
        self._report = report
        self._lock = threading.Lock()
        self._seen = _signature(path) if path else None
        self._from_file = load_users(path) if path else {}  # a bad file at start is an error, as before
        self._users = {**self._from_file, **self._fixed}

    def __call__(self) -> Mapping[str, User]:
        """The users now (re-reading the file if it changed since the last call)."""
        if self._path is None:
            return self._users
        seen = _signature(self._path)
        if seen == self._seen:
            return self._users
        with self._lock:
            if seen == self._seen:
                return self._users
            self._seen = seen
            try:
                loaded = load_users(self._path)
            except AccessError as err:
                self._report(f"{err}; keeping the {len(self._from_file)} user(s) read before, fix the file")
                return self._users
            changed = {
                name
                for name, user in self._from_file.items()
                if name not in self._fixed and (name not in loaded or loaded[name].password_hash != user.password_hash)
            }
            self._from_file = loaded
            self._users = {**loaded, **self._fixed}
        if changed:
            self._on_change(changed)
        return self._users
