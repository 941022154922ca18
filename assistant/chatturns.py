"""Taking back the last exchange of a chat, to regenerate its answer or edit its question."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def without_last_exchange(messages: Sequence[dict[str, Any]], turns: Sequence[T]) -> tuple[list[dict[str, Any]], list[T]]:
    """The chat's messages and the conversation's turns without the last question and its answer.

    The server appends both together when an answer arrives (a user message, then the answer, and one
    turn), so the last user message and what follows it are the last exchange, and the last turn is its.
    """
    users = [i for i, message in enumerate(messages) if message.get("role") == "user"]
    if not users:
        return list(messages), list(turns)
    return list(messages[: users[-1]]), list(turns[:-1])
