"""``policykb search`` and ``policykb ask``: ranked passages, and an answer quoted from them."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import TYPE_CHECKING

from policykb.commands.common import EXIT_USAGE, RAW, add_store_flags, fail, handle

if TYPE_CHECKING:
    from assistant.model import Turn
    from kb.search import Filters, Hit
    from policykb.commands.common import Commands
    from policykb.settings import Settings

SEARCH_EXAMPLES = """examples:
  policykb search "How do Morocco and Tunisia fund cluster governance bodies?"
  policykb search "pôles de compétitivité" --country TN --country MA --k 5
  policykb search "حوافز الاستثمار" --lang ar --type law --json
"""


ASK_EXAMPLES = """examples:
  policykb ask "How do Morocco and Tunisia fund cluster governance bodies?"
  policykb ask "Quelles incitations pour les technopôles ?" --country TN --country MA
  policykb ask "ما هي شروط الحصول على علامة مؤسسة ناشئة في الجزائر؟" --json
  policykb ask "and Jordan?" --after "How does Morocco fund clusters?"   # a follow-up

Every statement is a verbatim quote of a stored passage, cited to document, page and article;
where the knowledge base holds nothing relevant enough, the answer says so and lists the closest
documents. --json prints the structured answer (answer, language, countries, coverage, grid,
citations, abstained).
"""


def add(commands: Commands) -> None:
    search = commands.add_parser("search", help="search passages", epilog=SEARCH_EXAMPLES, formatter_class=RAW)
    search.add_argument("query")
    search.add_argument("--k", type=int, default=10, help="number of passages (default 10)")
    search.add_argument("--country", action="append", default=[], metavar="CC", help="ISO 3166 alpha-2 code or EU; repeatable")
    search.add_argument("--lang", action="append", default=[], metavar="xx", help="document language (ar, fr, en); repeatable")
    search.add_argument(
        "--type", action="append", default=[], metavar="T", dest="doc_type", help="document type (law, strategy...); repeatable"
    )
    search.add_argument("--year-min", type=int, metavar="YYYY")
    search.add_argument("--year-max", type=int, metavar="YYYY")
    search.add_argument(
        "--mode", choices=("dense", "lexical", "hybrid"), default="hybrid", help="retrieval mode (default hybrid)"
    )
    search.add_argument("--json", action="store_true", help="print a JSON list")
    add_store_flags(search)
    handle(search, run_search)

    ask = commands.add_parser("ask", help="answer a question with cited quotes", epilog=ASK_EXAMPLES, formatter_class=RAW)
    ask.add_argument("question")
    ask.add_argument(
        "--country", action="append", default=[], metavar="CC", help="answer for this country (ISO alpha-2 or EU); repeatable"
    )
    ask.add_argument(
        "--lang", action="append", default=[], metavar="xx", help="document language to quote from (ar, fr, en); repeatable"
    )
    ask.add_argument("--type", action="append", default=[], metavar="T", dest="doc_type", help="document type; repeatable")
    ask.add_argument("--year-min", type=int, metavar="YYYY")
    ask.add_argument("--year-max", type=int, metavar="YYYY")
    ask.add_argument(
        "--after",
        action="append",
        default=[],
        metavar="QUESTION",
        help="an earlier question of the conversation, oldest first; repeatable",
    )
    ask.add_argument("--json", action="store_true", help="print the structured answer as JSON")
    add_store_flags(ask)
    handle(ask, run_ask)


def filters(args: argparse.Namespace) -> Filters:
    """The filter flags that search and ask share."""
    from kb.search import Filters

    return Filters(
        countries=tuple(c.upper() for c in args.country),
        langs=tuple(lang.lower() for lang in args.lang),
        doc_types=tuple(t.lower() for t in args.doc_type),
        year_min=args.year_min,
        year_max=args.year_max,
    )


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    from kb.embed import Embedder
    from kb.search import Searcher
    from kb.store import Store

    store = Store(settings.store)
    embedder = Embedder(settings.embed)
    try:
        if args.k < 1:
            return fail("--k must be at least 1", EXIT_USAGE)
        searcher = Searcher(store, embedder, settings.retrieval)
        hits = searcher.search(args.query, k=args.k, filters=filters(args), mode=args.mode)
    finally:
        embedder.close()
    if args.json:
        print(json.dumps([hit.as_dict() for hit in hits], ensure_ascii=False, indent=2))
    elif not hits:
        print("no passages found (is the store empty? run 'policykb ingest PATH')")
    else:
        print("\n".join(format_hit(hit) for hit in hits))
    return 0


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    from assistant import answer
    from assistant.question import analyse
    from kb.embed import Embedder
    from kb.search import Searcher
    from kb.store import Store

    store = Store(settings.store)
    embedder = Embedder(settings.embed)
    try:
        history: list[Turn] = []
        for earlier in args.after:
            history.append(analyse(earlier, history, dimensions=settings.assistant.dimensions_path).turn())
        if not args.question.strip():
            return fail('the question is empty; ask something, e.g. policykb ask "How does Tunisia fund clusters?"', EXIT_USAGE)
        searcher = Searcher(store, embedder, settings.retrieval)
        result = answer(searcher, args.question, settings.assistant, filters(args), history)
    finally:
        embedder.close()
    print(
        json.dumps(result.as_json(), ensure_ascii=False, indent=2) if args.json else result.markdown,
        end="" if not args.json else "\n",
    )
    return 0


def format_hit(hit: Hit) -> str:
    where = [f"p. {hit.page}" if hit.page == hit.page_end else f"pp. {hit.page}-{hit.page_end}"]
    if hit.article:
        where.append(hit.article)
    facts = " · ".join(x for x in (hit.country, hit.lang, hit.doc_type, str(hit.year or "")) if x)
    body = textwrap.indent(hit.text.strip(), "   ")
    also = f"\n   also in: {', '.join(hit.translations)}" if hit.translations else ""
    return f"{hit.rank}. [{hit.score:.3f}] {hit.title} ({facts})\n   {' · '.join(where)} · {hit.source}{also}\n{body}\n"
