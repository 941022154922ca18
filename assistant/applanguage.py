"""The web app's interface language: one switch relabels the page (the brief and saved conversations relabel themselves).

Part of the Gradio UI (assistant.app lays out the page and calls :func:`wire_language`).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.applayout import Page, heading_html, upload_country_choices, upload_type_choices
from assistant.applibrary import LibraryHandlers
from assistant.appservices import citation_of, store_errors
from assistant.model import Answer
from assistant.phrases import country_name
from assistant.scope import held_values, lang_choices, scope_chips_html, type_choices, year_choices
from assistant.views import citation_choices, grid_html, passage_html
from assistant.webinput import COUNTRY_CODES
from assistant.webstyle import DIRECTION_JS
from assistant.webtext import text


def relabelled(page: Page) -> list[Any]:
    """The components :meth:`LanguageHandlers.switch` relabels, in the order of its values."""
    return [
        page.heading, page.language, page.assistant_tab, page.library_tab, page.chat, page.question, page.ask_button,
        page.new_conversation, page.filters_box, page.countries, page.maghreb, page.mashreq, page.every, page.nobody,
        page.langs, page.doc_types, page.year_min, page.year_max, page.sources, page.passage, page.grid_title,
        page.grid, page.library_view, page.upload_title, page.upload_files, page.upload_country, page.upload_type,
        page.upload_year, page.upload_lang, page.ingest_button, page.upload_note,
    ]  # fmt: skip


class LanguageHandlers:
    """Relabelling the page; the library and the store's filter choices are read again in the new language."""

    def __init__(self, library: LibraryHandlers) -> None:
        self.library = library

    def switch(self, lang: str, current: Answer | None, chosen: str | None) -> list[Any]:
        """The new ``ui_lang``, then one value per component of :func:`relabelled`."""
        with store_errors(lang):
            now = held_values(self.library.services.store)
        rtl = lang == "ar"
        return [
            lang,
            heading_html(lang),
            gr.update(label=text("interface", lang)),
            gr.update(label=text("tab_assistant", lang)),
            gr.update(label=text("tab_library", lang)),
            gr.update(label=text("chat", lang), rtl=rtl),
            gr.update(label=text("question", lang), placeholder=text("question_placeholder", lang), rtl=rtl),
            gr.update(value=text("ask", lang)),
            gr.update(value=text("new_conversation", lang)),
            gr.update(label=text("filters", lang)),
            gr.update(label=text("countries", lang), choices=[(country_name(c, lang), c) for c in COUNTRY_CODES]),
            gr.update(value=text("maghreb", lang)),
            gr.update(value=text("mashreq", lang)),
            gr.update(value=text("all", lang)),
            gr.update(value=text("none", lang)),
            gr.update(label=text("languages", lang), choices=lang_choices(now, lang)),
            gr.update(label=text("doc_types", lang), choices=type_choices(now, lang)),
            gr.update(label=text("year_min", lang), choices=year_choices(now, lang)),
            gr.update(label=text("year_max", lang), choices=year_choices(now, lang)),
            gr.update(label=text("sources", lang), choices=citation_choices(current, lang)),
            passage_html(citation_of(current, chosen), lang),
            f"### {text('grid', lang)}",
            grid_html(current, lang),
            self.library.library(lang),
            f"### {text('upload', lang)}",
            gr.update(label=text("upload_files", lang)),
            gr.update(label=text("upload_country", lang), choices=upload_country_choices(lang)),
            gr.update(label=text("upload_type", lang), choices=upload_type_choices(lang)),
            gr.update(label=text("upload_year", lang)),
            gr.update(label=text("upload_lang", lang)),
            gr.update(value=text("ingest", lang)),
            text("upload_admin_only", lang),
        ]


def chat_buttons(lang: str) -> tuple[Any, Any]:
    """Regenerate and edit, relabelled after the rest of the page."""
    return gr.update(value=text("regenerate", lang)), gr.update(value=text("edit_last", lang))


def wire_language(page: Page, handlers: LanguageHandlers) -> None:
    """The interface-language radio relabels the page, then the scope chips and the chat's buttons."""
    private: dict[str, Any] = {"queue": False, "api_visibility": "private"}
    page.language.change(
        handlers.switch,
        [page.language, page.last_answer, page.sources],
        [page.ui_lang, *relabelled(page)],
        **private,
        js=DIRECTION_JS,
    ).then(scope_chips_html, page.scope_inputs(), [page.scope_chips], **private).then(
        chat_buttons, [page.ui_lang], [page.regenerate, page.edit_last], **private
    )
