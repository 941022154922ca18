"""Load a BEIR-format test set: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/test.tsv`` in one folder.

Instead of ``corpus.jsonl`` the folder may hold ``documents/``, a folder of files (PDF, DOCX, HTML,
Markdown, text; ``*.meta.json`` sidecars) ingested as ``policykb ingest DIR`` would, whose document
ids are their paths relative to ``documents/``. By default, the gold set of ``eval/gold`` over the
files of ``corpus/documents``. A bad line is
reported (file, line, field) and skipped; the rest goes on. A missing or unreadable file is a
:class:`DatasetError`. Corpus rows are streamed, never held, so a large corpus costs no memory here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from eval.errors import BadLineError, InvalidValue
from eval.errors import DatasetError as DatasetError  # re-exported: callers import them from here
from eval.errors import EvalError as EvalError
from ingest.errors import IngestError

if TYPE_CHECKING:
    from ingest.records import Document

GOLD_DIR = Path(__file__).resolve().parent / "gold"
GOLD_DOCUMENTS = Path(__file__).resolve().parents[1] / "corpus" / "documents"
CORPUS, QUERIES, QRELS = "corpus.jsonl", "queries.jsonl", "qrels/test.tsv"
DOCUMENTS = "documents"  # a folder of files, the corpus of a dataset without corpus.jsonl
LAYOUT = (
    f'a BEIR dataset is a folder holding {CORPUS} (one {{"_id", "title", "text"}} object per line; or instead '
    f"{DOCUMENTS}/, files ingested like 'policykb ingest DIR', ids their paths relative to it), "
    f'{QUERIES} (one {{"_id", "text"}} per line) and {QRELS} (query-id, corpus-id, score; tab-separated)'
)
NO_KIND = "all"  # the kind of a query whose dataset gives none


class Query(NamedTuple):
    query_id: str
    text: str
    lang: str  # ISO 639-1: given by the dataset, else detected
    kind: str  # e.g. single, comparative, no_answer; NO_KIND when not given
    # Optional fields the answer evaluation reads (eval/answers.py): the countries a question is
    # about (ISO alpha-2 or EU) and gold evidence quotes as (document id, quote) pairs.
    countries: tuple[str, ...] = ()
    evidence: tuple[tuple[str, str], ...] = ()


class CorpusRecord(NamedTuple):
    doc_id: str
    title: str
    text: str
    lang: str  # "" when the row gives none (detected at ingest)
    line: int


class DatasetProblem(NamedTuple):
    """A line that was skipped or a judgement that cannot count, with where it is."""

    path: str
    line: int  # 0 when the problem is about the file as a whole
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Dataset:
    """Queries and judgements in memory; the corpus stays on disk (a ``corpus.jsonl`` or a folder of files)."""

    name: str
    queries: tuple[Query, ...]
    qrels: Mapping[str, Mapping[str, int]]  # query id -> document id -> grade
    corpus_file: Path | None = None  # a BEIR corpus.jsonl
    documents_dir: Path | None = None  # a folder of files, ingested like ``policykb ingest DIR``
    problems: tuple[DatasetProblem, ...] = ()

    def judged_queries(self) -> tuple[Query, ...]:
        """The queries with at least one relevant (grade > 0) judgement: the ones retrieval metrics cover."""
        return tuple(q for q in self.queries if any(g > 0 for g in self.qrels.get(q.query_id, {}).values()))


def query_language(text: str) -> str:
    """The language of a query that does not state it: detected, else what kb's query analysis says, else en."""
    from ingest.langid import detect_language

    found = detect_language(text, fallback="")
    if found:
        return found
    try:
        from kb.query import understand
    except ImportError:
        return "en"
    return understand(text).lang or "en"


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, line
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); save it as UTF-8") from err
    except OSError as err:
        raise DatasetError(f"{path}: cannot read ({err.strerror or err}); {LAYOUT}") from err


def _object(path: Path, number: int, line: str) -> dict[str, Any]:
    """The JSON object on line ``number`` of ``path``; :class:`BadLineError` saying why there is none."""
    try:
        value = json.loads(line.strip())
    except json.JSONDecodeError as err:
        raise BadLineError(
            path, number, f"not valid JSON ({err.msg} at column {err.colno}); write one JSON object per line"
        ) from None
    if not isinstance(value, dict):
        raise BadLineError(path, number, 'not a JSON object; write one {"_id": ..., ...} object per line')
    return value


