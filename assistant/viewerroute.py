"""``GET /viewer/{doc_id}?page=N&q=QUOTE``: a cited PDF page in the app, the quoted words marked.

The page is an image drawn by the server (assistant.pdfview) inside a small HTML page with the
document's title, page navigation and a link to the original file. Signed-in users only when there
is a login, as the originals themselves. The page runs no script and loads nothing but its image.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from assistant.audit import AuditLog
from assistant.pdfview import MAX_QUOTE_CHARS, PageNotFound, locate, render_page
from assistant.sessions import Sessions
from assistant.views import viewer_url
from assistant.webtext import text
from kb.store import Store

VIEWER_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f3f3f3;color:#1a1a1a}"
    "header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.5rem 1rem;display:flex;"
    "flex-wrap:wrap;gap:.4rem 1rem;align-items:baseline}h1{font-size:1rem;margin:0;flex:1 1 20rem;unicode-bidi:plaintext}"
    "nav a,header a{color:#1a56b0}img{display:block;max-width:100%;height:auto;margin:1rem auto;background:#fff;"
    "box-shadow:0 1px 4px rgba(0,0,0,.2)}.note{margin:.5rem 1rem;color:#8a4b00}"
)


def _page_html(doc_id: str, title: str, page: int, pages: int, quote: str, marked: str, lang: str) -> str:
    esc = html.escape
    image = f"/viewer-page/{url_quote(doc_id, safe='/')}?" + urlencode({"page": page, "q": quote})
    steps = []
    if page > 1:
        steps.append(f'<a href="{esc(viewer_url(doc_id, page - 1, quote))}&amp;lang={lang}"><bdi>← {page - 1}</bdi></a>')
    steps.append(f"<span>{esc(text('page', lang))} <bdi>{page} / {pages}</bdi></span>")
    if page < pages:
        steps.append(f'<a href="{esc(viewer_url(doc_id, page + 1, quote))}&amp;lang={lang}"><bdi>{page + 1} →</bdi></a>')
    original = f"/document/{url_quote(doc_id, safe='/')}#page={page}"
    note = "" if marked else f'<p class="note">{esc(text("viewer_not_found", lang))}</p>'
    direction = "rtl" if lang == "ar" else "ltr"
    return (
        f'<!doctype html><html lang="{esc(lang)}" dir="{direction}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
        f"<style>{STYLE}</style></head><body><header><h1>{esc(title)}</h1><nav>{' '.join(steps)}</nav>"
        f'<a href="{esc(original)}">{esc(text("viewer_original", lang))}</a></header>{note}'
        f'<img src="{esc(image)}" alt="{esc(text("page", lang))} {page}: {esc(title)}"></body></html>'
    )


def add_viewer_route(
    api: FastAPI, store: Store, sessions: Sessions, login: bool, audit: AuditLog, original: Callable[[Any], Path | None]
) -> None:
    """The viewer page and its image; ``original`` gives a stored document's PDF (assistant.server.original_file)."""

    def pdf_of(doc_id: str, request: Request, event: str) -> tuple[Any, Path]:
        user = sessions.user(request.cookies)
        if login and user is None:
            raise HTTPException(status_code=401, detail="log in first")
        stored = store.document(doc_id)
        path = original(stored.metadata) if stored is not None else None
        if event == "viewer":
            audit.record("viewer", user, address=request.client.host if request.client else "unknown", doc_id=doc_id)
        if stored is None or path is None or path.suffix.lower() != ".pdf":
            raise HTTPException(status_code=404, detail=f"no PDF original of '{doc_id}' on this server")
        return stored, path

    @api.get("/viewer/{doc_id:path}")
    def viewer(doc_id: str, request: Request, page: int = 1, q: str = "", lang: str = "en") -> Response:
        stored, path = pdf_of(doc_id, request, "viewer")
        quote = q[:MAX_QUOTE_CHARS]
        try:
            page, rendered = locate(path, page, quote)
        except PageNotFound as err:
            raise HTTPException(status_code=404, detail=str(err)) from err
        title = str(stored.metadata.get("title") or doc_id)
        ui_lang = lang if lang in ("en", "fr", "ar") else "en"
        body = _page_html(doc_id, title, page, rendered.pages, quote, rendered.marked, ui_lang)
        return HTMLResponse(body, headers={"Content-Security-Policy": VIEWER_CSP, "X-Content-Type-Options": "nosniff"})

    @api.get("/viewer-page/{doc_id:path}")
    def viewer_page(doc_id: str, request: Request, page: int = 1, q: str = "") -> Response:
        _, path = pdf_of(doc_id, request, "viewer_page")
        try:
            rendered = render_page(path, page, q[:MAX_QUOTE_CHARS])
        except PageNotFound as err:
            raise HTTPException(status_code=404, detail=str(err)) from err
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
        return Response(rendered.png, media_type="image/png", headers=headers)
