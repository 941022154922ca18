"""``policykb serve``: the web app behind one FastAPI server, safe and offline by default.

FastAPI is imported here at module level because it resolves route annotations from module globals;
Gradio is imported only inside ``create_server_app``, once its temporary folder is set.

Composes the Gradio app (assistant.app) with the routes Gradio does not have: the original file of
a cited document, and a limit on request bodies. Bound to loopback unless told otherwise; never a
share link; Gradio's temporary files go to a private folder; the store is a blocked path.
"""

from __future__ import annotations

import asyncio
import mimetypes
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount

from assistant.access import LoginGuard
from assistant.audit import AuditLog
from assistant.config import AssistantConfig, WebConfig
from assistant.original import READABLE_CSP, is_readable, readable_page
from assistant.tempfiles import swept
from assistant.throttle import EveryInterval
from assistant.webasgi import REQUEST_ADDRESS, RememberAddress
from ingest.config import IngestConfig
from ingest.errors import IngestError
from kb.config import EmbedConfig, RetrievalConfig, StoreConfig
from kb.errors import StoreDamagedError
from kb.health import start_check

if TYPE_CHECKING:  # loaded when the app is built: Gradio must not load before its folder is set
    from assistant.saved import SavedWork
    from assistant.sessions import Sessions, UploadedFiles
    from assistant.userfile import UserDirectory
    from kb.store import Store


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``serve`` needs, cut from the one settings object at the edge."""

    store: StoreConfig
    embed: EmbedConfig
    retrieval: RetrievalConfig
    ingest: IngestConfig
    assistant: AssistantConfig
    web: WebConfig


Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyLimit:
    """Refuse request bodies above ``max_bytes`` with 413, whether or not they announce their length."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Past the limit mid-stream: the client is treated as gone, the handler stops reading.
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)


async def _too_large(send: Send, max_bytes: int) -> None:
    body = f'{{"detail": "request body over {max_bytes // (1024 * 1024)} MiB; send smaller files or fewer at once"}}'.encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def original_file(metadata: Mapping[str, Any]) -> Path | None:
    """The stored document's source file, if it is a file under its own root (never outside it)."""
    root, source = str(metadata.get("root") or ""), str(metadata.get("source") or "")
    if not root or not source:
        return None  # documents ingested from text records have no file
    base = Path(root).resolve()
    path = (base / source).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def _login_check(guard: LoginGuard, audit: AuditLog) -> Callable[[str, str], Awaitable[bool]]:
    """The password check as a coroutine that runs it in a worker thread, throttled and audited.

    Gradio calls a plain function inside its async login route, on the event loop: a scrypt check
    (about 0.1 s, seconds on a busy machine) then stalls every open request, and 16 clients logging in
    at once stalled the server past gradio_client's 5 s timeout (bench --load). Gradio awaits a coroutine.
    The client's address comes from the request (webasgi.RememberAddress): the throttle counts per address.
    """

    report_throttled = EveryInterval(60.0)

    async def checked(username: str, password: str) -> bool:
        address = REQUEST_ADDRESS.get()
        outcome = await asyncio.to_thread(guard.check, username, password, address)
        if outcome == "throttled":
            if report_throttled((address, username)):  # once a minute per address and name, not per attempt
                audit.record("login_throttled", username, address=address)
        elif outcome == "wrong":
            audit.record("login_failed", username, address=address)
        else:
            audit.record("login", username, address=address)
        return outcome == "ok"

    return checked


def _ready_searcher(store: Any, embedder: Any, retrieval: RetrievalConfig) -> Any:
    """A searcher whose lexical index and translations are loaded (or built) now, not at the first
    question: under load the first questions arrive together and every ask worker would build them at
    once (N times the CPU and memory, the server stalled meanwhile). A store that cannot be read fails
    here, at start."""
    from kb.search import Searcher

    searcher = Searcher(store, embedder, retrieval)
    searcher.refresh()
    return searcher


def _add_routes(
    api: FastAPI, store: Any, saved: Any, sessions: Any, login: bool, audit: AuditLog, export_dir: Path
) -> None:
    """The app's own routes beside Gradio: originals, the page viewer, brief downloads."""
    from assistant.briefroute import add_brief_route
    from assistant.viewerroute import add_viewer_route

    add_document_route(api, store, sessions, login, audit)
    add_brief_route(api, saved, sessions, login, audit, export_dir)
    add_viewer_route(api, store, sessions, login, audit, original_file)


