"""The gate in front of Gradio's upload route: the role check before a byte is written, a per-session budget.

Gradio's ``/gradio_api/upload`` accepts files from any signed-in user and writes them to its
temporary folder before any event handler runs. Here the caller's role is checked first (only those
who may add documents may upload at all, so readers cannot fill the disk), each session has a budget
of bytes, and the paths Gradio answers with are recorded as that session's: the upload event then
accepts only those (:class:`assistant.sessions.UploadedFiles`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from assistant.audit import AuditLog
from assistant.config import WebConfig
from assistant.sessions import Sessions, UploadedFiles, anonymous_key, cookies_of
from assistant.webasgi import ASGIApp, Receive, Scope, Send, client_address, send_json

UPLOAD_PATH = "/gradio_api/upload"


def may_upload(web: WebConfig, role: Callable[[str | None], str | None] | None, user: str | None) -> bool:
    """Whether ``user`` may add documents: admins with login; anyone without, if the operator allowed it."""
    if web.upload_dir is None:
        return False
    if role is None:  # no login
        return web.anonymous_upload
    return role(user) == "admin"


class UploadGate:
    """ASGI middleware: refuses uploads by those who may not add documents, and records who uploaded what."""

    def __init__(
        self,
        app: ASGIApp,
        sessions: Sessions,
        files: UploadedFiles,
        allowed: Callable[[str | None], bool],
        audit: AuditLog,
        budget_bytes: int,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.files = files
        self.allowed = allowed
        self.audit = audit
        self.budget_bytes = budget_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        cookies = cookies_of(scope.get("headers") or [])
        token = self.sessions.token(cookies)
        user = self.sessions.user(cookies)
        address = client_address(scope)
        if not self.allowed(user):
            self.audit.record("upload_refused", user, address=address, reason="role may not add documents")
            await send_json(send, 403, {"detail": "adding documents is reserved to administrators"})
            return
        key = token or anonymous_key(address)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not self.files.spend(key, int(declared) if declared.isdigit() else 0, self.budget_bytes):
            await self._over_budget(send, user, address)
            return
        over = False

        async def counted() -> dict[str, Any]:
            # Bodies sent without a length (chunked) are counted as they arrive; past the budget the
            # client is treated as gone. A declared length was counted above.
            nonlocal over
            message = await receive()
            chunk = len(message.get("body", b"")) if message["type"] == "http.request" else 0
            if not declared.isdigit() and not self.files.spend(key, chunk, self.budget_bytes):
                over = True
                return {"type": "http.disconnect"}
            return message

        # The answer (a JSON list of saved paths) is read here, so it must not be compressed.
        headers = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"accept-encoding"]
        body = bytearray()
        status = 0

        async def recording(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body") and status == 200:
                    self._record(key, bytes(body))
            await send(message)

        await self.app({**scope, "headers": headers}, counted, recording)
        if over:
            self.audit.record("upload_refused", user, address=address, reason="session upload budget spent")

    async def _over_budget(self, send: Send, user: str | None, address: str) -> None:
        self.audit.record("upload_refused", user, address=address, reason="session upload budget spent")
        mib = self.budget_bytes // (1024 * 1024)
        await send_json(send, 413, {"detail": f"this session has uploaded its {mib} MiB; sign in again to upload more"})

    def _record(self, key: str, body: bytes) -> None:
        try:
            paths = json.loads(body)
        except ValueError:
            return
        if isinstance(paths, list):
            self.files.add(key, [p for p in paths if isinstance(p, str)])
