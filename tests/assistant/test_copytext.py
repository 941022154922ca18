"""Copying an answer: its Markdown as `policykb ask` prints it, or plain text; taking back the last exchange."""

from __future__ import annotations

from assistant.chatturns import without_last_exchange
from assistant.copytext import copy_controls, plain_text
from assistant.model import Answer

MARKDOWN = """## Answer

Evidence found for: Morocco.
### In short

- **Morocco**: «Les projets de R&D *collaboratifs* sont financés.» [1]

| Country | Funding |
|---|---|
| Morocco | «R&D \\| innovation» [1] |
| Tunisia | *no evidence* |

### Sources

1. **Programme <b>clusters</b>**, Morocco, programme, 2023, page 3 — «Les projets…» (`ma/programme.fr.pdf`)
"""


def test_plain_text_drops_the_marks_and_keeps_the_words() -> None:
    plain = plain_text(MARKDOWN)
    assert plain.startswith("Answer\n\nEvidence found for: Morocco.\nIn short\n")
    assert "- Morocco: «Les projets de R&D collaboratifs sont financés.» [1]" in plain
    assert "Country\tFunding\nMorocco\t«R&D | innovation» [1]\nTunisia\tno evidence\n" in plain, "a table as tab-separated lines"
    assert "1. Programme <b>clusters</b>, Morocco" in plain and "(ma/programme.fr.pdf)" in plain
    assert "**" not in plain and "#" not in plain and "`" not in plain and "---" not in plain


def _answer(markdown: str) -> Answer:
    return Answer("q", "en", (), (), {}, (), (), (), abstained=False, markdown=markdown)


def test_the_copied_texts_travel_escaped_on_one_line() -> None:
    carried = copy_controls(_answer(MARKDOWN), "fr")
    assert "\n" not in carried, "one line: a blank line would end the chat's HTML block"
    assert "<b>clusters" not in carried and "&lt;b&gt;clusters&lt;/b&gt;" in carried, "document text is escaped"
    assert ">Copier en Markdown</button>" in carried and ">Copier en texte</button>" in carried
    assert "R&amp;D" in carried and "&#10;" in carried, "the browser turns these back into R&D and line breaks"
    assert copy_controls(_answer(""), "en") == ""


def test_the_last_exchange_is_taken_back_with_its_turn() -> None:
    messages = [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "a2"},
    ]
    assert without_last_exchange(messages, ["t1", "t2"]) == (messages[:2], ["t1"])
    assert without_last_exchange(messages[:2], ["t1"]) == ([], [])
    assert without_last_exchange([], []) == ([], [])
