"""An answer as a reader copies it: its Markdown, or the same as plain text without markup.

The chat message carries both, hidden, beside two copy buttons (``assistant.webscript``): copying the
message itself would give its HTML. The Markdown is the answer's own (``Answer.markdown``, what
``policykb ask`` prints); the plain text drops the marks a word processor would show as symbols.
"""

from __future__ import annotations

import html
import re

from assistant.model import Answer
from assistant.webtext import text

_HEADING = re.compile(r"^#{1,6}\s+")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]*)`")
_TABLE_RULE = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


def plain_text(markdown: str) -> str:
    """Markdown of the renderer's kind (headings, bold, italics, code spans, pipe tables, lists) as text.

    Quotes are never changed inside: only the marks around them go (a quote's own asterisk stays
    unless it pairs up like emphasis, which the renderer never writes inside a quote).
    """
    lines = []
    for line in markdown.splitlines():
        if _TABLE_RULE.match(line):
            continue
        line = _HEADING.sub("", line)
        line = _CODE.sub(r"\1", _STRONG.sub(r"\1", line))
        line = _EMPHASIS.sub(r"\1", line)
        if line.startswith("|") and line.rstrip().endswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
            line = "\t".join(cell.strip().replace("\\|", "|") for cell in cells)
        lines.append(line)
    return "\n".join(lines).strip() + "\n"


def _carried(kind: str, value: str) -> str:
    # Line breaks as character references: a blank line would end the chat message's HTML block,
    # and the browser turns them back into line breaks in the text the button copies.
    escaped = html.escape(value, quote=True).replace("\n", "&#10;")
    return f'<pre class="pkb-copy-source pkb-copy-{kind}">{escaped}</pre>'


def copy_controls(answer: Answer, ui_lang: str) -> str:
    """Two buttons and the two texts they copy; one line of HTML for the chat message."""
    markdown = answer.markdown or ""
    if not markdown:
        return ""
    buttons = "".join(
        f'<button type="button" class="pkb-copy pkb-copy-as-{kind}">{html.escape(text(label, ui_lang))}</button>'
        for kind, label in (("md", "copy_markdown"), ("text", "copy_text"))
    )
    return f'<div class="pkb-copy-bar">{buttons}</div>{_carried("md", markdown)}{_carried("text", plain_text(markdown))}'
