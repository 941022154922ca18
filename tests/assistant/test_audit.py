"""The audit log: whole JSON lines, private file, safe under concurrent writers."""

from __future__ import annotations

import json
import stat
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.audit import AuditLog, answer_fields
from assistant.errors import AuditError
from assistant.model import Answer, Citation


def _lines(path: Path) -> list[dict[str, object]]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_records_are_json_lines_with_utc_time(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "audit.jsonl"
    cairo = timezone(timedelta(hours=2))
    log = AuditLog(path, clock=lambda: datetime(2025, 3, 1, 14, 30, 0, 250000, tzinfo=cairo))
    log.record("login", "amina", ok=True)
    log.record("ask", None, question="ما هي الحوافز؟\nsecond line", countries=("EG", "TN"), file=Path("/x/y.pdf"))
    first, second = _lines(path)
    assert first == {"time": "2025-03-01T12:30:00.250+00:00", "event": "login", "user": "amina", "ok": True}
    assert datetime.fromisoformat(str(first["time"])).tzinfo == UTC
    assert second["question"] == "ما هي الحوافز؟\nsecond line" and second["countries"] == ["EG", "TN"]
    assert second["user"] is None and second["file"] == "/x/y.pdf"
    assert "ما هي" in path.read_text(encoding="utf-8"), "ensure_ascii=False: Arabic is readable in the file"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unicode_line_separators_are_escaped_so_each_record_stays_one_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    forged = 'x\u2028{"event": "login"}\u2029y\u0085z'
    AuditLog(path).record("login_failed", forged, question="a\u2028b")
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 1, "str.splitlines breaks at U+2028, U+2029 and U+0085: they must not be raw"
    (record,) = _lines(path)
    assert record["user"] == forged and record["question"] == "a\u2028b", "the escapes read back as the text sent"


def test_off_when_no_path(tmp_path: Path) -> None:
    log = AuditLog(None)
    log.record("login", "amina")
    assert not log.enabled and list(tmp_path.iterdir()) == []


def test_reserved_field_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="time"):
        AuditLog(tmp_path / "a.jsonl").record("login", "amina", time="now")


def test_unwritable_log_raises_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "is-a-folder"
    folder.mkdir()
    with pytest.raises(AuditError, match=rf"{folder}: cannot write the audit log"):
        AuditLog(folder).record("login", "amina")


def test_concurrent_writers_produce_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    logs = [AuditLog(path), AuditLog(path)]  # two loggers on one file, as two app workers would have
    padding = "قانون " * 2000  # records far larger than a pipe buffer, so interleaving would show
    barrier = threading.Barrier(8)

    def write(worker: int) -> None:
        barrier.wait()
        for n in range(50):
            logs[worker % 2].record("ask", f"user{worker}", n=n, question=padding)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = _lines(path)
    assert len(records) == 400
    assert all(r["question"] == padding for r in records)
    for worker in range(8):
        assert [r["n"] for r in records if r["user"] == f"user{worker}"] == list(range(50)), "each writer's order is kept"


def test_answer_fields_keep_the_question_and_what_was_cited(tmp_path: Path) -> None:
    citation = Citation(
        n=1,
        chunk_id="ma/loi.pdf#abc#0001",
        doc_id="ma/loi.pdf",
        title="Loi",
        country="MA",
        lang="fr",
        doc_type="law",
        year=2010,
        page=2,
        article="Article 3",
        quote="financé à parts égales",
        passage="Le budget est financé à parts égales par une subvention.",
        source="ma/loi.pdf",
    )
    answer = Answer(
        question="Comment les pôles sont-ils financés ?",
        language="fr",
        countries=("MA",),
        dimensions=(),
        coverage={"MA": "evidence"},
        findings=(),
        grid=(),
        citations=(citation,),
        abstained=False,
        relevance=0.734567,
    )
    fields = answer_fields(answer)
    assert fields == {
        "question": "Comment les pôles sont-ils financés ?",
        "language": "fr",
        "countries": ["MA"],
        "abstained": False,
        "relevance": 0.7346,
        "answerer": "extractive",
        "citations": [
            {"n": 1, "doc_id": "ma/loi.pdf", "page": 2, "article": "Article 3", "quote": "financé à parts égales", "ocr": False}
        ],
    }
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("ask", "karim", **fields)
    assert _lines(tmp_path / "audit.jsonl")[0]["citations"] == fields["citations"]
