"""Saved conversations in the web app: listed, reopened and deleted; part of the Gradio UI, imported only by assistant.app.

Each answer saves its conversation for the user (the chat as this server wrote it, the turns, the
last answer) in :class:`assistant.saved.SavedWork`; reopening one puts back the chat, the sources
and the grid. A conversation id sent by a client reaches only the caller's own conversations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.events import api as gradio_api

from assistant.appbrief import Saving, owner, saving_errors
from assistant.views import citation_choices, grid_html, passage_html
from assistant.webtext import text


@dataclass(frozen=True)
class ChatParts:
    """The chat's components a reopened conversation fills (they belong to assistant.app)."""

    chat: Any
    shown_messages: Any
    turns: Any
    last_answer: Any
    last_filters: Any
    sources: Any
    passage: Any
    grid: Any


@dataclass(frozen=True)
class ConversationsPanel:
    box: Any
    listing: Any
    reopen: Any
    delete: Any
    current: Any  # the id of the conversation on screen, or None until its first answer


def conversations_panel() -> ConversationsPanel:
    """The saved conversations' components, placed where this is called; :func:`wire_conversations` wires them."""
    current = gr.State(None)
    with gr.Accordion(text("saved_conversations", "en"), open=False, elem_id="pkb-saved") as box:
        listing = gr.Dropdown(choices=[], label=text("conversation", "en"), elem_id="pkb-conversations")
        with gr.Row():
            reopen = gr.Button(text("open", "en"), size="sm", elem_id="pkb-open-conversation")
            delete = gr.Button(text("delete", "en"), size="sm", variant="stop", elem_id="pkb-delete-conversation")
    return ConversationsPanel(box, listing, reopen, delete, current)


class ConversationHandlers:
    """The saved conversations' event handlers, over the saved work of the request's user."""

    def __init__(self, saving: Saving) -> None:
        self.saving = saving
        self.saved = saving.saved

    def choices(self, user: str, lang: str) -> Any:
        """The dropdown of the user's conversations, most recent first."""
        listed = self.saved.conversations(user)
        options = [(f"{c.title} · {c.updated_at[:16].replace('T', ' ')}", c.conversation_id) for c in listed]
        info = "" if options else text("no_conversations", lang)
        return gr.update(choices=options, value=None, info=info, label=text("conversation", lang))

    def refresh(self, lang: str, request: gr.Request) -> Any:
        with saving_errors(lang):
            return self.choices(owner(request, self.saving.login), lang)

    def save(self, conversation: str | None, messages: list[dict[str, Any]], turns: list[Any], answer: Any, filters: str,
             lang: str, request: gr.Request) -> tuple[str, Any]:  # fmt: skip
        """Save the chat after an answer; the first save of a conversation gives it its id."""
        user = owner(request, self.saving.login)
        with saving_errors(lang):
            kept = self.saved.save_conversation(user, conversation, messages, turns, answer, filters)
            return kept, self.choices(user, lang)

    def open_one(self, chosen: str | None, lang: str, request: gr.Request) -> list[Any]:
        """Put a saved conversation back: its id, chat, states, sources, passage and grid."""
        with saving_errors(lang):
            found = self.saved.conversation(owner(request, self.saving.login), chosen or "")
        if found is None:
            raise gr.Error(text("conversation_gone", lang))
        answer = found.last_answer
        first = answer.citations[0] if answer is not None and answer.citations else None
        return [
            found.conversation_id, found.messages, found.messages, found.turns, answer, found.last_filters,
            gr.update(choices=citation_choices(answer, lang), value=str(first.n) if first else None),
            passage_html(first, lang), grid_html(answer, lang),
        ]  # fmt: skip

    def delete_one(self, chosen: str | None, conversation: str | None, lang: str, request: gr.Request) -> tuple[str | None, Any]:
        """Delete the chosen conversation; the one on screen, if it was that, is saved afresh at its next answer."""
        user = owner(request, self.saving.login)
        with saving_errors(lang):
            if not self.saved.delete_conversation(user, chosen or ""):
                raise gr.Error(text("conversation_gone", lang))
            return (None if chosen == conversation else conversation), self.choices(user, lang)


def relabel(lang: str) -> list[Any]:
    return [
        gr.update(label=text("saved_conversations", lang)),
        gr.update(value=text("open", lang)),
        gr.update(value=text("delete", lang)),
    ]


def wire_conversations(
    saving: Saving, panel: ConversationsPanel, parts: ChatParts, ui_lang: Any, language: Any, app: gr.Blocks
) -> ConversationHooks:
    """Saved conversations listed, reopened and deleted; the hooks that save them as the chat goes on."""
    handlers = ConversationHandlers(saving)
    chat_state = [parts.shown_messages, parts.turns, parts.last_answer, parts.last_filters]
    app.load(handlers.refresh, [ui_lang], [panel.listing], api_visibility="private")
    panel.reopen.click(
        handlers.open_one,
        [panel.listing, ui_lang],
        [panel.current, parts.chat, *chat_state, parts.sources, parts.passage, parts.grid],
        api_visibility="private",
    )
    panel.delete.click(
        handlers.delete_one, [panel.listing, panel.current, ui_lang], [panel.current, panel.listing], api_visibility="private"
    )
    language.change(relabel, [language], [panel.box, panel.reopen, panel.delete], queue=False, api_visibility="private")
    _conversation_api(saving)

    def after_answers(events: Iterable[Any]) -> None:
        for event in events:
            event.success(
                handlers.save, [panel.current, *chat_state, ui_lang], [panel.current, panel.listing], api_visibility="private"
            )

    def started_new(event: Any) -> None:
        event.then(lambda: None, None, [panel.current], queue=False, api_visibility="private")

    return ConversationHooks(after_answers, started_new)


@dataclass(frozen=True)
class ConversationHooks:
    """How assistant.app tells the saved conversations about the chat."""

    after_answers: Callable[[Iterable[Any]], None]  # the events that end with an answer: save the conversation
    started_new: Callable[[Any], None]  # the "New conversation" event: the next answer starts a new saved one


def _conversation_api(saving: Saving) -> None:
    """Saved conversations by id for API clients; every call acts on the caller's own rows only."""

    def conversations(request: gr.Request = None) -> list[dict[str, str]]:  # type: ignore[assignment]  # Gradio fills it in
        """The caller's saved conversations, most recent first."""
        with saving_errors("en"):
            listed = saving.saved.conversations(owner(request, saving.login))
        return [{"conversation_id": c.conversation_id, "title": c.title, "updated_at": c.updated_at} for c in listed]

    def conversation(conversation_id: str, request: gr.Request = None) -> dict[str, Any]:  # type: ignore[assignment]
        """One of the caller's conversations: its title, questions and the chat's messages."""
        with saving_errors("en"):
            found = saving.saved.conversation(owner(request, saving.login), conversation_id)
        if found is None:
            raise gr.Error(text("conversation_gone", "en"))
        return {"title": found.title, "questions": [t.question for t in found.turns], "messages": found.messages}

    def delete_conversation(conversation_id: str, request: gr.Request = None) -> bool:  # type: ignore[assignment]
        """Delete one of the caller's conversations."""
        with saving_errors("en"):
            if not saving.saved.delete_conversation(owner(request, saving.login), conversation_id):
                raise gr.Error(text("conversation_gone", "en"))
        return True

    for function in (conversations, conversation, delete_conversation):
        gradio_api(function, api_name=function.__name__)
