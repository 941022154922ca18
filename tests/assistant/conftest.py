"""Real answers from the sample corpus, shared by the brief tests (Markdown, DOCX, saved briefs)."""

from __future__ import annotations

import pytest

from assistant import answer
from assistant.brief import Brief, BriefEntry
from assistant.model import Answer
from kb.search import Filters, Searcher

COMPARATIVE = "How do Morocco and Tunisia support technology parks and clusters?"
ARABIC = "ما هي الحوافز الجبائية للاستثمار في تونس؟"
WITH_LIBYA = "How are clusters funded and governed?"  # asked for Morocco and Libya: the corpus holds no Libyan text
ABSTAINS = "What is the recipe for couscous with seven vegetables in Morocco?"
CREATED = "2026-11-26T14:03:00Z"


@pytest.fixture(scope="module")
def answers(corpus_searcher: Searcher) -> dict[str, Answer]:
    return {
        "comparative": answer(corpus_searcher, COMPARATIVE),
        "arabic": answer(corpus_searcher, ARABIC),
        "libya": answer(corpus_searcher, WITH_LIBYA, filters=Filters(countries=("MA", "LY"))),
        "abstains": answer(corpus_searcher, ABSTAINS),
    }


@pytest.fixture(scope="module")
def brief(answers: dict[str, Answer]) -> Brief:
    entries = (
        BriefEntry(answers["comparative"], "2026-11-26T13:58:10Z"),
        BriefEntry(answers["arabic"], "2026-11-26T13:59:00+00:00"),
        BriefEntry(answers["libya"], "2026-11-26T14:00:00Z", filters="countries: Morocco, Libya"),
        BriefEntry(answers["abstains"], "2026-11-26T14:01:00Z"),
    )
    return Brief("Clusters & investment in the Maghreb", entries, CREATED)
