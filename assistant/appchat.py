"""The web app's chat: asking, the scope notice, regenerate and edit, sources, and the /ask API endpoint.

Part of the Gradio UI (assistant.app lays out the page and calls :func:`wire_chat`). The handlers are
methods of :class:`ChatHandlers`, over the server's :class:`~assistant.appservices.Services`: Gradio
reads their ``gr.Request`` parameters from the type hints, which a bound method keeps.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import asdict
from typing import Any

import gradio as gr
from gradio.events import api as gradio_api

from assistant import answer as answer_question
from assistant.appbrief import Saving
from assistant.appconversations import ChatParts, wire_conversations
from assistant.applayout import Page
from assistant.appservices import Services, checked, citation_of, store_errors, user_of
from assistant.audit import answer_fields
from assistant.chatturns import without_last_exchange
from assistant.errors import AssistantError
from assistant.model import Answer, Turn
from assistant.phrases import country_name
from assistant.question import analyse
from assistant.scope import (
    held_values,
    lang_choices,
    outside_filter,
    scope_chips_html,
    scope_notice_html,
    type_choices,
    widen_label,
    year_choices,
)
from assistant.sessions import request_address
from assistant.views import answer_html, citation_choices, esc, grid_html, passage_html
from assistant.webinput import COUNTRY_CODES, checked_filters, checked_question, describe_filters, year_range
from assistant.webtext import text
from kb.query import REGIONS
from kb.search import Filters

Update = tuple[Any, ...]  # what a handler returns: one value or gr.update per output component


class ChatHandlers:
    """The chat's event handlers, over the services the server built."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def ask(
        self, question: str, filters: Filters, history: Sequence[Turn], request: gr.Request | None, lang: str = "en"
    ) -> Answer:
        """Answer one question and write it to the audit log; an assistant error is the page's message."""
        services = self.services
        try:
            with store_errors(lang):
                result = answer_question(services.searcher, question, services.assistant, filters, history)
        except AssistantError as err:
            raise gr.Error(str(err)) from err
        fields = answer_fields(result)
        services.audit.record("ask", user_of(request), address=request_address(request), filters=asdict(filters), **fields)
        return result

    def respond(
        self,
        message: str,
        messages: list[dict[str, Any]],
        history: list[Turn],
        country_codes: list[str],
        lang_codes: list[str],
        type_codes: list[str],
        low: int | str | None,
        high: int | str | None,
        lang: str,
        request: gr.Request,
    ) -> Generator[Update, None, None]:
        """The chat turn: a progress line at once, then the answer, its sources, passage and grid."""
        question_text, filters = checked(
            lambda: (
                checked_question(message, self.services.web),
                checked_filters(country_codes, lang_codes, type_codes, low, high),
            )
        )
        understood = analyse(question_text, history)
        targets = filters.countries or understood.countries
        names = ", ".join(country_name(c, lang) for c in targets) or text("every_country", lang)
        shown = [*messages, {"role": "user", "content": f'<div dir="auto">{esc(question_text)}</div>'}]
        progress = {
            "role": "assistant",
            "content": f'<p class="pkb-progress">{esc(text("searching", lang).format(names))}</p>',
        }
        yield shown + [progress], history, gr.skip(), gr.skip(), gr.skip(), gr.skip(), "", gr.skip(), gr.skip()
        result = self.ask(question_text, filters, history, request, lang)
        first = result.citations[0] if result.citations else None
        final = shown + [{"role": "assistant", "content": answer_html(result, lang)}]
        yield (
            final,
            [*history, understood.turn()],
            result,
            gr.update(choices=citation_choices(result, lang), value=str(first.n) if first else None),
            passage_html(first, lang),
            grid_html(result, lang),
            "",
            describe_filters(filters),
            final,
        )

    def filter_choices(self, lang: str) -> list[Any]:
        """The languages, types and years the store holds now (read at each page load)."""
        with store_errors(lang):
            now = held_values(self.services.store)
        years = year_choices(now, lang)
        return [gr.update(choices=lang_choices(now, lang)), gr.update(choices=type_choices(now, lang))] + [
            gr.update(choices=years)
        ] * 2

    def ask_api(
        self,
        question: str,
        countries: list[str] | None = None,
        languages: list[str] | None = None,
        doc_types: list[str] | None = None,
        years: list[int] | None = None,
        request: gr.Request = None,  # type: ignore[assignment]  # Gradio fills it in
    ) -> dict[str, Any]:
        """Answer a question with verbatim, cited quotes. years: [from, to], [year] or empty."""
        question, filters = checked(
            lambda: (
                checked_question(question, self.services.web),
                checked_filters(countries, languages, doc_types, *year_range(years)),
            )
        )
        return self.ask(question, filters, (), request).as_json()


def check_scope(current: Answer | None, country_codes: list[str], lang: str) -> tuple[Any, str, Any, tuple[str, ...]]:
    """After an answer: a notice, with a one-click widening, when the filter left out a country the question named."""
    left_out = outside_filter(current.question, country_codes) if current is not None else ()
    label = widen_label(left_out, lang) if left_out else ""
    return gr.update(visible=bool(left_out)), scope_notice_html(left_out, country_codes, lang), label, left_out


def take_back(messages: list[dict[str, Any]], history: list[Turn], current: Answer | None, lang: str) -> Update:
    """Take the last exchange off the chat, giving its question back (to regenerate or edit)."""
    if current is None or not messages:
        raise gr.Error(text("no_answer_yet", lang))
    kept, earlier = without_last_exchange(messages, history)
    return kept, kept, earlier, current.question


def cleared_answer(lang: str) -> Update:
    """No answer on screen: no sources, an empty passage and grid."""
    return None, gr.update(choices=[], value=None), passage_html(None, lang), grid_html(None, lang)


