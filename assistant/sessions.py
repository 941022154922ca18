"""Who is behind a request (Gradio's login token and the user it names), and the files each session uploaded.

Gradio keeps signed-in sessions as random tokens in a cookie and maps them to user names in its app
(``tokens``). The app is known only once mounted, so :class:`Sessions` is attached to it then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any


def anonymous_key(address: str) -> str:
    """The session key without login: there are no sessions, so each client address is one."""
    return f"anonymous@{address}"


def cookies_of(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The cookies of an ASGI request's headers (a malformed cookie header counts as none)."""
    jar: SimpleCookie = SimpleCookie()
    for name, value in headers:
        if name.lower() == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - http.cookies raises CookieError and others on garbage
                continue
    return {key: morsel.value for key, morsel in jar.items()}


def request_address(request: Any) -> str:
    """The client address of an event's request (a ``gr.Request``), for the audit log."""
    client = getattr(request, "client", None) if request is not None else None
    return str(getattr(client, "host", None) or "unknown")


class Sessions:
    """The login tokens of the mounted Gradio app: which user a request is, and ending sessions."""

    def __init__(self) -> None:
        self._app: Any = None

    def attach(self, gradio_app: Any) -> None:
        self._app = gradio_app

    def token(self, cookies: Mapping[str, str]) -> str | None:
        if self._app is None:
            return None
        cookie_id = self._app.cookie_id
        return cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}") or None

    def key(self, request: Any) -> str:
        """The session an event's request (a ``gr.Request``) belongs to: its login token, or its address."""
        headers = getattr(request, "headers", None) or {}
        cookie = str(headers.get("cookie", "")).encode("latin-1", "replace")
        return self.token(cookies_of([(b"cookie", cookie)])) or anonymous_key(request_address(request))

    def user(self, cookies: Mapping[str, str]) -> str | None:
        """The signed-in user of a request, or None."""
        token = self.token(cookies)
        return self._app.tokens.get(token) if token is not None and self._app is not None else None

    def end_tokens(self, tokens: Iterable[str]) -> list[str]:
        """End these sessions; the tokens that were still open."""
        if self._app is None:
            return []
        return [token for token in tokens if self._app.tokens.pop(token, None) is not None]

    def known(self, token: str) -> bool:
        return self._app is not None and token in self._app.tokens

    def count(self) -> int:
        return len(self._app.tokens) if self._app is not None else 0

    def end(self, names: Iterable[str]) -> list[str]:
        """Sign ``names`` out everywhere (removed users, changed passwords); the tokens ended."""
        if self._app is None:
            return []
        doomed = set(names)
        ended = [token for token, name in list(self._app.tokens.items()) if name in doomed]
        for token in ended:
            self._app.tokens.pop(token, None)
        return ended


class UploadedFiles:
    """The files each session received through the upload route, and the bytes it sent.

    An upload event may name only files its own session uploaded: a path a client writes into a
    request (a server file, another user's upload) is refused.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, set[Path]] = {}
        self._bytes: dict[str, int] = {}

    def add(self, key: str, paths: Iterable[str]) -> None:
        with self._lock:
            self._files.setdefault(key, set()).update(Path(p).resolve() for p in paths)

    def owns(self, key: str, path: str | Path) -> bool:
        with self._lock:
            return Path(path).resolve() in self._files.get(key, set())

    def spend(self, key: str, count: int, budget: int) -> bool:
        """Count ``count`` more bytes against the session's ``budget``; False (nothing counted) when over."""
        with self._lock:
            spent = self._bytes.get(key, 0) + count
            if spent > budget:
                return False
            self._bytes[key] = spent
            return True

    def forget(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._files.pop(key, None)
                self._bytes.pop(key, None)
