"""Before each request: users file changes applied, sessions of removed users and idle sessions ended.

Gradio's login tokens never expire. Here a session unused for ``idle_s`` ends (the next request finds
its cookie naming nobody, and Gradio asks to sign in again), and so does the session of a user who is
no longer in the users file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from assistant.sessions import Sessions, cookies_of
from assistant.userfile import UserDirectory
from assistant.webasgi import ASGIApp, Receive, Scope, Send


class SessionCheck:
    """ASGI middleware in front of the app (login on only)."""

    def __init__(
        self,
        app: ASGIApp,
        users: UserDirectory,
        sessions: Sessions,
        idle_s: float,
        ended: Callable[[Iterable[str]], None] = lambda _: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.users = users
        self.sessions = sessions
        self.idle_s = idle_s
        self.ended = ended  # told the tokens ended here (their uploads are forgotten)
        self.clock = clock
        self._seen: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            self.check(cookies_of(scope.get("headers") or []))
        await self.app(scope, receive, send)

    def check(self, cookies: dict[str, str]) -> None:
        current = self.users()  # re-reads a changed file; may end sessions of removed users or new passwords
        token, user = self.sessions.token(cookies), self.sessions.user(cookies)
        if token is None or user is None:
            return
        now = self.clock()
        last = self._seen.get(token)
        if user not in current or (last is not None and now - last > self.idle_s):
            self._seen.pop(token, None)
            self.ended(self.sessions.end_tokens([token]))
            return
        self._seen[token] = now
        if len(self._seen) > 2 * self.sessions.count() + 1000:  # tokens ended elsewhere (logout, removals)
            self._seen = {t: seen for t, seen in self._seen.items() if self.sessions.known(t)}