def fresh_conversation(lang: str) -> Update:
    """A new conversation: an empty chat and no history, then what :func:`cleared_answer` shows."""
    return [], [], [], *cleared_answer(lang)


def widened(left_out: tuple[str, ...], current: Answer | None) -> tuple[list[str], str]:
    """The widening click: the countries left out join the filter, and the question is asked again."""
    return list(left_out), current.question if current else ""


def open_source(number: str | None, current: Answer | None, lang: str) -> str:
    """The passage of the source chosen in the list."""
    return passage_html(citation_of(current, number), lang)


PRIVATE: dict[str, Any] = {"queue": False, "api_visibility": "private"}  # a page-only event, run at once
TAKE_BACK_JS = "(lang) => { document.querySelector('#pkb-question textarea')?.focus(); return lang; }"


def wire_chat(app: gr.Blocks, page: Page, services: Services, saving: Saving) -> None:
    """Connect the chat's components to :class:`ChatHandlers` and the saved conversations."""
    handlers = ChatHandlers(services)
    answered = _answering(page, handlers, services.web.ask_concurrency)
    scope_outputs = [page.notice_box, page.notice, page.widen, page.outside]
    for event in answered:
        event.success(check_scope, [page.last_answer, page.countries, page.ui_lang], scope_outputs, **PRIVATE)
    # Each answer saves the conversation for its user (assistant.appbrief); "New conversation" starts another.
    parts = ChatParts(page.chat, page.shown_messages, page.turns, page.last_answer, page.last_filters, page.sources,
                      page.passage, page.grid)  # fmt: skip
    saving_hooks = wire_conversations(saving, page.saved_conversations, parts, page.ui_lang, page.language, app)
    saving_hooks.after_answers(answered)
    page.edit_last.click(take_back, *_take_back_io(page), **PRIVATE).success(
        cleared_answer, [page.ui_lang], [page.last_answer, page.sources, page.passage, page.grid], **PRIVATE, js=TAKE_BACK_JS
    )
    # The filters in force, as chips beside Ask; the choices the store holds, read at each page load.
    for choice in (page.countries, page.langs, page.doc_types, page.year_min, page.year_max):
        choice.change(scope_chips_html, page.scope_inputs(), [page.scope_chips], **PRIVATE)
    app.load(handlers.filter_choices, [page.ui_lang], [page.langs, page.doc_types, page.year_min, page.year_max], **PRIVATE)
    new_conversation_event = page.new_conversation.click(
        fresh_conversation,
        [page.ui_lang],
        [page.chat, page.shown_messages, page.turns, page.last_answer, page.sources, page.passage, page.grid],
        **PRIVATE,
    )
    new_conversation_event.then(lambda: gr.update(visible=False), None, [page.notice_box], **PRIVATE)
    saving_hooks.started_new(new_conversation_event)
    page.sources.change(open_source, [page.sources, page.last_answer, page.ui_lang], [page.passage], **PRIVATE)
    # Region shortcuts fill the country filter (kb.query.REGIONS is the one definition).
    for button, codes in (
        (page.maghreb, REGIONS["maghreb"]),
        (page.mashreq, REGIONS["mashreq"]),
        (page.every, COUNTRY_CODES),
        (page.nobody, ()),
    ):
        button.click(lambda codes=codes: list(codes), None, [page.countries], **PRIVATE)
    # The API: one named endpoint with the structured answer of `policykb ask --json`.
    gradio_api(handlers.ask_api, api_name="ask", concurrency_limit=services.web.ask_concurrency, concurrency_id="ask")


def _take_back_io(page: Page) -> tuple[list[Any], list[Any]]:
    """What :func:`take_back` reads and writes."""
    return (
        [page.shown_messages, page.turns, page.last_answer, page.ui_lang],
        [page.chat, page.shown_messages, page.turns, page.question],
    )


def _answering(page: Page, handlers: ChatHandlers, concurrency: int) -> list[Any]:
    """Every event that ends with an answer: Ask, Enter, an example, the widening, Regenerate."""
    ask_inputs = [page.question, page.shown_messages, page.turns, page.countries, page.langs, page.doc_types,
                  page.year_min, page.year_max, page.ui_lang]  # fmt: skip
    ask_outputs = [page.chat, page.turns, page.last_answer, page.sources, page.passage, page.grid, page.question,
                   page.last_filters, page.shown_messages]  # fmt: skip
    ask_settings: dict[str, Any] = {"concurrency_limit": concurrency, "concurrency_id": "ask", "api_visibility": "private"}
    respond = handlers.respond
    # The chat turn is callable by clients (undocumented: /ask is the documented endpoint), so a
    # client session can build and export a brief as a person does.
    answered = [
        page.ask_button.click(
            respond, ask_inputs, ask_outputs, **{**ask_settings, "api_visibility": "undocumented"}, api_name="chat"
        ),
        page.question.submit(respond, ask_inputs, ask_outputs, **ask_settings),
    ]
    for button in page.example_buttons:
        answered.append(
            button.click(lambda value: value, [button], [page.question], **PRIVATE).then(
                respond, ask_inputs, ask_outputs, **ask_settings
            )
        )
    answered.append(
        page.widen.click(widened, [page.outside, page.last_answer], [page.countries, page.question], **PRIVATE).then(
            respond, ask_inputs, ask_outputs, **ask_settings
        )
    )
    # Regenerate the last answer (with the filters as they are now); Edit (in wire_chat) takes its question back.
    answered.append(
        page.regenerate.click(take_back, *_take_back_io(page), **PRIVATE).success(
            respond, ask_inputs, ask_outputs, **ask_settings
        )
    )
    return answered
