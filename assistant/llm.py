"""The optional LLM answerer: a served model writes the answer from numbered passages, then every
sentence is checked against them before anything is shown.

Off by default (``AssistantConfig.answerer = "extractive"``); a deployment that runs an
OpenAI-compatible server (vLLM, llama.cpp, LM Studio...) or Ollama sets ``answerer="llm"`` and
``llm`` (kind, base_url, model). The model is reached through llama-index's integrations,
``llama-index-llms-openai-like`` and ``llama-index-llms-ollama`` (``pip install 'policykb[llm]'``),
imported only here and only when called; llama-index's global ``Settings`` are never read or set.

The evidence is the extractive answerer's (:func:`assistant.extractive.collect`): an abstention is the
same and costs no request. Retrieved text is data: the prompt says so and fences it
(:mod:`assistant.prompt`), but nothing relies on the model obeying: :mod:`assistant.support` keeps
only sentences a cited passage states, each citation carries a verbatim quote of its passage
(checked like the extractive answerer's), and the grid and coverage come from the evidence, not the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.config import AssistantConfig, LLMConfig
from assistant.dimensions import Lexicon, lexicon
from assistant.errors import AssistantError
from assistant.extract import Candidate, select
from assistant.extractive import CitationBook, abstention, collect, grid_cell, grid_dimensions
from assistant.model import Answer, Coverage, Finding, GridCell, Turn, Verification
from assistant.phrases import country_name, join_names, phrase
from assistant.prompt import Message, Passage, build_messages, choose_passages
from assistant.render import column_labels, render
from assistant.support import Check, check_answer
from kb.query import understand
from kb.search import Filters, Searcher

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

# Ollama cuts a prompt longer than its context (2,048 tokens by default) without a word; the
# passages alone can take 2,000.
OLLAMA_CONTEXT_WINDOW = 8192
MAX_RETRIES = 1  # someone is waiting for the answer: one retry on a dropped connection, no more

METHOD = (
    "generated sentences: kept only when they cite a supplied passage that states them (content terms in the same "
    "language, embedding similarity across languages; figures must stand in the passage); dropped entries read "
    "'verdict (reason): sentence'; quotes: exact substring after whitespace normalisation"
)


class LLMError(AssistantError):
    """Base class of the LLM answerer's errors; ``str(err)`` is a one-line message saying what to do."""


class LLMConfigError(LLMError):
    """The ``llm`` settings are incomplete or invalid."""


class LLMUnavailableError(LLMError):
    """The llama-index integration for the configured kind is not installed."""


class LLMRequestError(LLMError):
    """The server could not be reached, or refused or failed the request."""


def check_config(config: LLMConfig) -> None:
    """Raise :class:`LLMConfigError` naming the setting to fix when ``config`` cannot reach a model."""
    example = "http://127.0.0.1:11434" if config.kind == "ollama" else "http://127.0.0.1:8000/v1"
    if not config.base_url.strip():
        raise LLMConfigError(f"the LLM answerer needs llm.base_url, the address of the {config.kind} server (e.g. {example})")
    if not config.base_url.startswith(("http://", "https://")):
        raise LLMConfigError(f"llm.base_url must start with http:// or https:// (e.g. {example}), got {config.base_url!r}")
    if not config.model.strip():
        raise LLMConfigError(f"the LLM answerer needs llm.model, the name of a model served at {config.base_url}")
    if config.timeout_s <= 0:
        raise LLMConfigError(f"llm.timeout_s must be positive, got {config.timeout_s}")


def build_client(config: LLMConfig) -> LLM:
    """The llama-index LLM for ``config``, built from its settings alone (never from ``Settings``)."""
    check_config(config)
    if config.kind == "ollama":
        try:
            from llama_index.llms.ollama import Ollama
        except ImportError as err:
            raise LLMUnavailableError(
                "llm.kind 'ollama' needs llama-index-llms-ollama: pip install 'policykb[llm]' (or llama-index-llms-ollama)"
            ) from err
        return Ollama(
            model=config.model,
            base_url=config.base_url.rstrip("/"),
            request_timeout=config.timeout_s,
            temperature=config.temperature,
            context_window=OLLAMA_CONTEXT_WINDOW,  # also spares a /api/show request per client
        )
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as err:
        raise LLMUnavailableError(
            "llm.kind 'openai' needs llama-index-llms-openai-like: pip install 'policykb[llm]' (or llama-index-llms-openai-like)"
        ) from err
    return OpenAILike(
        model=config.model,
        api_base=config.base_url.rstrip("/"),
        api_key=config.api_key or "not-needed",
        is_chat_model=True,
        is_function_calling_model=False,
        timeout=config.timeout_s,
        temperature=config.temperature,
        max_retries=MAX_RETRIES,
    )


