"""``GET /brief/download/{docx|md}?lang=xx``: the caller's saved brief, written when the link is clicked.

A plain link rather than a Gradio file component: one click downloads, and a page left open for hours
still gets the brief as it is now (a file written beforehand would have been swept from the temporary
folder). Only the signed-in user's own brief is ever written; without login, the local user's.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response

from assistant.audit import AuditLog
from assistant.brief import LANGS
from assistant.brief_docx import APP_AUTHOR
from assistant.briefexport import MEDIA_TYPES, saved_brief, write_export
from assistant.errors import SavedWorkError
from assistant.saved import LOCAL_USER, SavedWork
from assistant.sessions import Sessions
from assistant.webtext import text

_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def base_url(request: Request) -> str:
    """The app's address as the browser used it, for links in the DOCX; "" (relative links) if the Host is odd."""
    host = request.headers.get("host", "")
    scheme = request.url.scheme if request.url.scheme in ("http", "https") else "http"
    return f"{scheme}://{host}" if _HOST.fullmatch(host) else ""


def add_brief_route(api: FastAPI, saved: SavedWork, sessions: Sessions, login: bool, audit: AuditLog, folder: Path) -> None:
    @api.get("/brief/download/{kind}")
    def download(kind: str, request: Request, lang: str = "en") -> Response:
        user = sessions.user(request.cookies)
        if login and user is None:
            raise HTTPException(status_code=401, detail="log in first")
        if kind not in MEDIA_TYPES:
            raise HTTPException(status_code=404, detail=f"no brief format '{kind}'; use docx or md")
        if lang not in LANGS:
            raise HTTPException(status_code=400, detail=f"unknown interface language '{lang}'; use one of {', '.join(LANGS)}")
        try:
            brief = saved_brief(saved, user or LOCAL_USER, text("brief_default_title", lang))
        except SavedWorkError as err:
            print(f"policykb: {err}", file=sys.stderr, flush=True)
            raise HTTPException(status_code=503, detail=str(err)) from None
        if not brief.entries:
            raise HTTPException(status_code=409, detail="the brief is empty; add an answer to it first")
        path = write_export(brief, kind, lang, folder, author=user or APP_AUTHOR, base_url=base_url(request))  # type: ignore[arg-type]
        try:
            data = path.read_bytes()
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
        client = request.client.host if request.client else "unknown"
        audit.record("brief_export", user, address=client, format=kind, answers=len(brief.entries))
        return Response(
            data,
            media_type=MEDIA_TYPES[kind],
            headers={"Content-Disposition": f'attachment; filename="{path.name}"', "X-Content-Type-Options": "nosniff"},
        )
