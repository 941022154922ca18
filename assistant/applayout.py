"""The web app's page: every component, where it sits and what it first says (in English).

Part of the Gradio UI. Declarative: :func:`layout` places the components and returns them as a
:class:`Page`; the handler modules (assistant.appchat, assistant.applibrary, assistant.applanguage)
wire them. The brief panel places and wires itself (assistant.appbrief).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.appbrief import Saving, brief_panel
from assistant.appconversations import ConversationsPanel, conversations_panel
from assistant.config import WebConfig
from assistant.phrases import DOC_TYPE_NAMES, country_name, doc_type_name
from assistant.scope import HeldValues, lang_choices, scope_chips_html, type_choices, year_choices
from assistant.views import esc, grid_html, passage_html
from assistant.webinput import COUNTRY_CODES
from assistant.webtext import UI_LANG_NAMES, UI_LANGS, direction, text

LANG_CODES: tuple[str, ...] = ("ar", "fr", "en")
DOC_TYPE_CODES: tuple[str, ...] = tuple(DOC_TYPE_NAMES)

# One per language; they name countries the sample corpus covers, and a held-out corpus answers or
# abstains on them just the same.
EXAMPLES: tuple[str, ...] = (
    "How do Morocco and Tunisia fund cluster governance bodies?",
    "Quelles incitations la Tunisie accorde-t-elle aux pôles de compétitivité ?",
    "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟",
)


@dataclass(frozen=True)
class Page:
    """The page's components and per-session states, as :func:`layout` placed them."""

    # states, kept on the server per session
    ui_lang: Any
    turns: Any  # list[Turn]: the conversation so far, for follow-up questions
    shown_messages: Any  # list[dict]: the chat's messages, as this server wrote them
    last_answer: Any  # Answer | None
    last_filters: Any  # the filters it was asked with, as a brief states them
    outside: Any  # countries the latest question named that the country filter left out
    # header
    heading: Any
    language: Any
    # the assistant tab
    assistant_tab: Any
    filters_box: Any
    countries: Any
    maghreb: Any
    mashreq: Any
    every: Any
    nobody: Any
    langs: Any
    doc_types: Any
    year_min: Any
    year_max: Any
    chat: Any
    notice_box: Any
    notice: Any
    widen: Any
    scope_chips: Any
    question: Any
    ask_button: Any
    example_buttons: list[Any]
    regenerate: Any
    edit_last: Any
    new_conversation: Any
    saved_conversations: ConversationsPanel
    sources: Any
    passage: Any
    grid_title: Any
    grid: Any
    # the library tab
    library_tab: Any
    library_view: Any
    upload_box: Any
    upload_title: Any
    upload_files: Any
    upload_country: Any
    upload_type: Any
    upload_year: Any
    upload_lang: Any
    ingest_button: Any
    upload_result: Any
    upload_note: Any

    def scope_inputs(self) -> list[Any]:
        """The filters in force, and the interface language the chips are written in."""
        return [self.countries, self.langs, self.doc_types, self.year_min, self.year_max, self.ui_lang]


def heading_html(lang: str) -> str:
    """The page's title and subtitle in the interface language."""
    return (
        f'<div dir="{direction(lang)}"><h1 class="pkb-title">{esc(text("title", lang))}</h1>'
        f'<p class="pkb-muted">{esc(text("subtitle", lang))}</p></div>'
    )


def upload_country_choices(lang: str) -> list[tuple[str, str]]:
    return [("", "")] + [(country_name(c, lang), c) for c in COUNTRY_CODES]


def upload_type_choices(lang: str) -> list[tuple[str, str]]:
    return [("", "")] + [(doc_type_name(t, lang), t) for t in DOC_TYPE_CODES]


def layout(app: gr.Blocks, web: WebConfig, held: HeldValues, saving: Saving) -> Page:
    """Place the page's components inside ``app`` (a ``gr.Blocks`` being built); the brief wires itself."""
    ui_lang = gr.State("en")
    turns = gr.State([])
    # What the chat shows, kept on the server: a history sent by a client is never read (it could
    # name server files, which Gradio would copy and serve back).
    shown_messages = gr.State([])
    last_answer = gr.State(None)
    last_filters = gr.State("")
    outside = gr.State(())

    with gr.Row(elem_id="pkb-header"):
        heading = gr.HTML(heading_html("en"), elem_id="pkb-heading")
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
                        example_buttons = [gr.Button(example, size="sm", elem_classes=["pkb-example"]) for example in EXAMPLES]
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
                        choices=upload_country_choices("en"), value="", label=text("upload_country", "en")
                    )
                    upload_type = gr.Dropdown(choices=upload_type_choices("en"), value="", label=text("upload_type", "en"))
                    upload_year = gr.Number(label=text("upload_year", "en"), precision=0)
                    upload_lang = gr.Dropdown(choices=["", *LANG_CODES], value="", label=text("upload_lang", "en"))
                ingest_button = gr.Button(text("ingest", "en"), variant="primary", elem_id="pkb-ingest")
                upload_result = gr.Markdown(elem_id="pkb-upload-result")
            upload_note = gr.Markdown(text("upload_admin_only", "en"), visible=True, elem_id="pkb-upload-note")
    return Page(
        ui_lang=ui_lang, turns=turns, shown_messages=shown_messages, last_answer=last_answer, last_filters=last_filters,
        outside=outside, heading=heading, language=language, assistant_tab=assistant_tab, filters_box=filters_box,
        countries=countries, maghreb=maghreb, mashreq=mashreq, every=every, nobody=nobody, langs=langs,
        doc_types=doc_types, year_min=year_min, year_max=year_max, chat=chat, notice_box=notice_box, notice=notice,
        widen=widen, scope_chips=scope_chips, question=question, ask_button=ask_button, example_buttons=example_buttons,
        regenerate=regenerate, edit_last=edit_last, new_conversation=new_conversation,
        saved_conversations=saved_conversations, sources=sources, passage=passage, grid_title=grid_title, grid=grid,
        library_tab=library_tab, library_view=library_view, upload_box=upload_box, upload_title=upload_title,
        upload_files=upload_files, upload_country=upload_country, upload_type=upload_type, upload_year=upload_year,
        upload_lang=upload_lang, ingest_button=ingest_button, upload_result=upload_result, upload_note=upload_note,
    )  # fmt: skip
