"""What every response tells the browser: security headers, CORS for the app's own origin only, and a
login page that does not carry the API description.

Gradio answers credentialed CORS for any ``http://localhost:<port>`` origin, sends no framing or
content-type rules, and embeds the whole API description (``window.gradio_api_info``) in the page it
shows before login, although ``/gradio_api/info`` itself needs a login.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from assistant.sessions import cookies_of
from assistant.webasgi import ASGIApp, Receive, Scope, Send, send_json

# What the Gradio front end needs and nothing more: its inline start-up script and styles, event
# handlers given as JavaScript text (compiled with new Function, hence 'unsafe-eval'), blob workers,
# data: images and fonts. No other host, no plugins, never inside another site's frame.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
_SAFE_METHODS = ("GET", "HEAD")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def foreign_origin(scope: Scope) -> bool:
    """Whether the request comes from a page of another origin (host and port differ from the request's own)."""
    origin = _header(scope, b"origin")
    if origin is None:
        return False  # not a cross-origin browser request (curl, gradio_client, a same-origin GET)
    # Behind a reverse proxy the Host header must be passed on (nginx: proxy_set_header Host $host).
    return urlsplit(origin).netloc.lower() != (_header(scope, b"host") or "").lower()


class SecurityHeaders:
    """ASGI middleware: security headers on every response; another origin gets no CORS and may not write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        foreign = foreign_origin(scope)
        if foreign and scope["method"] not in _SAFE_METHODS:
            # A page elsewhere may not post to the app with the user's cookies (nor ask a preflight).
            await send_json(send, 403, {"detail": "requests from other sites are refused"}, list(HEADERS))
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _secured(message.get("headers") or [], foreign)}
            await send(message)

        await self.app(scope, receive, with_headers)


def _secured(headers: list[tuple[bytes, bytes]], foreign: bool) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if not (foreign and k.lower().startswith(b"access-control-"))]
    present = {k.lower() for k, _ in kept}
    kept += [(k, v) for k, v in HEADERS if k not in present]
    if b"content-security-policy" in present:
        # A route's own policy (an original document is sandboxed) keeps its rules; framing is still refused.
        kept = [(k, v + b"; frame-ancestors 'none'" if k.lower() == b"content-security-policy" else v) for k, v in kept]
    else:
        kept.append((b"content-security-policy", CSP.encode()))
    return kept


_API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.DOTALL)


class NoApiBeforeLogin:
    """ASGI middleware: the page shown before login carries no API description (``gradio_api_info``)."""

    def __init__(self, app: ASGIApp, signed_in: Callable[[dict[str, str]], bool]) -> None:
        self.app = app
        self.signed_in = signed_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _SAFE_METHODS or scope["path"] != "/":
            await self.app(scope, receive, send)
            return
        if self.signed_in(cookies_of(scope.get("headers") or [])):
            await self.app(scope, receive, send)
            return
        # Read uncompressed, rewritten, then sent: the page is small.
        headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"accept-encoding"]
        start: dict[str, Any] = {}
        body = bytearray()

        async def rewrite(message: dict[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body"):
                    return
                page = _API_INFO.sub(b"window.gradio_api_info = null;</script>", bytes(body))
                kept = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
                await send({**start, "headers": [*kept, (b"content-length", str(len(page)).encode())]})
                await send({"type": "http.response.body", "body": page})
                return
            await send(message)

        await self.app({**scope, "headers": headers}, receive, rewrite)
