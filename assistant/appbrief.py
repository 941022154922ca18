"""The web app's brief panel (and what the saved conversations share with it): part of the Gradio UI, for assistant.app.

The brief and the conversations live in the user's rows of :class:`assistant.saved.SavedWork`, not
in the page: a reload or a restart finds them again, and two tabs of one user share one brief.
Entries are named by their id on the server (the item buttons carry it in their handler, never in
the page), and every change reloads the list from the file. Downloads are plain links to the
server's ``/brief/download/…`` route, which writes the saved brief when clicked: one click.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.events import api as gradio_api

from assistant.audit import AuditLog
from assistant.brief import BriefEntry
from assistant.brief_docx import APP_AUTHOR
from assistant.briefexport import Kind, saved_brief, write_export
from assistant.errors import AssistantError, BriefRefused, SavedWorkError
from assistant.model import Answer
from assistant.phrases import country_name
from assistant.render import short_quote
from assistant.saved import LOCAL_USER, SavedEntry, SavedWork
from assistant.views import esc, text_direction
from assistant.webtext import count_text, direction, text

# The brief's list and links; added to assistant.webstyle.CSS by the server.
BRIEF_CSS = """
#pkb-brief-items { gap: 0.5rem; }
.pkb-brief-item { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg); padding: 0.5rem 0.75rem;
  align-items: center; }
.pkb-brief-actions { gap: 0.25rem; }
.pkb-brief-text .pkb-quote { display: block; margin-top: 0.25rem; }
.pkb-brief-notice { font-weight: 600; }
.pkb-downloads { display: flex; flex-wrap: wrap; gap: 0.5rem; }
a.pkb-download { display: inline-block; padding: 0.5rem 1rem; border-radius: var(--button-large-radius);
  background: var(--button-secondary-background-fill); color: var(--button-secondary-text-color);
  border: 1px solid var(--button-secondary-border-color); font-weight: 600; text-decoration: none; }