def generate(client: LLM, messages: Sequence[Message], config: LLMConfig) -> str:
    """The model's reply to ``messages`` (one non-streaming chat request)."""
    from llama_index.core.llms import ChatMessage

    try:
        response = client.chat([ChatMessage(role=m.role, content=m.content) for m in messages])
    except Exception as err:  # the integrations raise their clients' own errors (openai, httpx, ollama)
        raise LLMRequestError(
            f"{config.base_url}: the {config.kind} request for model {config.model!r} failed ({type(err).__name__}: {err}); "
            "check llm.base_url and llm.model, and that the server is running"
        ) from err
    return response.message.content or ""


def answer_with_llm(
    searcher: Searcher,
    question: str,
    config: AssistantConfig = AssistantConfig(),
    filters: Filters = Filters(),
    history: Sequence[Turn] = (),
    lang: str | None = None,
) -> Answer:
    """Answer ``question`` with the configured LLM, keeping only the sentences its passages state.

    Arguments as :func:`assistant.extractive.answer_question`. Raises :class:`LLMConfigError` before any
    search when ``config.llm`` is incomplete, :class:`LLMUnavailableError` when its integration is not
    installed and :class:`LLMRequestError` when the server fails; the caller may fall back to the
    extractive answerer. An abstention is the extractive answerer's own (``answerer="extractive"``):
    no model was asked.
    """
    check_config(config.llm)
    collected = collect(searcher, question, config, filters, history, lang)
    asked, per_country, coverage = collected.question, collected.candidates, collected.coverage
    countries = tuple(per_country)
    if collected.abstain:
        return abstention(searcher, asked, filters, config, countries, collected.top_relevance)

    covered = [c for c in countries if coverage[c] == "evidence"]
    lacking = [c for c in countries if coverage[c] != "evidence"]
    floor = collected.evidence_floor  # the relevance a passage needs to be quoted
    passages = choose_passages(per_country, covered, floor)
    shown_question = question if not (asked.follow_up and history) else f"{question} (follow-up to: {history[-1].question})"
    messages = build_messages(shown_question, asked.lang, passages, countries, lacking)
    text = generate(build_client(config.llm), messages, config.llm)
    checks = check_answer(text, passages, asked.lang, searcher.embedder)

    suspect = {p.hit.chunk_id for p in passages if p.suspect}
    clean = {c: [x for x in found if x.hit.chunk_id not in suspect] for c, found in per_country.items()}
    chosen = {c: select(found, config.findings_per_country, config.redundancy, floor) for c, found in clean.items()}
    dimensions = grid_dimensions(asked, chosen)

    book = CitationBook()
    written = _Written(asked.lang)
    findings = _cite(checks, passages, dimensions, book, written, lexicon(config.dimensions_path))
    order = {c: i for i, c in enumerate(countries)}
    grid = _grid(countries, dimensions, clean, coverage, book, config, floor)
    answer = Answer(
        question=question,
        language=asked.lang,
        countries=countries,
        dimensions=dimensions,
        labels=column_labels(lexicon(config.dimensions_path), dimensions),
        coverage=coverage,
        findings=tuple(sorted(findings.values(), key=lambda f: (order.get(f.country, len(order)), f.citation))),
        grid=tuple(grid),
        citations=tuple(book.citations),
        abstained=False,
        verification=Verification(book.checked, tuple(book.dropped)),
        answerer="llm",
        relevance=collected.top_relevance,
    )
    markdown = _splice(render(answer), written.lines(len(checks)), asked.lang)
    verification = Verification(len(checks) + book.checked, tuple(written.dropped) + tuple(book.dropped), METHOD)
    return replace(answer, markdown=markdown, verification=verification)


