"""What the page carries besides components: its stylesheet, one script, and a theme with system fonts.

Nothing here is fetched from another host: the script and the CSS are inline, the fonts local.
"""

from __future__ import annotations

import gradio as gr

from assistant.webscript import COPY_JS, LIBRARY_JS, SCROLL_JS, VIEWER_JS

# Sets the page's direction and language when the interface language changes. Runs in the browser
# before the Python handler; returns the arguments unchanged.
DIRECTION_JS = """
(lang, ...rest) => {
  const rtl = lang === "ar";
  document.documentElement.setAttribute("dir", rtl ? "rtl" : "ltr");
  document.documentElement.setAttribute("lang", lang);
  const root = document.querySelector(".gradio-container");
  if (root) { root.setAttribute("dir", rtl ? "rtl" : "ltr"); }
  return [lang, ...rest];
}
"""

# The source viewer hangs from <body>, outside the Gradio container whose prefix Gradio adds to every
# rule of CSS below (its media queries would never match the viewer), so its style goes in the head.
VIEWER_CSS = """
/* The viewer: beside the chat on a wide screen, a drawer from the bottom on a phone; never scrolls the page. */
#pkb-viewer {
  position: fixed; z-index: 10000; top: 0.75rem; bottom: 0.75rem; inset-inline-end: 0.75rem; width: min(34rem, 38vw);
  display: flex; flex-direction: column; background: var(--background-fill-primary); color: var(--body-text-color);
  border: 1px solid var(--border-color-primary); border-radius: 0.6rem; box-shadow: 0 6px 28px rgba(0, 0, 0, 0.25);
}
#pkb-viewer[hidden] { display: none; }
#pkb-viewer .pkb-viewer-close {
  align-self: flex-end; margin: 0.3rem 0.4rem 0; font-size: 1.5rem; line-height: 1; padding: 0.1rem 0.6rem;
  background: none; border: 1px solid transparent; border-radius: 0.3rem; cursor: pointer; color: inherit;
}
#pkb-viewer .pkb-viewer-close:focus-visible { border-color: var(--color-accent); }
#pkb-viewer .pkb-viewer-body { position: relative; overflow-y: auto; padding: 0 1rem 1rem; outline: none; }
#pkb-viewer h4 { margin: 0 0 0.4rem; }
#pkb-viewer a.pkb-original { display: inline-block; margin: 0.4rem 0; color: var(--link-text-color); }
@media (max-width: 760px) {
  #pkb-viewer {
    top: auto; bottom: 0; inset-inline: 0; width: auto; max-height: 68vh;
    border-radius: 0.9rem 0.9rem 0 0; border-bottom: none;
  }
}
"""

# The source viewer and the answer scrolling (assistant.webscript), inline: the page fetches nothing.
HEAD = f"<style>{VIEWER_CSS}</style><script>{VIEWER_JS}{SCROLL_JS}{COPY_JS}{LIBRARY_JS}</script>"

