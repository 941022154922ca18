"""What the web app's handlers share: the :class:`Services` built at start-up, and how errors reach the page.

Part of the Gradio UI (assistant.app and its handler modules); nothing outside the web app imports it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import gradio as gr

from assistant.access import LoginGuard
from assistant.audit import AuditLog
from assistant.config import AssistantConfig, WebConfig
from assistant.model import Answer, Citation
from assistant.saved import SavedWork
from assistant.sessions import Sessions, UploadedFiles
from assistant.webinput import InputError
from assistant.webtext import text
from ingest.config import IngestConfig
from kb.embed import Embedder
from kb.errors import KBError
from kb.search import Searcher
from kb.store import Store

T = TypeVar("T")


@dataclass
class Services:
    """What the handlers need, built once when the server starts."""

    searcher: Searcher
    store: Store
    embedder: Embedder
    assistant: AssistantConfig
    ingest: IngestConfig
    web: WebConfig
    index_dir: Path | None
    audit: AuditLog
    guard: LoginGuard | None
    export_dir: Path  # exported briefs, inside the server's private temporary folder
    saved: SavedWork  # each user's brief and conversations (assistant.saved)
    sessions: Sessions  # who a request is (Gradio's login tokens)
    uploaded: UploadedFiles  # the files each session sent through the upload route
    may_upload: Callable[[str | None], bool]  # the one role rule for adding documents (assistant.uploadgate)


def checked(read: Callable[[], T]) -> T:
    """Run an input check; its one-line message is what the user sees."""
    try:
        return read()
    except InputError as err:
        raise gr.Error(str(err)) from err


@contextmanager
def store_errors(lang: str) -> Iterator[None]:
    """A store that cannot be reached (a Chroma server down, restarting or hung) is a message, not a crash.

    Nothing is cached as broken: the next request asks the store again, so the app recovers by itself.
    """
    try:
        yield
    except KBError as err:
        print(f"policykb: {err}", file=sys.stderr, flush=True)  # the administrator sees it in the server log
        raise gr.Error(text("store_unavailable", lang).format(err)) from err


def user_of(request: gr.Request | None) -> str | None:
    """The signed-in user a request comes from, or None without login."""
    name = getattr(request, "username", None) if request is not None else None
    return str(name) if name is not None else None


def citation_of(current: Answer | None, number: str | None) -> Citation | None:
    """The citation a sources choice names (its number), or None."""
    if current is None or not number:
        return None
    return next((c for c in current.citations if str(c.n) == str(number)), None)