def _cite(
    checks: Sequence[Check],
    passages: Sequence[Passage],
    dimensions: Sequence[str],
    book: CitationBook,
    written: _Written,
    words: Lexicon,
) -> dict[int, Finding]:
    """Each checked sentence kept with the answer's citation numbers for its verbatim quotes, or dropped with why."""
    findings: dict[int, Finding] = {}
    by_number = {p.n: p for p in passages}
    for check in checks:
        if check.verdict == "no_coverage":
            written.not_covered(check)
            continue
        if not check.kept:
            written.drop(check, check.verdict, check.reason)
            continue
        numbers: list[int] = []
        for n, quote in check.support:
            hit = by_number[n].hit
            cited = book.cite(hit, quote)
            if cited is None:
                continue
            numbers.append(cited)
            dimension = next((d for d in dimensions if d in words.of_text(quote, hit.lang)), "")
            findings.setdefault(cited, Finding(hit.country, dimension, cited, check.score))
        if numbers:
            written.keep(check, numbers)
        else:
            written.drop(check, "unsupported", "no verbatim quote of the cited passage")
    return findings


def _grid(
    countries: Sequence[str],
    dimensions: Sequence[str],
    clean: Mapping[str, list[Candidate]],
    coverage: Mapping[str, Coverage],
    book: CitationBook,
    config: AssistantConfig,
    floor: float,
) -> list[GridCell]:
    """The comparison grid, country by dimension, from the passages not flagged as suspect."""
    grid: list[GridCell] = []
    for country in countries:
        used: set[int] = set()
        for dimension in dimensions:
            cell = grid_cell(country, dimension, clean[country], coverage[country], book, config, used, floor)
            used.update(cell.citations)
            grid.append(cell)
    return grid


class _Written:
    """The generated text as shown: kept sentences with the answer's citation numbers, and what was removed."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.sentences: list[str] = []
        self.semantic = False
        self.dropped: list[str] = []
        self.invalid = 0  # no citation, or a number never supplied
        self.unsupported = 0
        self.uncovered: list[str] = []  # countries the model said the passages do not cover
        self.no_answer = False

    def keep(self, check: Check, numbers: list[int]) -> None:
        text = check.sentence.text
        body, end = (text[:-1], text[-1]) if text[-1] in ".!?؟" else (text, ".")
        if check.method == "semantic":
            body = f"*{body}*"
            self.semantic = True
        self.sentences.append(f"{body} " + "".join(f"[{n}]" for n in numbers) + end)

    def drop(self, check: Check, verdict: str, reason: str) -> None:
        self.dropped.append(f"{verdict} ({reason}): {check.sentence.text}")
        if verdict in ("uncited", "unknown_citation"):
            self.invalid += 1
        else:
            self.unsupported += 1

    def not_covered(self, check: Check) -> None:
        named = understand(check.sentence.text).countries
        self.uncovered += [c for c in named if c not in self.uncovered]
        self.no_answer = self.no_answer or not named

    def lines(self, checked: int) -> list[str]:
        lang = self.lang
        lines = [phrase("llm_method", lang), ""]
        lines.append(" ".join(self.sentences) if self.sentences else phrase("llm_nothing_kept", lang))
        lines.append("")
        if self.uncovered:
            names = join_names([country_name(c, lang) for c in self.uncovered], lang)
            lines.append(phrase("llm_not_covered", lang).format(names))
        elif self.no_answer:
            lines.append(phrase("llm_no_answer", lang))
        if self.semantic:
            lines.append(phrase("llm_semantic", lang))
        removed = self.invalid + self.unsupported
        lines.append(phrase("llm_check", lang).format(checked, len(self.sentences), removed, self.invalid, self.unsupported))
        return lines


def _splice(rendered: str, written: list[str], lang: str) -> str:
    """The rendered answer with the generated text in place of the extractive answerer's method line."""
    lines = rendered.split("\n")
    method = phrase("method", lang)
    at = lines.index(method) if method in lines else 2
    return "\n".join(lines[:at] + written + lines[at + 1 :])
