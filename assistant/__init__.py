"""The assistant: questions in, cited answers out. Built on kb; see the open issues for its scope."""

from __future__ import annotations

from collections.abc import Sequence

# The submodule ``assistant.answer`` is loaded here, before the function of the same name below is
# defined: loading a submodule sets the package attribute of its name, so loading it later (on first
# use) would replace the function ``assistant.answer`` with the module.
from assistant.answer import answer_question
from assistant.config import AssistantConfig
from assistant.model import Answer, Turn
from kb.search import Filters, Searcher


def answer(
    searcher: Searcher,
    question: str,
    config: AssistantConfig = AssistantConfig(),
    filters: Filters = Filters(),
    history: Sequence[Turn] = (),
    lang: str | None = None,
) -> Answer:
    """Answer ``question`` with the answerer ``config.answerer`` names: "extractive" (default) or "llm".

    The LLM answerer (assistant.llm) and its llama-index integration are imported on first use only.
    """
    if config.answerer == "llm":
        from assistant.llm import answer_with_llm

        return answer_with_llm(searcher, question, config, filters, history, lang)
    return answer_question(searcher, question, config, filters, history, lang)


__all__ = ["answer"]