CSS = """
#pkb-header { align-items: flex-start; }
.pkb-title { font-size: 1.4rem; margin: 0.2rem 0; }
.pkb-muted { color: var(--body-text-color-subdued); font-size: 0.9rem; }
.pkb-ocr { border-inline-start: 3px solid #b7791f; padding-inline-start: 0.5rem; font-size: 0.9rem; }
.pkb-quote { quotes: "«" "»"; }
.pkb-answer ul { margin-top: 0.2rem; }
/* Citation numbers are links, in the chat as in the grid: the link colour, underlined, a visible focus ring. */
a.pkb-cite, #pkb-chat a.pkb-cite { color: var(--link-text-color); text-decoration: underline; font-weight: 600; cursor: pointer; }
a.pkb-cite:hover { color: var(--link-text-color-hover); }
a.pkb-cite:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 2px; border-radius: 2px; }
a.pkb-cite[aria-expanded="true"] { background: #ffe58f; }
/* Each answer carries its cited passages for the viewer; they are never shown in the message itself. */
.pkb-cited, .pkb-copy-source { display: none !important; }
/* Copy an answer as Markdown or as text (assistant.copytext); a tick says it is done. */
.pkb-copy-bar { display: flex; gap: 0.4rem; flex-wrap: wrap; margin-top: 0.6rem; }
button.pkb-copy {
  font-size: 0.8rem; padding: 0.15rem 0.6rem; border: 1px solid var(--border-color-primary); border-radius: 0.3rem;
  background: var(--background-fill-primary); color: var(--body-text-color); cursor: pointer;
}
button.pkb-copy:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 1px; }
button.pkb-copy.pkb-copied::after { content: " \\2713"; }
/* Gradio's "scroll to the end" arrow sat over the answer's text; answers open at their top instead. */
#pkb-chat .scroll-down-button-container { display: none; }
/* The filters in force, beside Ask; the notice when the filter left out a country the question named. */
#pkb-scope { padding: 0; }
.pkb-scope { display: flex; flex-wrap: wrap; gap: 0.35rem; align-items: center; }
.pkb-chip {
  display: inline-flex; gap: 0.3rem; align-items: baseline; padding: 0.15rem 0.65rem; border-radius: 999px;
  background: #e8f0fe; border: 1px solid #a8c3f0; color: #17325c; font-size: 0.85rem;
}
.pkb-chip-kind { font-weight: 600; }
.pkb-chip-none {
  background: var(--background-fill-secondary); border-color: var(--border-color-primary); color: var(--body-text-color-subdued);
}
.pkb-scope-notice {
  background: #fff4e0; border-inline-start: 4px solid #b7791f; padding: 0.5rem 0.8rem; color: #5c3400; border-radius: 0.3rem;
}
#pkb-widen { font-weight: 600; }
/* Labels mixing scripts (a French title in the Arabic interface) take their direction from their own text. */
.pkb-example, #pkb-sources label span { unicode-bidi: plaintext; }
.pkb-no-evidence { font-style: italic; color: #8a4b00; background: #fff4e0; }
table.pkb-grid, table.pkb-docs, table.pkb-counts { border-collapse: collapse; width: 100%; margin: 0.4rem 0; }
table.pkb-grid th, table.pkb-grid td, table.pkb-docs th, table.pkb-docs td, table.pkb-counts td {
  border: 1px solid var(--border-color-primary); padding: 0.35rem 0.5rem; vertical-align: top; text-align: start;
}
.pkb-counts-row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.pkb-counts-row table { width: auto; min-width: 12rem; }
.pkb-lib-tools { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin: 0.8rem 0 0.4rem; }
.pkb-lib-tools input[type=search] { flex: 1 1 14rem; min-width: 10rem; padding: 0.3rem 0.5rem; }
.pkb-lib-tools select { margin-inline-start: 0.3rem; }
.pkb-lib-count, .pkb-lib-sort, .pkb-lib-clear { font: inherit; cursor: pointer; }
.pkb-lib-count { background: none; border: none; color: #1a56b0; text-decoration: underline; padding: 0; }
.pkb-lib-sort { background: none; border: none; padding: 0; font-weight: 600; color: inherit; text-align: start; }
th[aria-sort=ascending] .pkb-lib-sort::after { content: " ▲"; }
th[aria-sort=descending] .pkb-lib-sort::after { content: " ▼"; }
table.pkb-docs tr[hidden] { display: none; }
.pkb-docs-wrap { overflow-x: auto; }
.pkb-docs-wrap table.pkb-docs td:first-child { min-width: 14rem; }
.pkb-lib-summary { margin: 0.4rem 0; }
.pkb-lib-summary summary { cursor: pointer; font-weight: 600; }
/* A phone: the title above the language choice, not squeezed beside it to a word per line. */
@media (max-width: 640px) {
  #pkb-header { flex-direction: column; }
  #pkb-header > * { width: 100%; min-width: 0 !important; }
}
.pkb-passage { border-inline-start: 4px solid var(--color-accent); padding-inline-start: 0.8rem; margin-inline: 0; }
.pkb-passage mark { background: #ffe58f; color: inherit; }
.pkb-facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; }
.pkb-facts dt { font-weight: 600; }
.pkb-facts dd { margin: 0; }
"""


def theme() -> gr.themes.Base:
    """System fonts only: the stock theme would fetch Google Fonts, and this app fetches nothing."""
    system = ("system-ui", "DejaVu Sans", "Noto Sans Arabic", "Arial", "sans-serif")
    return gr.themes.Default(font=system, font_mono=("DejaVu Sans Mono", "monospace"))
