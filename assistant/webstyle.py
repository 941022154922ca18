"""What the page carries besides components: its stylesheet, one script, and a theme with system fonts.

Nothing here is fetched from another host: the script and the CSS are inline, the fonts local.
"""

from __future__ import annotations

import gradio as gr

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

# Clicking a citation number in the chat or the grid opens that source in the sources panel.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const marker = event.target.closest ? event.target.closest("a.pkb-cite, a[href^='#pkb-source-']") : null;
  if (!marker) { return; }
  event.preventDefault();
  const number = (marker.getAttribute("data-cite") || marker.textContent || "").replace(/[^0-9]/g, "");
  const option = document.querySelector(`#pkb-sources input[type=radio][value="${number}"]`);
  if (option) { option.click(); document.getElementById("pkb-sources-panel")?.scrollIntoView({block: "nearest"}); }
});
</script>
"""

CSS = """
#pkb-header { align-items: flex-start; }
.pkb-title { font-size: 1.4rem; margin: 0.2rem 0; }
.pkb-muted { color: var(--body-text-color-subdued); font-size: 0.9rem; }
.pkb-ocr { border-inline-start: 3px solid #b7791f; padding-inline-start: 0.5rem; font-size: 0.9rem; }
.pkb-quote { quotes: "«" "»"; }
.pkb-answer ul { margin-top: 0.2rem; }
.pkb-cite { text-decoration: none; font-weight: 600; cursor: pointer; }
/* Labels mixing scripts (a French title in the Arabic interface) take their direction from their own text. */
.pkb-example, #pkb-sources label span { unicode-bidi: plaintext; }
.pkb-no-evidence { font-style: italic; color: #8a4b00; background: #fff4e0; }
table.pkb-grid, table.pkb-docs, table.pkb-counts { border-collapse: collapse; width: 100%; margin: 0.4rem 0; }
table.pkb-grid th, table.pkb-grid td, table.pkb-docs th, table.pkb-docs td, table.pkb-counts td {
  border: 1px solid var(--border-color-primary); padding: 0.35rem 0.5rem; vertical-align: top; text-align: start;
}
.pkb-counts-row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.pkb-counts-row table { width: auto; min-width: 12rem; }
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
