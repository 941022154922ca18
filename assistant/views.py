"""HTML views of answers, sources, grids and the library, for the web interface.

Every piece of document text (titles, quotes, passages, ids) goes through ``html.escape``: a
document cannot inject markup or script into the page. Direction is set per element: Arabic text
gets ``dir="rtl"`` whatever the interface language, and free text uses ``dir="auto"``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from assistant.catalog import localised
from assistant.copytext import copy_controls
from assistant.model import Answer, Citation
from assistant.original import text_fragment
from assistant.pdfview import MAX_QUOTE_CHARS
from assistant.phrases import country_name, doc_type_name, join_names, phrase
from assistant.render import column_label, in_short, overview, short_quote, source_parts
from assistant.webtext import TEXT, count_text, direction, text

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_PARAGRAPH_BREAK = re.compile(r"[ \t]*\n[ \t]*\n\s*")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def text_direction(value: str) -> str:
    """rtl when Arabic letters outnumber Latin ones: a French quote citing "القانون" stays ltr."""
    return "rtl" if len(_ARABIC.findall(value)) > len(_LATIN.findall(value)) else "ltr"


def _quoted(value: str, lang: str) -> str:
    flat = " ".join(value.split())  # one line: a blank line would end the chat's HTML block
    return f'<q class="pkb-quote" dir="{text_direction(flat)}" lang="{esc(lang)}">{esc(flat)}</q>'


def cite_marker(n: int, label: str = "") -> str:
    """A citation number that is a real link: focusable, named for screen readers (``label``, escaped),
    and opened in the source viewer by the page's script (``assistant.webstyle``)."""
    # The chat's sanitiser keeps title but drops aria-* and data-*: the page's script copies the title
    # into aria-label, and reads the number from href.
    named = f' title="{esc(label)}"' if label else ""
    return f'<a class="pkb-cite" href="#pkb-source-{n}" data-cite="{n}"{named}>[{n}]</a>'


def _marker(citation: Citation, lang: str) -> str:
    title, *where = source_parts(citation, lang)
    return cite_marker(citation.n, f"{text('source', lang)} {citation.n}: {join_names([title, *where], lang)}")


def _open_label(citation: Citation, ui_lang: str) -> str:
    if citation.doc_id.lower().endswith(".pdf"):
        return text("open_original", ui_lang).format(citation.page or 1)
    return text("open_original_text", ui_lang)


def viewer_url(doc_id: str, page: int, quote: str) -> str:
    """Where the app shows page ``page`` of the PDF ``doc_id`` with ``quote`` marked (assistant.viewerroute)."""
    return f"/viewer/{url_quote(doc_id, safe='/')}?" + urlencode({"page": page, "q": quote[:MAX_QUOTE_CHARS]})


def document_url(doc_id: str, page: int | None = None, quote: str = "") -> str:
    """Where the app serves the original file: a PDF opens at ``#page=N``; another original is shown as
    text (assistant.original) and scrolls to the ``quote``, highlighted by the browser."""
    url = "/document/" + url_quote(doc_id, safe="/")
    if quote and not doc_id.lower().endswith(".pdf"):
        return url + text_fragment(quote)
    return f"{url}#page={page}" if page else url


def answer_html(answer: Answer, ui_lang: str | None = None) -> str:
    """The chat message: overview, then each country's quotes with their citation numbers.

    Framed in the answer's language; quotes keep their own. One HTML block without blank lines, so
    the chat's Markdown renderer passes it through untouched (and its sanitiser still runs).
    Each cited passage travels inside the message, hidden (:func:`cited_passages`): a citation of an
    earlier answer opens its own source, and the viewer opens without a round trip to the server.
    """
    lang = answer.language
    out: list[str] = [f'<div class="pkb-answer" dir="{direction(lang)}" lang="{esc(lang)}">']
    if answer.abstained:
        out += _abstention(answer, lang)
        out.append(copy_controls(answer, ui_lang or lang))
        out.append("</div>")
        return "".join(out)

    if answer.answerer != "extractive":
        # Generated text is shown as text, never as Markdown or HTML; the sources carry the quotes.
        out.append(f'<div class="pkb-generated" dir="auto">{esc(answer.markdown).replace(chr(10), "<br>")}</div>')
        out.append(f"{copy_controls(answer, ui_lang or lang)}{cited_passages(answer, ui_lang or lang)}</div>")
        return "".join(out)

    out.append(f"<p>{esc(' '.join(overview(answer, lang)))}</p>")
    out.append(f'<p class="pkb-method">{esc(phrase("method", lang))}</p>')
    out += _in_short(answer, lang)
    for country, citations in answer.quotes_by_country():
        out += _country_quotes(answer, country, citations, lang)
    if answer.verification.dropped:
        out.append(f"<p>{esc(phrase('dropped', lang).format(len(answer.verification.dropped)))}</p>")
    out += [f'<p class="pkb-note">{esc(note)}</p>' for note in answer.notes]
    out.append(copy_controls(answer, ui_lang or lang))
    out.append(cited_passages(answer, ui_lang or lang))
    out.append("</div>")
    return "".join(out)