a.pkb-download:hover, a.pkb-download:focus-visible { background: var(--button-secondary-background-fill-hover); }
a.pkb-download::before { content: "⬇ "; }
@media (max-width: 640px) {  /* a phone: the buttons go under the text, in one row */
  .pkb-brief-item { flex-direction: column; align-items: stretch; }
  .pkb-brief-actions { flex-direction: row !important; flex-wrap: wrap; }
}
"""


@dataclass(frozen=True)
class Saving:
    """What the panels need from the server."""

    saved: SavedWork
    login: bool  # without login every request is the one local user
    audit: AuditLog
    export_dir: Path  # exports for API clients, inside the server's private temporary folder


def owner(request: gr.Request | None, login: bool) -> str:
    """Whose rows a request may touch: the signed-in user, or the local user of an install without login."""
    name = getattr(request, "username", None) if request is not None else None
    if name:
        return str(name)
    if login:
        raise gr.Error("sign in first")
    return LOCAL_USER


@contextmanager
def saving_errors(lang: str) -> Iterator[None]:
    """A damaged or unwritable file is a one-line message; asking questions goes on working."""
    try:
        yield
    except SavedWorkError as err:
        print(f"policykb: {err}", file=sys.stderr, flush=True)
        raise gr.Error(text("saving_off", lang).format(err), print_exception=False) from err  # logged just above


Item = dict[str, Any]  # one brief entry as the page needs it; plain data, which Gradio's state hashing accepts


def listed(entries: list[SavedEntry]) -> list[Item]:
    """What the list shows of each entry: its id (for the buttons' handlers), question and a short summary."""
    return [
        {
            "id": item.entry_id,
            "question": item.entry.answer.question,
            "countries": list(item.entry.answer.countries),
            "quotes": len(item.entry.answer.citations),
            "first": short_quote(item.entry.answer.citations[0].quote) if item.entry.answer.citations else "",
        }
        for item in entries
    ]


def item_html(index: int, item: Item, lang: str) -> str:
    """One brief entry: its number, question, and a short summary (countries, quotes, the first one)."""
    countries = ", ".join(country_name(c, lang) for c in item["countries"])
    summary = " · ".join(part for part in (countries, count_text("brief_quotes", int(item["quotes"]), lang)) if part)
    first = item["first"]
    quote = f'<q class="pkb-quote" dir="{text_direction(first)}">{esc(first)}</q>' if first else ""
    return (
        f'<div class="pkb-brief-text" dir="{direction(lang)}"><strong>{index}.</strong> '
        f'<span class="pkb-brief-question" dir="{text_direction(item["question"])}">{esc(item["question"])}</span>'
        f'<div class="pkb-muted">{esc(summary)}</div>{quote}</div>'
    )


def downloads_html(lang: str, count: int) -> str:
    """The two download links; without entries, inert text that says why."""
    if not count:
        return f'<p class="pkb-muted" id="pkb-brief-empty">{esc(text("brief_empty", lang))}</p>'
    links = (
        f'<a class="pkb-download" id="pkb-download-{kind}" href="/brief/download/{kind}?lang={esc(lang)}" download>'
        f"{esc(text(label, lang))}</a>"
        for kind, label in (("docx", "download_docx"), ("md", "download_md"))
    )
    return f'<div class="pkb-downloads" dir="{direction(lang)}">{"".join(links)}</div>'


class BriefHandlers:
    """The brief panel's event handlers, over the saved work of the request's user."""

    def __init__(self, saving: Saving) -> None:
        self.saving = saving
        self.saved = saving.saved

    def user(self, request: gr.Request | None) -> str:
        return owner(request, self.saving.login)

    def load(self, lang: str, request: gr.Request) -> tuple[list[Item], str, str]:
        """The user's brief as the file holds it: entries, title and download links."""
        with saving_errors(lang):
            items = listed(self.saved.brief(self.user(request)))
            title = self.saved.brief_title(self.user(request))
        return items, title or text("brief_default_title", lang), downloads_html(lang, len(items))

    def change(self, entry_id: str, offset: int) -> Callable[[str, gr.Request], tuple[list[Item], str]]:
        """The handler of one entry's button: move it by ``offset`` places, or remove it when 0."""

        def run(lang: str, request: gr.Request) -> tuple[list[Item], str]:
            with saving_errors(lang):
                if offset:
                    self.saved.move_entry(self.user(request), entry_id, offset)
                else:
                    self.saved.remove_entry(self.user(request), entry_id)
                    self.saving.audit.record("brief_remove", request.username)
                fresh = listed(self.saved.brief(self.user(request)))
            return fresh, downloads_html(lang, len(fresh))

        return run

    def add_answer(self, current: Answer | None, filters: str, lang: str, request: gr.Request) -> tuple[list[Item], str, str]:
        """Add the answer on screen; a refusal (already there, brief full) is the notice."""
        if current is None:
            raise gr.Error(text("no_answer_yet", lang))
        entry = BriefEntry(answer=current, asked_at=datetime.now(UTC).isoformat(timespec="seconds"), filters=filters)
        with saving_errors(lang):
            try:
                self.saved.add_entry(self.user(request), entry)
                message = text("brief_added", lang)
                self.saving.audit.record("brief_add", request.username, question=current.question)
            except BriefRefused as refused:
                message = text(f"brief_{refused.reason}", lang)
                gr.Warning(message)
            fresh = listed(self.saved.brief(self.user(request)))
        return fresh, f'<p class="pkb-brief-notice" role="status">{esc(message)}</p>', downloads_html(lang, len(fresh))

    def empty(self, lang: str, request: gr.Request) -> tuple[list[Item], str, str]:
        with saving_errors(lang):
            self.saved.clear_brief(self.user(request))
        return [], "", downloads_html(lang, 0)

    def retitle(self, value: str, lang: str, request: gr.Request) -> None:
        # A default title is not kept: the brief takes the default of the language it is exported in.
        kept = "" if value in _DEFAULT_TITLES else value
        with saving_errors(lang):
            self.saved.set_brief_title(self.user(request), kept)

    def export(self, kind: Kind) -> Callable[[str, str, gr.Request], str]:
        """The handler of one export format, for API clients (/export_docx, /export_markdown)."""

        def run(given: str, lang: str, request: gr.Request) -> str:
            with saving_errors(lang):
                brief = saved_brief(self.saved, self.user(request), text("brief_default_title", lang))
            if given.strip():
                brief = replace(brief, title=given.strip())
            try:
                path = write_export(brief, kind, lang, self.saving.export_dir, author=request.username or APP_AUTHOR)
            except AssistantError as err:
                raise gr.Error(str(err)) from err
            self.saving.audit.record("brief_export", request.username, format=kind, answers=len(brief.entries))
            return str(path)

        return run


_DEFAULT_TITLES = frozenset(text("brief_default_title", code) for code in ("en", "fr", "ar"))


def relabel(lang: str, current: str, entries: list[Item]) -> list[Any]:
    """The panel in another interface language; a default title follows the language, a typed one stays."""
    return [
        gr.update(label=text("brief", lang)),
        gr.update(
            label=text("brief_title", lang),
            value=text("brief_default_title", lang) if current in _DEFAULT_TITLES else current,
            rtl=lang == "ar",
        ),
        gr.update(value=text("add_to_brief", lang)),
        gr.update(value=text("clear_brief", lang)),
        downloads_html(lang, len(entries)),
        "",  # the last notice was in the other language
    ]


def brief_panel(saving: Saving, last_answer: Any, last_filters: Any, ui_lang: Any, language: Any, app: gr.Blocks) -> None:
    """The brief: title, the list of entries with move and remove, add, one-click downloads, empty.

    ``language`` is the interface-language radio: its change relabels the panel (a change of the
    ``ui_lang`` state, set by a queue-less event, reaches no listener).
    """
    handlers = BriefHandlers(saving)
    with gr.Accordion(text("brief", "en"), open=True, elem_id="pkb-brief") as box:
        items = gr.State([])  # list[Item]: the user's brief as last read from the file
        title = gr.Textbox(value=text("brief_default_title", "en"), label=text("brief_title", "en"), elem_id="pkb-brief-title")
        notice = gr.Markdown("", elem_id="pkb-brief-status")

        def listing(entries: list[Item], lang: str) -> None:
            with gr.Column(elem_id="pkb-brief-items"):
                for index, item in enumerate(entries, start=1):
                    with gr.Row(elem_classes=["pkb-brief-item"], equal_height=True):
                        gr.HTML(item_html(index, item, lang))
                        with gr.Column(scale=0, min_width=120, elem_classes=["pkb-brief-actions"]):
                            actions = (
                                ("↑", "move_up", "pkb-brief-up", -1, index > 1),
                                ("↓", "move_down", "pkb-brief-down", 1, index < len(entries)),
                                ("✕", "remove", "pkb-brief-remove", 0, True),
                            )
                            for mark, label, css, offset, usable in actions:
                                button = gr.Button(
                                    f"{mark} {text(label, lang)}", size="sm", elem_classes=[css], interactive=usable
                                )
                                button.click(
                                    handlers.change(item["id"], offset),
                                    [ui_lang],
                                    [items, downloads],
                                    api_visibility="private",
                                )

        gr.render(inputs=[items, language])(listing)  # called, not decorating: gr.render is untyped
        with gr.Row():
            add = gr.Button(text("add_to_brief", "en"), variant="primary", elem_id="pkb-add")
            clear = gr.Button(text("clear_brief", "en"), elem_id="pkb-clear")
        downloads = gr.HTML("", elem_id="pkb-brief-downloads")  # filled by the page load, with the title and list
        # API clients export through the session as before (/export_docx, /export_markdown): no button shows.
        export_file = gr.File(visible=False)
        export_triggers = {kind: gr.Button(visible=False) for kind in ("docx", "md")}

    app.load(handlers.load, [ui_lang], [items, title, downloads], api_visibility="private")
    add.click(handlers.add_answer, [last_answer, last_filters, ui_lang], [items, notice, downloads], api_name="add_to_brief")
    clear.click(handlers.empty, [ui_lang], [items, notice, downloads], api_name="clear_brief")
    # Saved as the user types (not on blur: the download link may be clicked straight after typing),
    # and only then: a change made by the page itself (the load, a language switch) is not the user's.
    title.input(handlers.retitle, [title, ui_lang], None, trigger_mode="always_last", api_visibility="private")
    kinds: tuple[tuple[Kind, str], ...] = (("docx", "export_docx"), ("md", "export_markdown"))
    for kind, name in kinds:
        export_triggers[kind].click(handlers.export(kind), [title, ui_lang], [export_file], api_name=name)
    outputs = [box, title, add, clear, downloads, notice]
    language.change(relabel, [language, title, items], outputs, queue=False, api_visibility="private")
    _brief_api(saving)


def _brief_api(saving: Saving) -> None:
    """The brief by entry id for API clients; every call acts on the caller's own rows only."""

    def brief_items(request: gr.Request = None) -> list[dict[str, str]]:  # type: ignore[assignment]  # Gradio fills it in
        """The caller's brief: entry id, question and when it was asked, in order."""
        with saving_errors("en"):
            entries = saving.saved.brief(owner(request, saving.login))
        return [{"entry_id": i.entry_id, "question": i.entry.answer.question, "asked_at": i.entry.asked_at} for i in entries]

    def brief_remove(entry_id: str, request: gr.Request = None) -> bool:  # type: ignore[assignment]
        """Remove one of the caller's entries; false if the caller has none with that id."""
        with saving_errors("en"):
            return saving.saved.remove_entry(owner(request, saving.login), entry_id)

    def brief_move(entry_id: str, offset: int, request: gr.Request = None) -> bool:  # type: ignore[assignment]
        """Move one of the caller's entries by offset places (-1 up, 1 down)."""
        with saving_errors("en"):
            return saving.saved.move_entry(owner(request, saving.login), entry_id, int(offset))

    for function in (brief_items, brief_remove, brief_move):
        gradio_api(function, api_name=function.__name__)
