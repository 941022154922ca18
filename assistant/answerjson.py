"""Answers and conversation turns to JSON and back, for what the web app saves (assistant.saved).

Every field is kept (findings and the Markdown too, unlike ``Answer.as_json``), so a reopened answer
is the answer that was shown. Reading is strict: a record that does not have the expected shape
raises :class:`~assistant.errors.SavedWorkError` rather than producing a half-filled answer.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from assistant.errors import SavedWorkError
from assistant.model import Answer, Citation, ClosestDocument, Finding, GridCell, Turn, Verification


def answer_to_json(answer: Answer) -> str:
    return json.dumps(asdict(answer), ensure_ascii=False, separators=(",", ":"))


def answer_from_json(text: str) -> Answer:
    try:
        data = json.loads(text)
        return Answer(
            question=data["question"],
            language=data["language"],
            countries=tuple(data["countries"]),
            dimensions=tuple(data["dimensions"]),
            coverage=dict(data["coverage"]),
            findings=tuple(Finding(**f) for f in data["findings"]),
            grid=tuple(GridCell(**{**cell, "citations": tuple(cell["citations"])}) for cell in data["grid"]),
            citations=tuple(Citation(**{**c, "other_versions": tuple(c["other_versions"])}) for c in data["citations"]),
            abstained=bool(data["abstained"]),
            closest=tuple(ClosestDocument(**doc) for doc in data["closest"]),
            verification=Verification(**{**data["verification"], "dropped": tuple(data["verification"]["dropped"])}),
            markdown=data["markdown"],
            answerer=data["answerer"],
            relevance=float(data["relevance"]),
            period=(data["period"][0], data["period"][1]),
            notes=tuple(data.get("notes", ())),  # answers saved before notes existed have none
            labels={d: dict(by_lang) for d, by_lang in data.get("labels", {}).items()},  # older answers: the bundled labels
        )
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise SavedWorkError(f"a saved answer cannot be read ({type(err).__name__}: {err})") from None


def turns_to_json(turns: list[Turn] | tuple[Turn, ...]) -> list[dict[str, Any]]:
    return [asdict(turn) for turn in turns]


def turns_from_json(data: list[dict[str, Any]]) -> list[Turn]:
    try:
        return [
            Turn(question=t["question"], countries=tuple(t["countries"]), dimensions=tuple(t["dimensions"]), topic=t["topic"])
            for t in data
        ]
    except (KeyError, TypeError) as err:
        raise SavedWorkError(f"a saved conversation's turns cannot be read ({type(err).__name__}: {err})") from None