def _document_link(doc_id: str, title: str) -> str:
    """A document named in an answer, as a link to its original (every document named is one)."""
    return (
        f'<a class="pkb-doc" href="{esc(document_url(doc_id))}" target="_blank" rel="noopener noreferrer">'
        f'<bdi dir="{text_direction(title)}">{esc(title)}</bdi></a>'
    )


def _abstention(answer: Answer, lang: str) -> list[str]:
    """Nothing to quote: say so, and name the closest documents the store holds."""
    out = [f"<p>{esc(phrase('abstain', lang))}</p>"]
    if answer.closest:
        out.append(f"<p><strong>{esc(phrase('closest', lang))}</strong></p><ul>")
        for doc in answer.closest:
            year = f", {doc.year}" if doc.year else ""
            out.append(f"<li>{_document_link(doc.doc_id, doc.title)} ({esc(country_name(doc.country, lang))}{esc(year)})</li>")
        out.append("</ul>")
    return out


def _in_short(answer: Answer, lang: str) -> list[str]:
    """ "In short": each country's best quote, cut short (outside the quote marks), or that nothing is on point."""
    out = [f'<p><strong>{esc(phrase("in_short", lang))}</strong></p><ul class="pkb-in-short">']
    for country, best in in_short(answer):
        said = f'<span class="pkb-no-evidence">{esc(phrase("nothing_on_point", lang))}</span>'
        if best:
            short = short_quote(best.quote)
            cut = short != best.quote  # the mark of the cut stays outside the quote, which is verbatim
            said = f"{_quoted(short.removesuffix(' …') if cut else short, best.lang)}{' …' if cut else ''} {_marker(best, lang)}"
        out.append(f"<li><strong>{esc(country_name(country, lang))}</strong>: {said}</li>")
    out.append("</ul>")
    return out


def _country_quotes(answer: Answer, country: str, citations: Sequence[Citation], lang: str) -> list[str]:
    """One country's quotes with their markers and labelled translations; without any, the closest documents."""
    out = [f"<p><strong>{esc(country_name(country, lang))}</strong></p><ul>"]
    if not citations:
        out.append(f'<li class="pkb-no-evidence">{esc(phrase("no_evidence", lang))}</li>')
        nearest = [doc for doc in answer.closest if doc.country == country]
        if nearest:
            titles = "; ".join(_document_link(d.doc_id, d.title) for d in nearest)
            out.append(f'<li class="pkb-closest">{esc(phrase("closest", lang))}: {titles}</li>')
    for citation in citations:
        translation = ""
        if citation.translation:  # labelled, in the asker's language: never the source's words
            label = esc(phrase("machine_translation", lang))
            translation = f'<div class="pkb-translation"><em>{label}</em>: {_quoted(citation.translation, lang)}</div>'
        out.append(f"<li>{_quoted(citation.quote, citation.lang)} {_marker(citation, lang)}{translation}</li>")
    out.append("</ul>")
    return out


def cited_passages(answer: Answer, ui_lang: str) -> str:
    """Every cited passage of ``answer``, hidden until the viewer shows one: same markup as the sources panel."""
    # One line: a blank line inside a chat message would end its HTML block.
    shown = "".join(passage_html(citation, ui_lang, anchor=False) for citation in answer.citations).replace("\n", " ")
    close = esc(text("close", ui_lang))
    return f'<div class="pkb-cited" title="{close}">{shown}</div>'


