"""The answer as Markdown, framed in the question's language, quotes in their own language.

The small helpers (``quoted``, ``source_parts``, ``overview``, ``column_label``) are shared with
:mod:`assistant.brief`, which lays the same answer out in a brief.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.dimensions import Lexicon, lexicon
from assistant.model import Answer, Citation
from assistant.phrases import country_name, doc_type_name, join_names, phrase, phrase_count

RTL_MARK = "\u200f"  # keeps an Arabic line's punctuation on the right side when a Latin quote ends it


def quoted(text: str) -> str:
    return f"«{text}»"


def table_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def source_parts(citation: Citation, lang: str) -> list[str]:
    """Title, country and document type, then year, page and article where known, in reading order;
    last, whether the text was read by OCR."""
    parts = [citation.title, country_name(citation.country, lang), doc_type_name(citation.doc_type, lang)]
    if citation.year:
        parts.append(str(citation.year))
    if citation.page:
        parts.append(f"{phrase('page', lang)} {citation.page}")
    if citation.article:
        parts.append(citation.article)
    if citation.ocr:
        parts.append(phrase("ocr", lang))  # OCR can misread: the reader should check the original
    return parts


def source_line(citation: Citation, lang: str) -> str:
    title, *rest = source_parts(citation, lang)
    line = f"{citation.n}. " + join_names([f"**{title}**", *rest], lang) + f" — {quoted(citation.quote)} (`{citation.doc_id}`)"
    if citation.other_versions:
        line += " — " + phrase("other_versions", lang).format(", ".join(f"`{v}`" for v in citation.other_versions))
    if citation.translation:
        line += f"\n   - *{phrase('machine_translation', lang)}*: {quoted(citation.translation)}"
    return line


def _period(period: tuple[int | None, int | None], lang: str) -> str:
    start, end = period
    if start is not None and end is not None:
        return phrase("period_span", lang).format(start, end)
    if start is not None:
        return phrase("period_from", lang).format(start)
    if end is not None:
        return phrase("period_to", lang).format(end)
    return ""


def overview(answer: Answer, lang: str) -> list[str]:
    """The framing lines above the findings: countries with and without evidence, and the period asked about."""
    lines: list[str] = []
    found = [country_name(c, lang) for c in answer.countries if answer.coverage.get(c) == "evidence"]
    lacking = [country_name(c, lang) for c in answer.countries if answer.coverage.get(c) == "no_evidence"]
    if found:
        lines.append(phrase("found_for", lang).format(join_names(found, lang)))
    if lacking:
        lines.append(phrase("lacking_for", lang).format(join_names(lacking, lang)))
    if period := _period(answer.period, lang):
        lines.append(period)
    return lines


SHORT_WORDS = 30  # the direct answer's quote, cut at a word and marked "…" past this


def short_quote(text: str, words: int = SHORT_WORDS) -> str:
    """The start of a quote, cut between words: still a verbatim prefix of the source."""
    parts = text.split(" ")
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


def in_short(answer: Answer) -> list[tuple[str, Citation | None]]:
    """The direct answer: each country with its single most answering quote (its first finding), or
    None where the documents held say nothing on the point."""
    return [(country, citations[0] if citations else None) for country, citations in answer.quotes_by_country()]


def column_label(dimension: str, lang: str, labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A grid column's name (``labels``: the answer's, from its lexicon); "answer" is the one column of
    a grid whose question named no dimension."""
    if dimension == "answer":
        return phrase("answer_column", lang)
    own = (labels or {}).get(dimension, {})
    return own.get(lang) or own.get("en") or lexicon().label(dimension, lang)


def column_labels(words: Lexicon, dimensions: Sequence[str]) -> dict[str, dict[str, str]]:
    """Every column's name in every interface language, from the lexicon the answer was made with."""
    return {d: {lang: words.label(d, lang) for lang in ("en", "fr", "ar")} for d in dimensions if d != "answer"}


def render(answer: Answer) -> str:
    """The answer as Markdown: overview, in short, findings by country, the grid and the sources."""
    lang = answer.language
    lines: list[str] = [f"## {phrase('answer', lang)}", ""]
    if answer.abstained:
        lines += [phrase("abstain", lang), ""]
        if answer.closest:
            lines += [f"### {phrase('closest', lang)}", ""]
            for doc in answer.closest:
                year = f", {doc.year}" if doc.year else ""
                lines.append(f"- **{doc.title}** ({country_name(doc.country, lang)}{year}) `{doc.doc_id}`")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    lines += overview(answer, lang)
    lines += [phrase("method", lang), ""]

    lines += [f"### {phrase('in_short', lang)}", ""]
    for country, best in in_short(answer):
        said = f"{quoted(short_quote(best.quote))} [{best.n}]" if best else phrase("nothing_on_point", lang)
        lines.append(f"- **{country_name(country, lang)}**: {said}")
    lines.append("")

    lines += _findings(answer, lang)

    if answer.grid:
        lines += _grid_table(answer, lang)

    lines += [f"### {phrase('sources', lang)}", ""]
    lines += [source_line(c, lang) for c in answer.citations]
    if answer.verification.dropped:
        lines += ["", phrase_count("dropped", len(answer.verification.dropped), lang)]
    if answer.notes:
        lines += ["", *answer.notes]
    return "\n".join(lines).rstrip() + "\n"


def _findings(answer: Answer, lang: str) -> list[str]:
    """Each country's quotes with their numbers (and labelled translations); without any, the closest documents."""
    lines = [f"### {phrase('findings', lang)}", ""]
    for country, citations in answer.quotes_by_country():
        lines.append(f"#### {country_name(country, lang)}")
        if not citations:
            lines.append(f"- {phrase('no_evidence', lang)}")
            nearest = [doc for doc in answer.closest if doc.country == country]
            if nearest:
                lines.append(f"- {phrase('closest', lang)}: " + "; ".join(f"**{d.title}** (`{d.doc_id}`)" for d in nearest))
        for citation in citations:
            lines.append(f"- {quoted(citation.quote)} [{citation.n}]")
            if citation.translation:
                lines.append(f"  - *{phrase('machine_translation', lang)}*: {quoted(citation.translation)}")
        lines.append("")
    return lines


def _grid_table(answer: Answer, lang: str) -> list[str]:
    """The comparison grid as a Markdown table: a row per country, a column per dimension."""
    columns = list(answer.dimensions)
    lines = [f"### {phrase('grid', lang)}", ""]
    lines.append("| " + " | ".join([phrase("country", lang)] + [column_label(d, lang, answer.labels) for d in columns]) + " |")
    lines.append("|" + "---|" * (len(columns) + 1))
    cells = {(cell.country, cell.dimension): cell for cell in answer.grid}
    for country in answer.countries:
        row = [country_name(country, lang)]
        for dimension in columns:
            cell = cells.get((country, dimension))
            if cell is None or not cell.citations:
                row.append(f"*{phrase('no_evidence_cell', lang)}*")
            else:
                refs = "".join(f"[{n}]" for n in cell.citations)
                row.append(table_cell(f"{quoted(cell.finding)} {refs}"))
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    return lines