def create_server_app(config: ServeConfig, temp: Path) -> Any:
    """Build the ASGI app: Gradio mounted at / beside the document route, behind the body limit.

    Imports Gradio, so the offline switches (kb.offline) must already be set, and Gradio's
    temporary folder (GRADIO_TEMP_DIR) be ``temp``: exported briefs are written there too.
    """
    from assistant.app import Services, build_app
    from assistant.sessions import Sessions, UploadedFiles
    from assistant.throttle import LoginThrottle
    from assistant.uploadgate import UploadGate, may_upload
    from kb.embed import Embedder
    from kb.store import Store

    web = config.web
    sessions, uploaded = Sessions(), UploadedFiles()

    def end_sessions(names: set[str]) -> None:
        uploaded.forget(sessions.end(names))

    directory = _directory(web, end_sessions)
    guard = LoginGuard(directory, LoginThrottle(web.throttle)) if directory else None
    store = Store(config.store)
    embedder = Embedder(config.embed)
    searcher = _ready_searcher(store, embedder, config.retrieval)
    audit = AuditLog(web.audit_log)
    export_dir = Path(tempfile.mkdtemp(prefix="policykb-export-", dir=temp))
    saved = _saved_work(web, export_dir)

    def allowed(user: str | None) -> bool:
        return may_upload(web, guard.role if guard else None, user)

    services = Services(  # everything the page's handlers use
        searcher=searcher,
        store=store,
        embedder=embedder,
        assistant=config.assistant,
        ingest=config.ingest,
        web=web,
        index_dir=config.retrieval.index_dir,
        audit=audit,
        guard=guard,
        export_dir=export_dir,
        saved=saved,
        sessions=sessions,
        uploaded=uploaded,
        may_upload=allowed,
    )
    blocks = build_app(services)
    blocks.queue(default_concurrency_limit=web.ask_concurrency, max_size=web.queue_size)

    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    _add_routes(api, store, saved, sessions, guard is not None, audit, export_dir)

    app = _mount(api, blocks, config, _login_check(guard, audit) if guard else None, sessions)
    gated = UploadGate(app, sessions, uploaded, allowed, audit, web.max_session_upload_mb * 1024 * 1024)
    return _guarded(gated, web, sessions, uploaded, directory)


def _guarded(app: Any, web: WebConfig, sessions: Sessions, uploaded: UploadedFiles, directory: UserDirectory | None) -> Any:
    """The app behind its guards: sessions that end (idle, or their user removed), no API before login,
    the security headers, the body limit, and the client's address remembered for the throttle."""
    from assistant.headers import NoApiBeforeLogin, SecurityHeaders
    from assistant.sessioncheck import SessionCheck

    if directory is not None:
        checked = SessionCheck(app, directory, sessions, web.session_idle_s, ended=uploaded.forget)
        app = NoApiBeforeLogin(checked, lambda cookies: sessions.user(cookies) is not None)
    return SecurityHeaders(BodyLimit(RememberAddress(app), web.max_request_mb * 1024 * 1024))


def _directory(web: WebConfig, on_change: Callable[[set[str]], None]) -> UserDirectory | None:
    """The users who may sign in (the users file and the password-given admin), or None: no login."""
    from assistant.access import admin_from_password
    from assistant.userfile import UserDirectory

    admin = admin_from_password(web.admin_user, web.admin_password)
    # A users file, even an empty one, means login: nobody signs in rather than everybody.
    return UserDirectory(web.users_file, admin, on_change=on_change) if web.users_file or admin else None


def _saved_work(web: WebConfig, export_dir: Path) -> SavedWork:
    """Each user's brief and saved conversations; questions are still answered when saving is off."""
    from assistant.errors import SavedWorkError
    from assistant.saved import SavedWork

    saved = SavedWork(web.saved_db or export_dir / "saved.sqlite")
    try:
        saved.check()
    except SavedWorkError as err:  # saving says why it is off
        print(f"policykb: {err}", file=sys.stderr, flush=True)
    return saved


def _readable(path: Path, metadata: Mapping[str, Any]) -> Response:
    """An HTML, Markdown, DOCX or text original as its text, escaped, in a page that runs nothing
    (assistant.original); ``?original=1`` still gives the file itself."""
    try:
        page = readable_page(path, str(metadata.get("title") or path.name), str(metadata.get("lang") or ""))
    except (IngestError, ValueError, OSError) as err:
        raise HTTPException(status_code=404, detail=f"the original of '{path.name}' cannot be read: {err}") from err
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": READABLE_CSP}
    return HTMLResponse(page, headers=headers)


