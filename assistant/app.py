"""The Gradio web assistant: chat, sources, comparison grid, brief builder and library.

Only the app's modules import Gradio: this one builds the page; assistant.applayout places the
components, and the handler modules wire them over the server's :class:`Services`
(assistant.appchat: asking; assistant.applibrary: the library and uploads; assistant.applanguage:
the interface language; assistant.appbrief and assistant.appconversations: the brief and saved
conversations). Everything the page shows comes from ``assistant.answer`` and the views in
``assistant.views`` (which escape all document text); the handlers check roles on the server side
and write the audit log.
"""

from __future__ import annotations

import gradio as gr

from assistant.appbrief import Saving
from assistant.appchat import wire_chat
from assistant.applanguage import LanguageHandlers, wire_language
from assistant.applayout import layout
from assistant.applibrary import LibraryHandlers, wire_library
from assistant.appservices import Services, store_errors
from assistant.scope import held_values
from assistant.webtext import text

__all__ = ["Services", "build_app"]


def build_app(services: Services) -> gr.Blocks:
    """The web app over ``services``: the page laid out, then each part's handlers wired to it."""
    with store_errors("en"):
        held = held_values(services.store)  # the filter choices a page starts with
    saving = Saving(services.saved, services.guard is not None, services.audit, services.export_dir)
    app = gr.Blocks(title=text("title", "en"), analytics_enabled=False)
    with app:
        page = layout(app, services.web, held, saving)
        wire_chat(app, page, services, saving)
        library = LibraryHandlers(services)
        wire_library(app, page, library)
        wire_language(page, LanguageHandlers(library))
    return app
