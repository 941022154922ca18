"""BEIR loading: a small dataset written here, bad lines named by file:line and field, missing files named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.beir import (
    NO_KIND,
    CorpusRecord,
    DatasetError,
    Query,
    corpus_documents,
    corpus_languages,
    iter_corpus,
    load_dataset,
)
from ingest.errors import IngestError
from ingest.records import Document


def write_dataset(root: Path, corpus: list[str], queries: list[str], qrels: list[str]) -> Path:
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    (root / "corpus.jsonl").write_text("".join(line + "\n" for line in corpus), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(line + "\n" for line in queries), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text("".join(line + "\n" for line in qrels), encoding="utf-8")
    return root


def row(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


GOOD_CORPUS = [
    row(_id="fr-1", title="Charte des PME", text="La charte définit les petites entreprises selon l'effectif.", lang="fr"),
    row(_id="ar-1", title="قانون", text="يحدد هذا القانون تعريف المؤسسات الصغيرة والمتوسطة حسب عدد العمال ورقم الأعمال السنوي."),
    row(_id=7, title="", text="The fund guarantees bank loans to small firms up to eighty percent of the principal amount."),
]
GOOD_QUERIES = [
    row(_id="q1", text="définition des PME", lang="fr", kind="single"),
    row(_id="q2", text="Which fund guarantees bank loans to small and medium firms, and up to what share of the loan?"),
    row(_id="q3", text="تعريف المؤسسات الصغيرة"),
    row(_id="q4", text="a question nothing answers", lang="en", kind="no_answer"),
]
GOOD_QRELS = ["query-id\tcorpus-id\tscore", "q1\tfr-1\t2", "q1\tar-1\t1", "q2\t7\t2", "q3\tar-1\t2", "q3\tfr-1\t0"]


def test_loads_a_small_dataset(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path / "mini", GOOD_CORPUS, GOOD_QUERIES, GOOD_QRELS))
    assert dataset.name == "mini" and dataset.problems == ()
    assert dataset.queries[0] == Query("q1", "définition des PME", "fr", "single")
    assert dataset.queries[1].lang == "en", "a long English query without lang is detected as English"
    assert dataset.queries[2].lang == "ar" and dataset.queries[2].kind == NO_KIND, "Arabic query without lang or kind"
    assert dataset.qrels == {"q1": {"fr-1": 2, "ar-1": 1}, "q2": {"7": 2}, "q3": {"ar-1": 2, "fr-1": 0}}
    assert [q.query_id for q in dataset.judged_queries()] == ["q1", "q2", "q3"], "q4 has no judgement and is not run"
    assert dataset.corpus_file == tmp_path / "mini" / "corpus.jsonl" and dataset.documents_dir is None
    docs = list(corpus_documents(dataset.corpus_file))
    assert all(isinstance(doc, Document) for doc in docs)
    assert [doc.doc_id for doc in docs if isinstance(doc, Document)] == ["fr-1", "ar-1", "7"]
    assert corpus_languages(dataset) == {"fr-1": "fr", "ar-1": "ar", "7": "en"}, "lang given for fr-1, detected for the others"


def test_bad_corpus_rows_name_file_line_and_field(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            [
                row(_id="ok", text="Le texte du premier document."),
                "{not json",
                row(_id="no-text", title="Only a title"),
                row(_id="bad-text", text=["a", "list"]),
                "",
                row(_id="ok", text="The same id again."),
                row(text="No id here."),
                row(_id="empty", title="", text="   "),
                '["an", "array"]',
                row(_id="last", text="Still read after all the bad lines."),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    items = list(corpus_documents(corpus))
    errors = [str(item) for item in items if isinstance(item, IngestError)]
    assert [item.doc_id for item in items if isinstance(item, Document)] == ["ok", "last"], "the good rows go on"
    assert errors[0].startswith(f"{corpus}:2: not valid JSON")
    assert errors[1].startswith(f"{corpus}:3: field 'text' is missing")
    assert errors[2].startswith(f"{corpus}:4: field 'text' must be a string, got list")
    assert errors[3].startswith(f"{corpus}:6: duplicate _id 'ok' (first on line 1)")
    assert errors[4].startswith(f"{corpus}:7: field '_id' is missing")
    assert errors[5].startswith(f"{corpus}:8: record 'empty': no text found")
    assert errors[6].startswith(f"{corpus}:9: not a JSON object")
    assert len(errors) == 7 and all("\n" not in e for e in errors), "one line per error"
    assert list(iter_corpus(corpus))[0] == CorpusRecord("ok", "", "Le texte du premier document.", "", 1)


def test_bad_query_and_qrels_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    queries = [*GOOD_QUERIES, '{"_id": "q5"', row(_id="q6"), row(_id="q7", text="fine", lang=3), row(_id="q1", text="again")]
    qrels = [*GOOD_QRELS, "q1\tfr-1", "q2\tfr-1\thigh", "q2\t7\t1", "q9\tfr-1\t1", "q1 0 ar-1 1"]
    root = write_dataset(tmp_path / "bad", GOOD_CORPUS, queries, qrels)
    dataset = load_dataset(root)
    messages = [str(p) for p in dataset.problems]
    q, r = root / "queries.jsonl", root / "qrels" / "test.tsv"
    assert messages == [
        f"{q}:5: not valid JSON (Expecting ',' delimiter at column 13); write one JSON object per line; query skipped",
        f"{q}:6: field 'text' is missing; query skipped",
        f"{q}:7: field 'lang' must be a string, got int; query skipped",
        f"{q}:8: duplicate _id 'q1' (first on line 1); skipped",
        f"{r}:7: 2 columns; write query-id, corpus-id, score",
        f"{r}:8: column 'score' is 'high', not a whole number; line skipped",
        f"{r}:9: 'q2' judges '7' again; the first grade is kept",
        f"{r}:11: 'q1' judges 'ar-1' again; the first grade is kept",
        f"{r}: 1 judged queries are not in queries.jsonl (first: 'q9')",
    ]
    assert [query.query_id for query in dataset.queries] == ["q1", "q2", "q3", "q4"]
    assert dataset.qrels["q2"] == {"7": 2}


def test_trec_qrels_without_header(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "trec", GOOD_CORPUS, GOOD_QUERIES, ["q1 0 fr-1 2", "q3 0 ar-1 1"])
    dataset = load_dataset(root)
    assert dataset.qrels == {"q1": {"fr-1": 2}, "q3": {"ar-1": 1}} and dataset.problems == ()


def test_missing_folder_or_files_name_the_expected_layout(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such folder; a BEIR dataset is a folder holding corpus.jsonl") as missing:
        load_dataset(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(missing.value) and "qrels/test.tsv" in str(missing.value)
    root = write_dataset(tmp_path / "partial", GOOD_CORPUS, GOOD_QUERIES, GOOD_QRELS)
    (root / "qrels" / "test.tsv").unlink()
    (root / "queries.jsonl").unlink()
    with pytest.raises(DatasetError, match=r"partial: queries.jsonl, qrels/test.tsv missing; a BEIR dataset"):
        load_dataset(root)
    (root / "queries.jsonl").write_bytes(b"\xff\xfe bad bytes\n")
    (root / "qrels" / "test.tsv").write_text("q1\tfr-1\t1\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="queries.jsonl: not UTF-8 text"):
        load_dataset(root)


def test_nothing_to_evaluate_is_an_error(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "unjudged", GOOD_CORPUS, GOOD_QUERIES, ["other\tfr-1\t1", "q1\tfr-1\t0"])
    with pytest.raises(DatasetError, match="no query of .* has a judgement with score above 0"):
        load_dataset(root)


def test_default_gold_set_over_the_corpus_files() -> None:
    dataset = load_dataset(None)
    assert dataset.name == "gold" and dataset.corpus_file is None
    assert dataset.documents_dir is not None and dataset.documents_dir.name == "documents"
    assert dataset.problems == ()
    assert len(dataset.queries) == 260 and len(dataset.judged_queries()) == 210, "50 no_answer queries are not run"
    assert dataset.queries[0].query_id == "A-001" and dataset.queries[0].lang == "en" and dataset.queries[0].kind == "single"
    assert {q.kind for q in dataset.queries} == {"single", "comparative", "regional", "no_answer"}
    with pytest.raises(DatasetError, match="pass doc_langs=store_languages"):
        corpus_languages(dataset)


def test_a_line_is_one_json_object_or_an_error_naming_file_and_line(tmp_path: Path) -> None:
    from eval.beir import _object
    from eval.errors import BadLineError, EvalError
    from eval.writers import WriterError

    path = tmp_path / "queries.jsonl"
    assert _object(path, 1, '{"_id": "q1"}') == {"_id": "q1"}
    for line, reason in (("[1, 2]", "not a JSON object"), ("{oops", "not valid JSON")):
        with pytest.raises(BadLineError, match=f"^{path}:7: {reason}") as caught:
            _object(path, 7, line)
        assert isinstance(caught.value, DatasetError) and caught.value.line == 7 and caught.value.path == str(path)
    assert issubclass(WriterError, EvalError), "every eval error is an EvalError"