def add_document_route(api: FastAPI, store: Store, sessions: Sessions, login: bool, audit: AuditLog) -> None:
    """``GET /document/{doc_id}``: a cited document's original file, to signed-in users when there is a login."""
    report_refused = EveryInterval(60.0)  # anyone can ask without signing in: one record a minute per address

    @api.get("/document/{doc_id:path}")
    def document(doc_id: str, request: Request) -> Response:
        user = sessions.user(request.cookies)
        address = request.client.host if request.client else "unknown"
        if login and user is None:
            if report_refused((address, "document")):
                audit.record("document_refused", None, address=address, doc_id=doc_id, reason="not signed in")
            raise HTTPException(status_code=401, detail="log in first")
        stored = store.document(doc_id)
        path = original_file(stored.metadata) if stored is not None else None
        audit.record("document", user, address=address, doc_id=doc_id, served=path is not None)
        if stored is None:
            raise HTTPException(status_code=404, detail=f"no document '{doc_id}' in the knowledge base")
        if path is None:
            raise HTTPException(status_code=404, detail=f"the original file of '{doc_id}' is not available on this server")
        if is_readable(path) and request.query_params.get("original") != "1":
            return _readable(path, stored.metadata)
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"X-Content-Type-Options": "nosniff"}
        if media != "application/pdf":
            # An HTML source is shown as text, and nothing served may run script in our origin.
            # (A PDF cannot be sandboxed: Chromium's viewer refuses sandboxed documents.)
            media = "text/plain; charset=utf-8" if media.startswith(("text/", "application/xhtml")) else media
            headers["Content-Security-Policy"] = "sandbox"
        return FileResponse(path, media_type=media, filename=path.name, content_disposition_type="inline", headers=headers)


def _mount(
    api: FastAPI, blocks: Any, config: ServeConfig, auth: Callable[[str, str], Awaitable[bool]] | None, sessions: Sessions
) -> Any:
    """Gradio at /, offline and without share links, uploads bounded, the store a blocked path; ``sessions``
    follow Gradio's login tokens."""
    import gradio as gr

    from assistant.appbrief import BRIEF_CSS
    from assistant.webstyle import CSS, HEAD, theme

    blocked = [str(config.store.path.resolve())] if not config.store.chroma_url else []
    app = gr.mount_gradio_app(
        api,
        blocks,
        path="/",
        auth=auth,
        auth_message="policykb: sign in with the account your administrator gave you.",
        blocked_paths=blocked,
        allowed_paths=[],
        max_file_size=f"{config.web.max_upload_mb}mb",
        ssr_mode=False,
        enable_monitoring=False,
        pwa=False,
        mcp_server=False,
        footer_links=["api"],
        theme=theme(),
        css=CSS + BRIEF_CSS,
        head=HEAD,
        show_error=True,
    )
    # Only launch() sets this flag, and without it Gradio skips its own check that a file named in a
    # request was uploaded by a user and is not a blocked path (processing_utils._check_allowed).
    # The app does not rely on it (no event takes client-sent history; uploads are checked against
    # the session's own), but a second lock costs nothing.
    blocks.has_launched = True
    for route in app.routes:
        if isinstance(route, Mount) and hasattr(route.app, "tokens"):
            sessions.attach(route.app)
    return app


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def serve(config: ServeConfig, temp: Path, announce: Callable[[str], None] = lambda _: None) -> None:
    """Build the app (errors in users file, store or settings surface here), announce its URL, run until interrupted.

    ``temp`` is the server's private temporary folder (assistant.tempfiles.private_temp_dir), which
    the entry has made Gradio's (GRADIO_TEMP_DIR) before Gradio loads; it is swept while the server
    runs and removed when it stops.
    """
    import uvicorn

    # An embedded store is checked before anything here reads it: a damaged vector index can crash
    # the reader, and a message beats a dead server. The check runs in a child process while Gradio
    # loads, so it costs start-up little.
    check = None if config.store.chroma_url else start_check(config.store)
    import gradio  # noqa: F401 - loaded now, beside the check; create_server_app uses it

    if check is not None:
        health = check.result()
        if not health.ok:
            raise StoreDamagedError(health.message())
    app = create_server_app(config, temp)
    announce(f"http://{config.web.host}:{config.web.port}")
    proxies = list(config.web.trusted_proxies)
    # uvicorn stops cleanly on SIGTERM, then raises the signal again with the handler it found: the
    # default one would end the process before the temporary folder is removed.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with swept(temp, config.web.temp_max_age_s):
        uvicorn.run(
            app,
            host=config.web.host,
            port=config.web.port,
            log_level="warning",
            server_header=False,
            # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: any local client could
            # then pick its address. Forwarding headers count only from the proxies the operator names.
            proxy_headers=bool(proxies),
            forwarded_allow_ips=proxies or None,
        )
