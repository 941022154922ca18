"""The structured answer shared by the CLI, the UI, the evaluation and the tests.

Every policy statement in an answer is a :class:`Citation`'s ``quote``: words copied from the stored
passage it names. Framing text (headings, "no evidence" notes) is produced by the renderer and never
states what a policy says.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Coverage = Literal["evidence", "no_evidence"]


@dataclass(frozen=True)
class Citation:
    n: int  # the number the answer cites it by, from 1
    chunk_id: str
    doc_id: str
    title: str
    country: str
    lang: str  # the quote's language
    doc_type: str
    year: int | None
    page: int
    article: str
    quote: str  # verbatim (up to whitespace) from ``passage``
    passage: str  # the stored chunk text
    source: str
    # Other-language versions of the document held by the knowledge base ("doc_id" values): the quote
    # is taken from the version in the question's language when one exists, and these are named.
    other_versions: tuple[str, ...] = ()
    ocr: bool = False  # the passage was read by OCR from a scanned page; OCR can misread words
    # A machine translation into the question's language (assistant.translate), shown labelled as such
    # beside the quote, never in its place; "" when none was asked for or it failed its check.
    translation: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "other_versions": list(self.other_versions)}


@dataclass(frozen=True)
class Finding:
    """One claim: a quote, the country and dimension it speaks to, and its citation number."""

    country: str
    dimension: str
    citation: int
    score: float


@dataclass(frozen=True)
class GridCell:
    country: str
    dimension: str
    finding: str  # a short verbatim extract, or "" where the knowledge base holds no evidence
    citations: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"country": self.country, "dimension": self.dimension, "finding": self.finding, "citations": list(self.citations)}


@dataclass(frozen=True)
class ClosestDocument:
    """What came nearest, without quoting it as an answer: shown when the assistant abstains, and
    under each country that has nothing on the point."""

    doc_id: str
    title: str
    country: str
    lang: str
    year: int | None
    score: float


@dataclass(frozen=True)
class Verification:
    """What the quote check did before anything was shown."""

    checked: int
    dropped: tuple[str, ...] = ()  # quotes that were not exact substrings of their passage
    method: str = "exact substring after whitespace normalisation"


@dataclass(frozen=True)
class Answer:
    question: str
    language: str  # the framing language: ar, fr or en
    countries: tuple[str, ...]  # the countries the answer covers, in the question's order
    dimensions: tuple[str, ...]  # the grid's columns (keys of assistant.dimensions.DIMENSIONS)
    coverage: dict[str, Coverage]
    findings: tuple[Finding, ...]
    grid: tuple[GridCell, ...]
    citations: tuple[Citation, ...]
    abstained: bool
    closest: tuple[ClosestDocument, ...] = ()
    verification: Verification = field(default_factory=lambda: Verification(0))
    markdown: str = ""
    answerer: str = "extractive"
    relevance: float = 0.0  # the evidence score the abstention decision was taken on
    period: tuple[int | None, int | None] = (None, None)  # the years the question asks about, as understood
    notes: tuple[str, ...] = ()  # what the reader should know about how the answer was made (a translation service down)
    # The grid's column names by dimension and language, from the configured lexicon (AssistantConfig
    # .dimensions_path); empty: the bundled one's (an answer saved before labels were kept).
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def quotes_by_country(self) -> list[tuple[str, list[Citation]]]:
        """Each country of the answer, in order, with the citations of its findings (empty: no evidence)."""
        by_number = {c.n: c for c in self.citations}
        return [(country, [by_number[f.citation] for f in self.findings if f.country == country]) for country in self.countries]

    def as_json(self) -> dict[str, Any]:
        """The shape documented for ``policykb ask --json``."""
        return {
            "answer": self.markdown,
            "language": self.language,
            "countries": list(self.countries),
            "coverage": dict(self.coverage),
            "grid": [cell.as_dict() for cell in self.grid],
            "citations": [citation.as_dict() for citation in self.citations],
            "abstained": self.abstained,
            "dimensions": list(self.dimensions),
            "closest": [asdict(doc) for doc in self.closest],
            "verification": {
                "checked": self.verification.checked,
                "dropped": list(self.verification.dropped),
                "method": self.verification.method,
            },
            "answerer": self.answerer,
            "relevance": round(self.relevance, 4),
            "period": list(self.period),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Turn:
    """A question asked earlier in the conversation and what it was understood to be about."""

    question: str
    countries: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    topic: str = ""  # the question with its country names, used to complete a follow-up
