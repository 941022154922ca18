"""The assistant: questions in, cited answers out.

:func:`answer` is the one entry point shared by the CLI, the web app and the evaluation. The
answerers are imported on first use, so that importing the package (for its errors or settings)
stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.config import AssistantConfig
from assistant.model import Answer, Turn

if TYPE_CHECKING:
    from kb.search import Filters, Searcher


def answer(
    searcher: Searcher,
    question: str,
    config: AssistantConfig = AssistantConfig(),
    filters: Filters | None = None,
    history: Sequence[Turn] = (),
    lang: str | None = None,
) -> Answer:
    """Answer with the configured answerer: extractive by default, an LLM (verified) when configured.

    ``filters`` narrow the evidence (a country filter sets the countries answered for); ``history``
    holds the earlier turns, oldest first; ``lang`` forces the framing language. Raises
    :class:`assistant.errors.QuestionError` for a question that asks nothing or is too long
    (:func:`assistant.question.readable_question`).
    """
    from assistant.question import readable_question
    from kb.search import Filters

    question = readable_question(question)  # the answer, the audit log and the LLM see it cleaned
    filters = filters or Filters()
    if config.answerer == "llm":
        from assistant.llm import answer_with_llm  # only deployments with an LLM import its client

        made = answer_with_llm(searcher, question, config, filters, history, lang)
    else:
        from assistant.extractive import answer_question

        made = answer_question(searcher, question, config, filters, history, lang)
    if config.translate.url:
        from assistant.translate import libretranslate, translate_quotes

        made = translate_quotes(made, libretranslate(config.translate))
    return made


__all__ = ["Answer", "AssistantConfig", "Turn", "answer"]