def _text_field(row: dict[str, Any], field: str, required: bool) -> str:
    """A string field (an ``_id`` may be a whole number). Raises ValueError naming the field."""
    value = row.get(field)
    if value is None:
        if required:
            raise InvalidValue(f"field '{field}' is missing")
        return ""
    if not (isinstance(value, str) or field == "_id" and isinstance(value, int) and not isinstance(value, bool)):
        raise InvalidValue(f"field '{field}' must be a string, got {type(value).__name__}")
    return str(value).strip() if field != "text" else str(value)


def _countries(row: dict[str, Any]) -> tuple[str, ...]:
    value = row.get("countries")
    return tuple(str(c).upper() for c in value if isinstance(c, str)) if isinstance(value, list) else ()


def _evidence(row: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    value = row.get("evidence")
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(item["corpus_id"]), str(item["quote"]))
        for item in value
        if isinstance(item, dict) and isinstance(item.get("corpus_id"), str) and isinstance(item.get("quote"), str)
    )


def read_queries(path: Path) -> tuple[list[Query], list[DatasetProblem]]:
    """Queries of a ``queries.jsonl``: ``_id`` and ``text`` required, ``lang`` and ``kind`` optional."""
    queries: list[Query] = []
    problems: list[DatasetProblem] = []
    first_line: dict[str, int] = {}
    for number, line in _lines(path):
        try:
            row = _object(path, number, line)
        except BadLineError as err:
            problems.append(DatasetProblem(str(path), number, f"{err.reason}; query skipped"))
            continue
        try:
            query_id = _text_field(row, "_id", required=True)
            text = _text_field(row, "text", required=True)
            lang = _text_field(row, "lang", required=False).lower()
            kind = _text_field(row, "kind", required=False) or NO_KIND
            if not query_id:
                raise InvalidValue("field '_id' is empty")
            if not text.strip():
                raise InvalidValue("field 'text' is empty")
        except ValueError as err:
            problems.append(DatasetProblem(str(path), number, f"{err}; query skipped"))
            continue
        if query_id in first_line:
            duplicate = f"duplicate _id '{query_id}' (first on line {first_line[query_id]}); skipped"
            problems.append(DatasetProblem(str(path), number, duplicate))
            continue
        first_line[query_id] = number
        queries.append(Query(query_id, text, lang or query_language(text), kind, _countries(row), _evidence(row)))
    return queries, problems


def read_qrels(path: Path) -> tuple[dict[str, dict[str, int]], list[DatasetProblem]]:
    """Judgements of a BEIR ``qrels/*.tsv`` (query-id, corpus-id, score; an optional header line).

    TREC qrels (query-id, iteration, doc-id, grade; spaces) are read too.
    """
    qrels: dict[str, dict[str, int]] = {}
    problems: list[DatasetProblem] = []
    for position, (number, line) in enumerate(_lines(path)):
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) == 1:
            fields = line.split()
        if len(fields) == 4:
            fields = [fields[0], fields[2], fields[3]]
        if len(fields) != 3:
            problems.append(DatasetProblem(str(path), number, f"{len(fields)} columns; write query-id, corpus-id, score"))
            continue
        query_id, doc_id, raw = (field.strip() for field in fields)
        try:
            grade = int(raw)
        except ValueError:
            if position == 0:
                continue  # the header line (query-id corpus-id score)
            problems.append(DatasetProblem(str(path), number, f"column 'score' is '{raw}', not a whole number; line skipped"))
            continue
        if not query_id or not doc_id:
            problems.append(DatasetProblem(str(path), number, "column 'query-id' or 'corpus-id' is empty; line skipped"))
            continue
        judged = qrels.setdefault(query_id, {})
        if doc_id in judged:
            problems.append(DatasetProblem(str(path), number, f"'{query_id}' judges '{doc_id}' again; the first grade is kept"))
            continue
        judged[doc_id] = grade
    return qrels, problems


def iter_corpus(path: Path) -> Iterator[CorpusRecord | IngestError]:
    """Rows of a ``corpus.jsonl`` (``_id`` and ``text`` required; ``title`` and ``lang`` optional).

    A bad row comes out as an :class:`IngestError` naming ``file:line`` and the field, so that an
    ingest reports it and goes on.
    """
    seen: dict[str, int] = {}
    for number, line in _lines(path):
        where = f"{path}:{number}"
        try:
            row = _object(path, number, line)
        except BadLineError as err:
            yield IngestError(where, err.reason, "fix or remove the line")
            continue
        try:
            doc_id = _text_field(row, "_id", required=True)
            text = _text_field(row, "text", required=True)
            title = _text_field(row, "title", required=False)
            lang = _text_field(row, "lang", required=False).lower()
        except ValueError as err:
            yield IngestError(where, str(err), "fix the field or remove the line")
            continue
        if not doc_id:
            yield IngestError(where, "field '_id' is empty", "give every record a unique _id")
        elif doc_id in seen:
            yield IngestError(where, f"duplicate _id '{doc_id}' (first on line {seen[doc_id]})", "give every record a unique _id")
        else:
            seen[doc_id] = number
            yield CorpusRecord(doc_id, title, text, lang, number)


