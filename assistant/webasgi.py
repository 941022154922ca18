"""The few ASGI pieces the server's middleware share: types, the client's address, a JSON answer."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def client_address(scope: Scope) -> str:
    """The peer's address (uvicorn puts a trusted proxy's X-Forwarded-For there, and nothing else does)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def send_json(send: Send, status: int, content: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(content).encode()
    start = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})


# The address of the request being handled: Gradio calls the password check with a name and a
# password only, and the throttle needs the address too.
REQUEST_ADDRESS: ContextVar[str] = ContextVar("policykb_request_address", default="unknown")


class RememberAddress:
    """ASGI middleware: sets :data:`REQUEST_ADDRESS` for everything the request runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = REQUEST_ADDRESS.set(client_address(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_ADDRESS.reset(token)
