"""The Gradio web assistant: chat, sources, comparison grid, brief builder and library.

With assistant.appbrief and assistant.appconversations, the only modules that import Gradio.
Everything it shows comes from ``assistant.answer`` and the views in ``assistant.views`` (which
escape all document text); this module wires components and events, checks roles on the server
side, and writes the audit log.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from assistant import answer as answer_question
from assistant.access import LoginGuard
from assistant.appbrief import Saving, brief_panel
from assistant.appconversations import ChatParts, conversations_panel, wire_conversations
from assistant.audit import AuditLog, answer_fields
from assistant.chatturns import without_last_exchange
from assistant.config import AssistantConfig, WebConfig
from assistant.errors import AssistantError
from assistant.model import Answer, Citation, Turn
from assistant.phrases import DOC_TYPE_NAMES, country_name, doc_type_name
from assistant.question import analyse
from assistant.saved import SavedWork
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
from assistant.sessions import Sessions, UploadedFiles
from assistant.sessions import request_address as _address
from assistant.uploads import UploadLimits, UploadMeta, ingest_uploads
from assistant.views import answer_html, citation_choices, esc, grid_html, library_html, passage_html
from assistant.webinput import COUNTRY_CODES, InputError, checked_filters, checked_question, describe_filters, year_range
from assistant.webstyle import DIRECTION_JS
from assistant.webtext import UI_LANG_NAMES, UI_LANGS, direction, text
from assistant.webupload import NOT_OURS, foreign_files, original_name, refusal, upload_summary
from kb.embed import Embedder
from kb.errors import KBError
from kb.query import REGIONS
from kb.search import Filters, Searcher
from kb.stats import collect_stats, list_documents
from kb.store import Store
from kb.sync import IngestConfig

T = TypeVar("T")
LANG_CODES: tuple[str, ...] = ("ar", "fr", "en")
DOC_TYPE_CODES: tuple[str, ...] = tuple(DOC_TYPE_NAMES)

# One per language; they name countries the sample corpus covers, and a held-out corpus answers or
# abstains on them just the same.
EXAMPLES: tuple[str, ...] = (
    "How do Morocco and Tunisia fund cluster governance bodies?",
    "Quelles incitations la Tunisie accorde-t-elle aux pôles de compétitivité ?",
    "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟",
)


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


def _checked(read: Callable[[], T]) -> T:
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


def _user(request: gr.Request | None) -> str | None:
    return getattr(request, "username", None) if request is not None else None


# --- the app ----------------------------------------------------------------------------------


def build_app(services: Services) -> gr.Blocks:
    web = services.web

    def ask(question: str, filters: Filters, history: Sequence[Turn], request: gr.Request | None, lang: str = "en") -> Answer:
        try:
            with store_errors(lang):
                result = answer_question(services.searcher, question, services.assistant, filters, history)
        except AssistantError as err:
            raise gr.Error(str(err)) from err
        services.audit.record("ask", _user(request), address=_address(request), filters=asdict(filters), **answer_fields(result))
        return result

    def can_upload(request: gr.Request | None) -> bool:
        return services.may_upload(_user(request))

    def library(ui_lang: str) -> str:
        with store_errors(ui_lang):
            return library_html(collect_stats(services.store), list_documents(services.store), ui_lang)

    with store_errors("en"):
        held = held_values(services.store)  # the filter choices a page starts with
    with gr.Blocks(title=text("title", "en"), analytics_enabled=False) as app:
        ui_lang = gr.State("en")
        turns = gr.State([])  # list[Turn]: the conversation so far, for follow-up questions
        # What the chat shows, kept on the server: a history sent by a client is never read (it could
        # name server files, which Gradio would copy and serve back).
        shown_messages = gr.State([])  # list[dict]: the chat's messages, as this server wrote them
        last_answer = gr.State(None)  # Answer | None
        last_filters = gr.State("")  # the filters it was asked with, as a brief states them
        saving = Saving(services.saved, services.guard is not None, services.audit, services.export_dir)
        outside = gr.State(())  # countries the latest question named that the country filter left out

        with gr.Row(elem_id="pkb-header"):
            heading = gr.HTML(_heading("en"), elem_id="pkb-heading")
            language = gr.Radio(
                choices=[(UI_LANG_NAMES[code], code) for code in UI_LANGS],
                value="en",
                label=text("interface", "en"),
                elem_id="pkb-ui-lang",
                scale=0,
                min_width=260,
            )
        with gr.Tabs():
            with gr.Tab(text("tab_assistant", "en"), id="assistant") as assistant_tab:
                with gr.Row():
                    with gr.Column(scale=3):
                        with gr.Accordion(text("filters", "en"), open=False, elem_id="pkb-filters") as filters_box:
                            countries = gr.CheckboxGroup(
                                choices=[(country_name(c, "en"), c) for c in COUNTRY_CODES],
                                label=text("countries", "en"),
                                elem_id="pkb-countries",
                            )
                            with gr.Row():
                                maghreb = gr.Button(text("maghreb", "en"), size="sm", elem_id="pkb-maghreb")
                                mashreq = gr.Button(text("mashreq", "en"), size="sm", elem_id="pkb-mashreq")
                                every = gr.Button(text("all", "en"), size="sm", elem_id="pkb-all")
                                nobody = gr.Button(text("none", "en"), size="sm", elem_id="pkb-none")
                            # Only what the store holds (refreshed at each page load); years empty ("any") by default.
                            langs = gr.CheckboxGroup(
                                choices=lang_choices(held, "en"), label=text("languages", "en"), elem_id="pkb-langs"
                            )
                            doc_types = gr.CheckboxGroup(
                                choices=type_choices(held, "en"), label=text("doc_types", "en"), elem_id="pkb-types"
                            )
                            with gr.Row():
                                year_min = gr.Dropdown(
                                    year_choices(held, "en"), value="", label=text("year_min", "en"), elem_id="pkb-year-min"
                                )
                                year_max = gr.Dropdown(
                                    year_choices(held, "en"), value="", label=text("year_max", "en"), elem_id="pkb-year-max"
                                )
                        chat = gr.Chatbot(
                            label=text("chat", "en"),
                            elem_id="pkb-chat",
                            height=480,
                            feedback_options=None,
                            buttons=[],  # its copy gave the message's HTML: answers carry their own (assistant.copytext)
                            sanitize_html=True,
                            autoscroll=False,  # a new answer opens at its top (assistant.webscript.SCROLL_JS)
                        )
                        with gr.Group(visible=False, elem_id="pkb-scope-notice") as notice_box:
                            notice = gr.HTML("")
                            widen = gr.Button("", size="sm", variant="secondary", elem_id="pkb-widen")
                        scope_chips = gr.HTML(scope_chips_html((), (), (), None, None, "en"), elem_id="pkb-scope")
                        with gr.Row():
                            question = gr.Textbox(
                                label=text("question", "en"),
                                placeholder=text("question_placeholder", "en"),
                                elem_id="pkb-question",
                                scale=5,
                                max_lines=4,
                                max_length=web.max_question_chars,
                            )
                            ask_button = gr.Button(text("ask", "en"), variant="primary", elem_id="pkb-ask", scale=1)
                        with gr.Row():
                            example_buttons = [
                                gr.Button(example, size="sm", elem_classes=["pkb-example"]) for example in EXAMPLES
                            ]
                        with gr.Row():
                            regenerate = gr.Button(text("regenerate", "en"), size="sm", elem_id="pkb-regenerate")
                            edit_last = gr.Button(text("edit_last", "en"), size="sm", elem_id="pkb-edit")
                            new_conversation = gr.Button(text("new_conversation", "en"), size="sm", elem_id="pkb-new")
                        saved_conversations = conversations_panel()
                    with gr.Column(scale=2, elem_id="pkb-sources-panel"):
                        sources = gr.Radio(choices=[], label=text("sources", "en"), elem_id="pkb-sources")
                        passage = gr.HTML(passage_html(None, "en"), elem_id="pkb-passage")
                grid_title = gr.Markdown(f"### {text('grid', 'en')}")
                grid = gr.HTML(grid_html(None, "en"), elem_id="pkb-grid")
                brief_panel(saving, last_answer, last_filters, ui_lang, language, app)
            with gr.Tab(text("tab_library", "en"), id="library") as library_tab:
                library_view = gr.HTML(elem_id="pkb-library")
                with gr.Group(visible=False, elem_id="pkb-upload") as upload_box:
                    upload_title = gr.Markdown(f"### {text('upload', 'en')}")
                    upload_files = gr.File(
                        label=text("upload_files", "en"), file_count="multiple", type="filepath", elem_id="pkb-upload-files"
                    )
                    with gr.Row():
                        upload_country = gr.Dropdown(
                            choices=[("", "")] + [(country_name(c, "en"), c) for c in COUNTRY_CODES],
                            value="",
                            label=text("upload_country", "en"),
                        )
                        upload_type = gr.Dropdown(
                            choices=[("", "")] + [(doc_type_name(t, "en"), t) for t in DOC_TYPE_CODES],
                            value="",
                            label=text("upload_type", "en"),
                        )
                        upload_year = gr.Number(label=text("upload_year", "en"), precision=0)
                        upload_lang = gr.Dropdown(choices=["", *LANG_CODES], value="", label=text("upload_lang", "en"))
                    ingest_button = gr.Button(text("ingest", "en"), variant="primary", elem_id="pkb-ingest")
                    upload_result = gr.Markdown(elem_id="pkb-upload-result")
                upload_note = gr.Markdown(text("upload_admin_only", "en"), visible=True, elem_id="pkb-upload-note")

        # --- asking -----------------------------------------------------------------------------
        def respond(
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
        ) -> Generator[tuple[Any, ...], None, None]:
            question_text, filters = _checked(
                lambda: (checked_question(message, web), checked_filters(country_codes, lang_codes, type_codes, low, high))
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
            result = ask(question_text, filters, history, request, lang)
            choices = citation_choices(result, lang)
            first = result.citations[0] if result.citations else None
            final = shown + [{"role": "assistant", "content": answer_html(result, lang)}]
            yield (
                final,
                [*history, understood.turn()],
                result,
                gr.update(choices=choices, value=str(first.n) if first else None),
                passage_html(first, lang),
                grid_html(result, lang),
                "",
                describe_filters(filters),
                final,
            )

        ask_inputs = [question, shown_messages, turns, countries, langs, doc_types, year_min, year_max, ui_lang]
        ask_outputs = [chat, turns, last_answer, sources, passage, grid, question, last_filters, shown_messages]
        ask_settings: dict[str, Any] = {
            "concurrency_limit": web.ask_concurrency,
            "concurrency_id": "ask",
            "api_visibility": "private",
        }

        # After an answer: a notice, with a one-click widening, when the filter left out a country the question named.
        def check_scope(current: Answer | None, country_codes: list[str], lang: str) -> tuple[Any, str, Any, tuple[str, ...]]:
            left_out = outside_filter(current.question, country_codes) if current is not None else ()
            label = widen_label(left_out, lang) if left_out else ""
            return gr.update(visible=bool(left_out)), scope_notice_html(left_out, country_codes, lang), label, left_out

        scope_check: dict[str, Any] = {
            "fn": check_scope,
            "inputs": [last_answer, countries, ui_lang],
            "outputs": [notice_box, notice, widen, outside],
            "queue": False,
            "api_visibility": "private",
        }
        # The chat turn is callable by clients (undocumented: /ask is the documented endpoint), so a
        # client session can build and export a brief as a person does.
        answered = [
            ask_button.click(
                respond, ask_inputs, ask_outputs, **{**ask_settings, "api_visibility": "undocumented"}, api_name="chat"
            ),
            question.submit(respond, ask_inputs, ask_outputs, **ask_settings),
        ]
        for button in example_buttons:
            answered.append(
                button.click(lambda value: value, [button], [question], queue=False, api_visibility="private").then(
                    respond, ask_inputs, ask_outputs, **ask_settings
                )
            )
        answered.append(
            widen.click(
                lambda left_out, current: (list(left_out), current.question if current else ""),
                [outside, last_answer],
                [countries, question],
                queue=False,
                api_visibility="private",
            ).then(respond, ask_inputs, ask_outputs, **ask_settings)
        )

        # Regenerate the last answer (with the filters as they are now), or take its question back to edit.
        def take_back(messages: list[dict[str, Any]], history: list[Turn], current: Answer | None, lang: str) -> tuple[Any, ...]:
            if current is None or not messages:
                raise gr.Error(text("no_answer_yet", lang))
            kept, earlier = without_last_exchange(messages, history)
            return kept, kept, earlier, current.question

        taken_back = [chat, shown_messages, turns, question]
        answered.append(
            regenerate.click(
                take_back, [shown_messages, turns, last_answer, ui_lang], taken_back, queue=False, api_visibility="private"
            ).success(respond, ask_inputs, ask_outputs, **ask_settings)
        )
        for event in answered:
            event.success(**scope_check)
        # Each answer saves the conversation for its user (assistant.appbrief); "New conversation" starts another.
        parts = ChatParts(chat, shown_messages, turns, last_answer, last_filters, sources, passage, grid)
        saving_hooks = wire_conversations(saving, saved_conversations, parts, ui_lang, language, app)
        saving_hooks.after_answers(answered)
        edit_last.click(
            take_back, [shown_messages, turns, last_answer, ui_lang], taken_back, queue=False, api_visibility="private"
        ).success(
            lambda lang: (None, gr.update(choices=[], value=None), passage_html(None, lang), grid_html(None, lang)),
            [ui_lang],
            [last_answer, sources, passage, grid],
            queue=False,
            api_visibility="private",
            js="(lang) => { document.querySelector('#pkb-question textarea')?.focus(); return lang; }",
        )

        # The filters in force, as chips beside Ask; the choices the store holds, read at each page load.
        scope_inputs = [countries, langs, doc_types, year_min, year_max, ui_lang]
        for choice in (countries, langs, doc_types, year_min, year_max):
            choice.change(scope_chips_html, scope_inputs, [scope_chips], queue=False, api_visibility="private")

        def filter_choices(lang: str) -> list[Any]:
            with store_errors(lang):
                now = held_values(services.store)
            years = year_choices(now, lang)
            return [gr.update(choices=lang_choices(now, lang)), gr.update(choices=type_choices(now, lang))] + [
                gr.update(choices=years)
            ] * 2

        app.load(filter_choices, [ui_lang], [langs, doc_types, year_min, year_max], queue=False, api_visibility="private")
        new_conversation_event = new_conversation.click(
            lambda lang: ([], [], [], None, gr.update(choices=[], value=None), passage_html(None, lang), grid_html(None, lang)),
            [ui_lang],
            [chat, shown_messages, turns, last_answer, sources, passage, grid],
            queue=False,
            api_visibility="private",
        )
        new_conversation_event.then(lambda: gr.update(visible=False), None, [notice_box], queue=False, api_visibility="private")
        saving_hooks.started_new(new_conversation_event)

        def open_source(number: str | None, current: Answer | None, lang: str) -> str:
            chosen = _citation(current, number)
            return passage_html(chosen, lang)

        sources.change(open_source, [sources, last_answer, ui_lang], [passage], queue=False, api_visibility="private")

        # Region shortcuts fill the country filter (kb.query.REGIONS is the one definition).
        for button, codes in (
            (maghreb, REGIONS["maghreb"]),
            (mashreq, REGIONS["mashreq"]),
            (every, COUNTRY_CODES),
            (nobody, ()),
        ):
            button.click(lambda codes=codes: list(codes), None, [countries], queue=False, api_visibility="private")

        # --- the API: one named endpoint with the structured answer of `policykb ask --json` ------
        def ask_api(
            question: str,
            countries: list[str] | None = None,
            languages: list[str] | None = None,
            doc_types: list[str] | None = None,
            years: list[int] | None = None,
            request: gr.Request = None,  # type: ignore[assignment]  # Gradio fills it in
        ) -> dict[str, Any]:
            """Answer a question with verbatim, cited quotes. years: [from, to], [year] or empty."""
            question, filters = _checked(
                lambda: (checked_question(question, web), checked_filters(countries, languages, doc_types, *year_range(years)))
            )
            return ask(question, filters, (), request).as_json()

        gr.api(ask_api, api_name="ask", concurrency_limit=web.ask_concurrency, concurrency_id="ask")

        # --- the library and uploads ----------------------------------------------------------
        def show_library(lang: str, request: gr.Request) -> tuple[str, Any, Any]:
            allowed = can_upload(request)
            return library(lang), gr.update(visible=allowed), gr.update(visible=not allowed)

        def upload(
            files: list[str] | None,
            country: str | None,
            doc_type: str | None,
            year: float | None,
            lang_code: str | None,
            lang: str,
            request: gr.Request,
        ) -> tuple[str, str, None]:
            if not can_upload(request):
                services.audit.record("upload_refused", _user(request), address=_address(request), reason="role")
                raise gr.Error(text("upload_admin_only", lang))
            if not files:
                raise gr.Error("no file given: choose one or more files to add")
            foreign = foreign_files(files, services.sessions.key(request), services.uploaded)
            if foreign:
                services.audit.record("upload_refused", _user(request), address=_address(request), reason=NOT_OURS, files=foreign)
                raise gr.Error(str(refusal(foreign)))
            upload_dir = web.upload_dir
            if upload_dir is None:  # can_upload checked it; this tells the type checker
                raise gr.Error(text("upload_admin_only", lang))
            named = [(original_name(path), Path(path)) for path in files]
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
                _user(request),
                address=_address(request),
                files=[name for name, _ in named],
                added=list(report.added),
                updated=list(report.updated),
                unchanged=list(report.unchanged),
                errors=list(report.errors),
            )
            return upload_summary(report), library(lang), None

        library_tab.select(
            show_library, [ui_lang], [library_view, upload_box, upload_note], queue=False, api_visibility="private"
        )
        app.load(show_library, [ui_lang], [library_view, upload_box, upload_note], queue=False, api_visibility="private")
        ingest_button.click(
            upload,
            [upload_files, upload_country, upload_type, upload_year, upload_lang, ui_lang],
            [upload_result, library_view, upload_files],
            api_name="upload",
            concurrency_limit=1,
            concurrency_id="ingest",
        )

        # --- interface language -------------------------------------------------------------------
        relabelled = [
            heading, language, assistant_tab, library_tab, chat, question, ask_button, new_conversation, filters_box,
            countries, maghreb, mashreq, every, nobody, langs, doc_types, year_min, year_max, sources, passage,
            grid_title, grid, library_view, upload_title, upload_files, upload_country, upload_type, upload_year,
            upload_lang, ingest_button, upload_note,
        ]  # fmt: skip

        # The brief and saved conversations relabel themselves when ui_lang changes (assistant.appbrief).
        def switch_language(lang: str, current: Answer | None, chosen: str | None) -> list[Any]:
            citation = _citation(current, chosen)
            with store_errors(lang):
                now = held_values(services.store)
            return [
                lang,
                _heading(lang),
                gr.update(label=text("interface", lang)),
                gr.update(label=text("tab_assistant", lang)),
                gr.update(label=text("tab_library", lang)),
                gr.update(label=text("chat", lang), rtl=lang == "ar"),
                gr.update(label=text("question", lang), placeholder=text("question_placeholder", lang), rtl=lang == "ar"),
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
                passage_html(citation, lang),
                f"### {text('grid', lang)}",
                grid_html(current, lang),
                library(lang),
                f"### {text('upload', lang)}",
                gr.update(label=text("upload_files", lang)),
                gr.update(
                    label=text("upload_country", lang), choices=[("", "")] + [(country_name(c, lang), c) for c in COUNTRY_CODES]
                ),
                gr.update(
                    label=text("upload_type", lang), choices=[("", "")] + [(doc_type_name(t, lang), t) for t in DOC_TYPE_CODES]
                ),
                gr.update(label=text("upload_year", lang)),
                gr.update(label=text("upload_lang", lang)),
                gr.update(value=text("ingest", lang)),
                text("upload_admin_only", lang),
            ]

        language.change(
            switch_language,
            [language, last_answer, sources],
            [ui_lang, *relabelled],
            queue=False,
            api_visibility="private",
            js=DIRECTION_JS,
        ).then(scope_chips_html, scope_inputs, [scope_chips], queue=False, api_visibility="private").then(
            lambda lang: (gr.update(value=text("regenerate", lang)), gr.update(value=text("edit_last", lang))),
            [ui_lang],
            [regenerate, edit_last],
            queue=False,
            api_visibility="private",
        )
    return app


def _citation(current: Answer | None, number: str | None) -> Citation | None:
    if current is None or not number:
        return None
    return next((c for c in current.citations if str(c.n) == str(number)), None)


def _heading(lang: str) -> str:
    return (
        f'<div dir="{direction(lang)}"><h1 class="pkb-title">{esc(text("title", lang))}</h1>'
        f'<p class="pkb-muted">{esc(text("subtitle", lang))}</p></div>'
    )