def grid_html(answer: Answer | None, ui_lang: str) -> str:
    """The countries × dimensions table; a cell without evidence says so in words."""
    if answer is None or not answer.grid:
        return f'<p class="pkb-muted">{esc(text("grid_empty", ui_lang))}</p>'
    columns = list(answer.dimensions)
    labels = [column_label(d, ui_lang, answer.labels) for d in columns]
    cells = {(cell.country, cell.dimension): cell for cell in answer.grid}
    cited = {c.n: c for c in answer.citations}
    rows = [
        f'<table class="pkb-grid" dir="{direction(ui_lang)}"><thead><tr><th scope="col">{esc(text("country", ui_lang))}</th>'
        + "".join(f'<th scope="col">{esc(label)}</th>' for label in labels)
        + "</tr></thead><tbody>"
    ]
    for country in answer.countries:
        row = [f'<tr><th scope="row">{esc(country_name(country, ui_lang))}</th>']
        for dimension in columns:
            cell = cells.get((country, dimension))
            if cell is None or not cell.citations:
                row.append(f'<td class="pkb-no-evidence">{esc(text("no_evidence", ui_lang))}</td>')
            else:
                markers = " ".join(_marker(cited[n], ui_lang) if n in cited else cite_marker(n) for n in cell.citations)
                row.append(f'<td><span dir="{text_direction(cell.finding)}">{esc(cell.finding)}</span> {markers}</td>')
        rows.append("".join(row) + "</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def citation_label(citation: Citation, ui_lang: str) -> str:
    title, *where = source_parts(citation, ui_lang)
    return f"[{citation.n}] {title} — {join_names(where, ui_lang)}"


def citation_choices(answer: Answer | None, ui_lang: str) -> list[tuple[str, str]]:
    if answer is None:
        return []
    return [(citation_label(c, ui_lang), str(c.n)) for c in answer.citations]


def _highlighted(passage: str, quote: str) -> str:
    """The passage, escaped, with the quoted words in <mark>. Whitespace may differ (PDF line wraps)."""
    words = quote.split()
    match = re.search(r"\s+".join(map(re.escape, words)), passage) if words else None
    if match is None:
        return esc(passage)
    start, end = match.span()
    return f"{esc(passage[:start])}<mark>{esc(passage[start:end])}</mark>{esc(passage[end:])}"


def _reflowed(marked_up: str) -> str:
    """PDF line wraps become spaces; blank lines stay paragraph breaks."""
    return _LINE_BREAK.sub(" ", _PARAGRAPH_BREAK.sub("<br><br>", marked_up))


def passage_html(citation: Citation | None, ui_lang: str, anchor: bool = True) -> str:
    """One source opened: metadata, the passage with the quote highlighted, a link to the original.

    ``anchor`` gives it the id citation links point at; the copies carried in chat messages have none,
    so ids stay unique on the page."""
    if citation is None:
        return f'<p class="pkb-muted">{esc(text("sources_hint", ui_lang))}</p>'
    facts = [
        (text("doc_title", ui_lang), citation.title),
        (text("country", ui_lang), country_name(citation.country, ui_lang)),
        (text("doc_type", ui_lang), doc_type_name(citation.doc_type, ui_lang)),
        (text("year", ui_lang), str(citation.year or "")),
        (text("page", ui_lang), str(citation.page or "")),
        (text("article", ui_lang), citation.article),
        (text("doc_id", ui_lang), citation.doc_id),
    ]
    listing = "".join(
        f'<dt>{esc(label)}</dt><dd dir="{text_direction(value)}">{esc(value)}</dd>' for label, value in facts if value
    )
    link = (
        f'<a class="pkb-original" href="{esc(document_url(citation.doc_id, citation.page, citation.quote))}" target="_blank" '
        f'rel="noopener noreferrer">{esc(_open_label(citation, ui_lang))}</a>'
    )
    if citation.doc_id.lower().endswith(".pdf") and citation.page:
        # The page in the app with the quoted words marked (assistant.viewerroute), beside the file itself.
        shown = f"{viewer_url(citation.doc_id, citation.page, citation.quote)}&lang={ui_lang}"
        link = (
            f'<a class="pkb-viewer" href="{esc(shown)}" target="_blank" rel="noopener noreferrer">'
            f"{esc(text('open_viewer', ui_lang).format(citation.page))}</a> · {link}"
        )
    others = ""
    if citation.other_versions:
        # Each version is a link to its original; ids are isolated so a right-to-left line keeps them whole.
        versions = ", ".join(
            f'<a href="{esc(document_url(v))}" target="_blank" rel="noopener noreferrer"><bdi dir="ltr">{esc(v)}</bdi></a>'
            for v in citation.other_versions
        )
        label, _, rest = text("also_in", ui_lang).partition("{}")
        others = f"<p>{esc(label)}{versions}{esc(rest)}</p>"
    if citation.ocr:
        others += f'<p class="pkb-ocr">{esc(text("ocr_note", ui_lang))}</p>'
    ident = f' id="pkb-source-{citation.n}"' if anchor else ""
    return (
        f'<div class="pkb-source pkb-src-{citation.n}"{ident} data-source="{citation.n}" dir="{direction(ui_lang)}">'
        f'<h4><bdi dir="ltr">[{citation.n}]</bdi> <bdi dir="{text_direction(citation.title)}">{esc(citation.title)}</bdi></h4>'
        f'<dl class="pkb-facts">{listing}</dl>{link}{others}'
        f'<p class="pkb-muted">{esc(text("quoted", ui_lang))}</p>'
        f'<blockquote class="pkb-passage" dir="{text_direction(citation.passage)}" lang="{esc(citation.lang)}">'
        f"{_reflowed(_highlighted(citation.passage, citation.quote))}</blockquote></div>"
    )


# The library's rows carry their country, language, type and year as data attributes, so the page's
# script (assistant.webscript.LIBRARY_JS) can search, filter and sort the list without a round trip.
FILTERS = ("country", "lang", "type", "year")


def _lang_label(code: str, ui_lang: str) -> str:
    key = f"lang_{code}"
    return text(key, ui_lang) if key in TEXT else code


def _count_table(title: str, kind: str, counts: Mapping[str, int], name: Any, ui_lang: str) -> str:
    """Counts whose numbers are buttons: a click shows only the documents counted."""
    show = esc(text("library_filter_by", ui_lang))
    rows = "".join(
        f"<tr><td>{esc(name(key))}</td><td><button type=\"button\" class=\"pkb-lib-count\" data-filter=\"{kind}\" "
        f'data-value="{esc(key)}" title="{show}: {esc(name(key))}"><bdi>{count}</bdi></button></td></tr>'
        for key, count in counts.items()
    )
    return f'<table class="pkb-counts"><caption>{esc(title)}</caption><tbody>{rows}</tbody></table>'


def _select(kind: str, label: str, values: Sequence[str], name: Any, ui_lang: str) -> str:
    options = "".join(f'<option value="{esc(v)}">{esc(name(v))}</option>' for v in values)
    return (
        f'<label class="pkb-lib-filter">{esc(label)} <select data-filter="{kind}">'
        f'<option value="">{esc(text("library_any", ui_lang))}</option>{options}</select></label>'
    )


def _tools(stats: Mapping[str, Any], total: int, ui_lang: str) -> str:
    """Search box, one filter per column that has values, and the count of documents shown."""
    named = {
        "country": (text("country", ui_lang), lambda c: country_name(c, ui_lang), "by_country"),
        "lang": (text("language", ui_lang), lambda c: _lang_label(c, ui_lang), "by_lang"),
        "type": (text("doc_type", ui_lang), lambda t: doc_type_name(t, ui_lang), "by_type"),
        "year": (text("year", ui_lang), str, "by_year"),
    }
    selects = "".join(
        _select(kind, label, [str(k) for k in stats.get(key, {})], name, ui_lang) for kind, (label, name, key) in named.items()
    )
    search = esc(text("library_search", ui_lang))
    # The page's script rewrites the count as the list narrows, in the plural form the browser's own
    # CLDR rules (Intl.PluralRules) pick: the same rules as the server's (assistant.catalog).
    shown_forms = localised(TEXT["documents_shown"], ui_lang)
    return (
        f'<div class="pkb-lib-tools" role="search"><input type="search" class="pkb-lib-q" placeholder="{search}" '
        f'aria-label="{search}">{selects}<button type="button" class="pkb-lib-clear">{esc(text("library_clear", ui_lang))}'
        f'</button><span class="pkb-lib-shown" aria-live="polite" lang="{ui_lang}" data-total="{total}" '
        f'data-forms="{esc(json.dumps(shown_forms, ensure_ascii=False))}">'
        f"{esc(count_text('documents_shown', total, ui_lang, shown=total))}</span></div>"
    )


def _row(doc: Mapping[str, Any], ui_lang: str) -> str:
    title = str(doc.get("title") or doc.get("doc_id"))
    link = f'<a href="{esc(document_url(str(doc["doc_id"])))}" target="_blank" rel="noopener noreferrer">'
    country, lang, doc_type = (str(doc.get(k) or "") for k in ("country", "lang", "doc_type"))
    year = str(doc.get("year") or "")
    data = f'data-country="{esc(country)}" data-lang="{esc(lang)}" data-type="{esc(doc_type)}" data-year="{esc(year)}"'
    return (
        f'<tr {data}><td dir="{text_direction(title)}">{link}{esc(title)}</a></td>'
        f"<td>{esc(country_name(country, ui_lang))}</td><td>{esc(_lang_label(lang, ui_lang) if lang else '')}</td>"
        f"<td>{esc(doc_type_name(doc_type, ui_lang))}</td><td><bdi>{esc(year)}</bdi></td>"
        f"<td><bdi>{esc(doc.get('pages') or '')}</bdi></td></tr>"
    )


def library_html(stats: Mapping[str, Any], documents: Sequence[Mapping[str, Any]], ui_lang: str) -> str:
    """Counts by country, language, type and year (each a filter), then the document list, searchable,
    filterable and sortable by the page's script."""
    head = (
        f"<p><strong>{esc(count_text('documents_count', int(stats['documents']), ui_lang))}</strong>"
        f"{'، ' if ui_lang == 'ar' else ', '}"
        f"{esc(count_text('passages_count', int(stats['chunks']), ui_lang))}</p>"
    )
    names: dict[str, Any] = {
        "country": lambda c: country_name(c, ui_lang),
        "lang": lambda c: _lang_label(c, ui_lang),
        "type": lambda t: doc_type_name(t, ui_lang),
        "year": str,
    }
    tables = "".join(
        _count_table(text(f"by_{key}", ui_lang), kind, stats.get(f"by_{key}", {}), names[kind], ui_lang)
        for kind, key in zip(FILTERS, ("country", "lang", "type", "year"), strict=True)
    )
    columns = (
        ("doc_title", "text"),
        ("country", "text"),
        ("language", "text"),
        ("doc_type", "text"),
        ("year", "number"),
        ("pages", "number"),
    )
    header = "".join(
        f'<th scope="col" aria-sort="none"><button type="button" class="pkb-lib-sort" data-col="{i}" data-kind="{kind}">'
        f"{esc(text(c, ui_lang))}</button></th>"
        for i, (c, kind) in enumerate(columns)
    )
    body = "".join(_row(doc, ui_lang) for doc in documents)
    # The list scrolls sideways on a phone rather than squeezing titles to a word per line.
    listing = (
        f'<div class="pkb-docs-wrap"><table class="pkb-docs"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>'
    )
    empty = f'<p class="pkb-lib-empty" hidden>{esc(text("library_none", ui_lang))}</p>'
    # The counts are a summary, folded: the search and the list come first, where a reader looks.
    counts = (
        f'<details class="pkb-lib-summary"><summary>{esc(text("library_counts", ui_lang))}</summary>'
        f'<div class="pkb-counts-row">{tables}</div></details>'
    )
    return (
        f'<div class="pkb-library" dir="{direction(ui_lang)}">{head}{_tools(stats, len(documents), ui_lang)}'
        f"{counts}{listing}{empty}</div>"
    )