def corpus_documents(path: Path) -> Iterator[Document | IngestError]:
    """The documents of a ``corpus.jsonl``, ready for ``kb.sync.ingest_documents`` (one page each; chunked there)."""
    from ingest.load import document_from_text

    for record in iter_corpus(path):
        if isinstance(record, IngestError):
            yield record
            continue
        try:
            yield document_from_text(record.doc_id, record.text, title=record.title, lang=record.lang)
        except IngestError as err:
            yield IngestError(f"{path}:{record.line}", f"record '{record.doc_id}': {err.reason}", err.hint)


def corpus_languages(dataset: Dataset) -> dict[str, str]:
    """Document id -> language of a ``corpus.jsonl`` corpus (the ``lang`` field, else detected as ingest does).

    A folder of files has no such shortcut: its languages come from the store it was ingested into.
    """
    if dataset.corpus_file is None:
        raise DatasetError(
            f"the languages of the files of {dataset.documents_dir} are known once they are ingested: "
            "pass doc_langs=store_languages(store) (eval.harness)"
        )
    langs: dict[str, str] = {}
    for doc in corpus_documents(dataset.corpus_file):
        if not isinstance(doc, IngestError):
            langs[doc.doc_id] = doc.meta.lang
    return langs


def _require(root: Path) -> tuple[Path | None, Path | None]:
    """The corpus of a dataset folder: (its corpus.jsonl, None) or (None, its documents/ folder)."""
    if not root.exists():
        raise DatasetError(f"{root}: no such folder; {LAYOUT}")
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder; {LAYOUT}")
    corpus_file, documents_dir = root / CORPUS, root / DOCUMENTS
    if corpus_file.is_file():
        corpus: tuple[Path | None, Path | None] = (corpus_file, None)
    elif documents_dir.is_dir():
        corpus = (None, documents_dir)
    else:
        corpus = (None, None)
    missing = [name for name in (QUERIES, QRELS) if not (root / name).is_file()]
    if corpus == (None, None):
        missing.insert(0, f"{CORPUS} (or {DOCUMENTS}/)")
    if missing:
        raise DatasetError(f"{root}: {', '.join(missing)} missing; {LAYOUT}")
    return corpus


def load_dataset(root: Path | None = None) -> Dataset:
    """A BEIR folder, or (``None``) the gold set of ``eval/gold`` over the files of ``corpus/documents``.

    The folder's corpus is its ``corpus.jsonl``, else its ``documents/`` folder of files (when it
    holds both, ``corpus.jsonl`` is used and a problem says so). Raises :class:`DatasetError` when a
    file is missing or no query has a relevant judgement.
    """
    problems: list[DatasetProblem] = []
    corpus_file: Path | None
    documents_dir: Path | None
    if root is None:
        name, corpus_file, documents_dir = "gold", None, GOLD_DOCUMENTS
        queries_path, qrels_path = GOLD_DIR / QUERIES, GOLD_DIR / QRELS
        if not GOLD_DOCUMENTS.is_dir():
            raise DatasetError(f"{GOLD_DOCUMENTS}: the sample corpus is missing; run 'make corpus' or pass --dataset DIR")
    else:
        corpus_file, documents_dir = _require(root)
        name, queries_path, qrels_path = root.resolve().name, root / QUERIES, root / QRELS
        if corpus_file is not None and (root / DOCUMENTS).is_dir():
            problems.append(DatasetProblem(str(root / DOCUMENTS), 0, f"not used: the corpus is {CORPUS}"))
    queries, query_problems = read_queries(queries_path)
    problems += query_problems
    qrels, qrels_problems = read_qrels(qrels_path)
    problems += qrels_problems
    known = {q.query_id for q in queries}
    unknown = sorted(set(qrels) - known)
    if unknown:
        problems.append(
            DatasetProblem(str(qrels_path), 0, f"{len(unknown)} judged queries are not in {QUERIES} (first: '{unknown[0]}')")
        )
    dataset = Dataset(name, tuple(queries), qrels, corpus_file, documents_dir, tuple(problems))
    if not dataset.judged_queries():
        raise DatasetError(
            f"{qrels_path}: no query of {queries_path} has a judgement with score above 0; nothing to evaluate "
            "(check that the query ids of the two files match)"
        )
    return dataset
