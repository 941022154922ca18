"""The web app's library tab: what the store holds, and adding documents for those allowed to.

Part of the Gradio UI (assistant.app lays out the page and calls :func:`wire_library`). Who may add
documents is checked here, on the server, for every upload (assistant.uploadgate holds the rule).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.applayout import Page
from assistant.appservices import Services, store_errors, user_of
from assistant.errors import AssistantError
from assistant.sessions import request_address
from assistant.uploads import UploadLimits, UploadMeta, ingest_uploads
from assistant.views import library_html
from assistant.webtext import text
from assistant.webupload import NOT_OURS, foreign_files, original_name, refusal, upload_summary
from kb.stats import collect_stats, list_documents


class LibraryHandlers:
    """The library tab's event handlers, over the services the server built."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def can_upload(self, request: gr.Request | None) -> bool:
        return self.services.may_upload(user_of(request))

    def library(self, lang: str) -> str:
        """The library's table: counts and every document the store holds."""
        with store_errors(lang):
            return library_html(collect_stats(self.services.store), list_documents(self.services.store), lang)

    def show_library(self, lang: str, request: gr.Request) -> tuple[str, Any, Any]:
        """The library, with the upload form for those allowed to add documents and a note for the others."""
        allowed = self.can_upload(request)
        return self.library(lang), gr.update(visible=allowed), gr.update(visible=not allowed)

    def upload(
        self,
        files: list[str] | None,
        country: str | None,
        doc_type: str | None,
        year: float | None,
        lang_code: str | None,
        lang: str,
        request: gr.Request,
    ) -> tuple[str, str, None]:
        """Add the files this session sent, with the form's metadata; the report is the page's summary."""
        services, web = self.services, self.services.web
        upload_dir = self._allowed_dir(files, request, lang)
        named = [(original_name(path), Path(path)) for path in files or ()]
        try:
            meta = UploadMeta.from_form(country, doc_type, year or None, lang_code)  # an empty number field sends 0
        except AssistantError as err:
            raise gr.Error(str(err)) from err
        limits = UploadLimits(max_file_bytes=web.max_upload_mb * 1024 * 1024, max_files=web.max_upload_files)
        with store_errors(lang):
            report = ingest_uploads(
                named, meta, upload_dir, services.store, services.embedder, services.ingest, limits, services.index_dir
            )
            if report.changed:
                services.searcher.refresh()
        services.audit.record(
            "upload",
            user_of(request),
            address=request_address(request),
            files=[name for name, _ in named],
            added=list(report.added),
            updated=list(report.updated),
            unchanged=list(report.unchanged),
            errors=list(report.errors),
        )
        return upload_summary(report), self.library(lang), None

    def _allowed_dir(self, files: list[str] | None, request: gr.Request, lang: str) -> Path:
        """The upload folder, once the caller's role and files are checked; a refusal is audited."""
        services = self.services
        if not self.can_upload(request):
            services.audit.record("upload_refused", user_of(request), address=request_address(request), reason="role")
            raise gr.Error(text("upload_admin_only", lang))
        if not files:
            raise gr.Error("no file given: choose one or more files to add")
        foreign = foreign_files(files, services.sessions.key(request), services.uploaded)
        if foreign:
            services.audit.record(
                "upload_refused", user_of(request), address=request_address(request), reason=NOT_OURS, files=foreign
            )
            raise gr.Error(str(refusal(foreign)))
        if services.web.upload_dir is None:  # can_upload checked it; this tells the type checker
            raise gr.Error(text("upload_admin_only", lang))
        return services.web.upload_dir


def wire_library(app: gr.Blocks, page: Page, handlers: LibraryHandlers) -> None:
    """Connect the library tab's components to :class:`LibraryHandlers`."""
    shown = [page.library_view, page.upload_box, page.upload_note]
    page.library_tab.select(handlers.show_library, [page.ui_lang], shown, queue=False, api_visibility="private")
    app.load(handlers.show_library, [page.ui_lang], shown, queue=False, api_visibility="private")
    page.ingest_button.click(
        handlers.upload,
        [page.upload_files, page.upload_country, page.upload_type, page.upload_year, page.upload_lang, page.ui_lang],
        [page.upload_result, page.library_view, page.upload_files],
        api_name="upload",
        concurrency_limit=1,
        concurrency_id="ingest",
    )
