"""Policy dimensions: the columns of the comparison grid, and the words that signal each one.

The terms live in ``assistant/data/dimensions.tsv`` (dimension, lang, scope, term) and are matched
on analysed tokens with the knowledge base's glossary matcher, so plurals and articles match too.
A question signals a dimension through "question" and "both" terms ("legal framework", "funding");
a passage sentence through "text" and "both" terms ("decree", "loan"). "Law" in a question names a
document more often than it asks for the legal basis, hence the two scopes.

Limits: a word list, not a classifier. A sentence can belong to several dimensions or to none.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from assistant.errors import AssistantError
from kb.analysis import analyze
from kb.glossary import Glossary, Term

DATA = Path(__file__).with_name("data") / "dimensions.tsv"
DIMENSIONS: tuple[str, ...] = ("legal_basis", "governance", "funding", "eligibility", "support_services", "monitoring")


class DimensionsError(AssistantError, ValueError):
    """The dimensions file is malformed; the message names the line."""


@dataclass(frozen=True)
class Lexicon:
    labels: dict[tuple[str, str], str]  # (dimension, lang) -> column name
    question: Glossary
    text: Glossary

    def label(self, dimension: str, lang: str) -> str:
        return self.labels.get((dimension, lang)) or self.labels.get((dimension, "en"), dimension)

    def asked(self, question: str, lang: str) -> tuple[str, ...]:
        """Dimensions a question asks about, in the grid's order."""
        found = self.question.concepts_in(question, lang)
        return tuple(d for d in DIMENSIONS if d in found)

    def of_text(self, text: str, lang: str) -> frozenset[str]:
        """Dimensions a passage sentence speaks to."""
        return self.of_tokens(analyze(text, lang), lang)

    def of_tokens(self, tokens: list[str], lang: str) -> frozenset[str]:
        """Dimensions a passage sentence speaks to, from its analysed tokens (kb.analysis.analyze)."""
        return frozenset(self.text.concepts_in_tokens(tokens, lang))


@cache
def lexicon(path: Path = DATA) -> Lexicon:
    labels: dict[tuple[str, str], str] = {}
    question: list[Term] = []
    text: list[Term] = []
    with path.open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")
        header = next(rows, None)
        if header != ["dimension", "lang", "scope", "term"]:
            raise DimensionsError(f"{path}: the first row must be 'dimension<TAB>lang<TAB>scope<TAB>term'")
        for number, row in enumerate(rows, start=2):
            if len(row) != 4 or row[0] not in DIMENSIONS:
                raise DimensionsError(f"{path}: row {number} must be four fields with a dimension among {', '.join(DIMENSIONS)}")
            dimension, lang, scope, term = row
            if scope == "label":
                labels[(dimension, lang)] = term
                continue
            tokens = tuple(analyze(term, lang))
            if not tokens:
                continue  # a stopword-only term never matches
            entry = Term(dimension, lang, term, tokens, number)
            if scope in ("question", "both"):
                question.append(entry)
            if scope in ("text", "both"):
                text.append(entry)
    return Lexicon(labels, Glossary(tuple(question), path), Glossary(tuple(text), path))
