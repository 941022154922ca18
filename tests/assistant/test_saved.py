"""Saved briefs and conversations in a real SQLite file: order, refusals, restarts, damage, and per-user isolation."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answerjson import answer_from_json, answer_to_json
from assistant.brief import BriefEntry
from assistant.errors import BriefRefused, SavedWorkError
from assistant.model import Answer, Turn
from assistant.saved import SavedWork

ASKED = "2026-11-26T14:00:00Z"


def _entry(answer: Answer) -> BriefEntry:
    return BriefEntry(answer, asked_at=ASKED, filters="countries: Morocco")


def _questions(saved: SavedWork, user: str) -> list[str]:
    return [item.entry.answer.question for item in saved.brief(user)]


def test_an_answer_survives_the_round_trip_field_for_field(answers: dict[str, Answer]) -> None:
    for name, answer in answers.items():
        assert answer_from_json(answer_to_json(answer)) == answer, name
    # The fields an answer gets from an optional translation service (assistant.translate) too.
    first = next(a for a in answers.values() if a.citations)
    translated = replace(
        first, citations=(replace(first.citations[0], translation="une traduction"), *first.citations[1:]), notes=("a note",)
    )
    assert answer_from_json(answer_to_json(translated)) == translated


def test_the_brief_keeps_its_order_through_moves_removals_and_a_restart(answers: dict[str, Answer], tmp_path: Path) -> None:
    saved = SavedWork(tmp_path / "saved.sqlite")
    first, second, third = (saved.add_entry("amina", _entry(answers[n])) for n in ("comparative", "arabic", "libya"))
    assert _questions(saved, "amina") == [answers[n].question for n in ("comparative", "arabic", "libya")]
    assert saved.move_entry("amina", third.entry_id, -1) and saved.move_entry("amina", third.entry_id, -1)
    assert not saved.move_entry("amina", third.entry_id, -1), "the first entry cannot go further up"
    assert saved.move_entry("amina", first.entry_id, +1)
    assert [i.entry_id for i in saved.brief("amina")] == [third.entry_id, second.entry_id, first.entry_id]
    assert saved.remove_entry("amina", second.entry_id) and not saved.remove_entry("amina", second.entry_id)
    saved.set_brief_title("amina", "  Clusters & R&D  ")

    restarted = SavedWork(tmp_path / "saved.sqlite")  # a new server process reads the same file
    items = restarted.brief("amina")
    assert [i.entry_id for i in items] == [third.entry_id, first.entry_id]
    assert items[1].entry == first.entry, "the answer, its time and its filters come back as they were added"
    assert restarted.brief_title("amina") == "Clusters & R&D"
    assert (tmp_path / "saved.sqlite").stat().st_mode & 0o077 == 0, "users' questions: the server's account only"


def test_the_same_answer_twice_and_an_abstention_are_refused(answers: dict[str, Answer], tmp_path: Path) -> None:
    saved = SavedWork(tmp_path / "saved.sqlite")
    saved.add_entry("amina", _entry(answers["comparative"]))
    again = BriefEntry(answers["comparative"], asked_at="2026-11-27T09:00:00Z")  # asked again later: same answer
    with pytest.raises(BriefRefused, match="in the brief already") as refused:
        saved.add_entry("amina", again)
    assert refused.value.reason == "duplicate"
    with pytest.raises(BriefRefused, match="no answer") as refused:
        saved.add_entry("amina", _entry(answers["abstains"]))
    assert refused.value.reason == "abstention"
    assert len(saved.brief("amina")) == 1
    saved.add_entry("karim", _entry(answers["comparative"]))  # another user's brief may hold it


def test_concurrent_additions_get_distinct_places(answers: dict[str, Answer], tmp_path: Path) -> None:
    saved = SavedWork(tmp_path / "saved.sqlite")
    variants = [_entry(replace(answers["comparative"], question=f"Question {i}")) for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda e: saved.add_entry("amina", e), variants))
    with sqlite3.connect(tmp_path / "saved.sqlite") as db:
        positions = [row[0] for row in db.execute("SELECT position FROM brief_entries WHERE user = 'amina' ORDER BY position")]
    assert positions == list(range(1, 13)), "each addition read the last place and wrote the next in one transaction"


def test_conversations_are_listed_reopened_and_deleted(answers: dict[str, Answer], tmp_path: Path) -> None:
    saved = SavedWork(tmp_path / "saved.sqlite")
    turn = Turn("How do Morocco and Tunisia support technology parks?", ("MA", "TN"))
    messages = [{"role": "user", "content": "<div>q</div>"}, {"role": "assistant", "content": "<div>a</div>"}]
    first = saved.save_conversation("amina", None, messages, [turn], answers["comparative"], "countries: Morocco")
    assert saved.save_conversation("amina", first, [*messages, *messages], [turn, turn], answers["arabic"], "") == first
    second = saved.save_conversation("amina", None, messages, [Turn("ما هي الحوافز؟")], None, "")
    assert [c.conversation_id for c in saved.conversations("amina")] == [second, first], "most recent first"
    reopened = SavedWork(tmp_path / "saved.sqlite").conversation("amina", first)
    assert reopened is not None and reopened.title == turn.question
    assert reopened.messages == [*messages, *messages] and reopened.turns == [turn, turn]
    assert reopened.last_answer == answers["arabic"]
    assert saved.delete_conversation("amina", first) and saved.conversation("amina", first) is None
    assert [c.conversation_id for c in saved.conversations("amina")] == [second]


def test_another_users_ids_reach_nothing(answers: dict[str, Answer], tmp_path: Path) -> None:
    """The attack: karim learns (or guesses) amina's ids and sends them with his own requests."""
    saved = SavedWork(tmp_path / "saved.sqlite")
    hers = saved.add_entry("amina", _entry(answers["comparative"]))
    other = saved.add_entry("amina", _entry(answers["arabic"]))
    talk = saved.save_conversation("amina", None, [{"role": "user", "content": "secret plan"}], [Turn("q")], None, "")

    assert saved.conversation("karim", talk) is None, "karim cannot read amina's conversation"
    assert not saved.delete_conversation("karim", talk), "karim cannot delete it"
    assert not saved.remove_entry("karim", hers.entry_id) and not saved.move_entry("karim", other.entry_id, -1)
    overwrite = saved.save_conversation("karim", talk, [{"role": "user", "content": "overwritten"}], [Turn("x")], None, "")
    assert overwrite != talk, "writing to amina's id makes karim a conversation of his own"
    saved.clear_brief("karim")

    assert saved.brief("karim") == [] and [c.conversation_id for c in saved.conversations("karim")] == [overwrite]
    assert [i.entry_id for i in saved.brief("amina")] == [hers.entry_id, other.entry_id], "amina's brief is untouched"
    kept = saved.conversation("amina", talk)
    assert kept is not None and kept.messages == [{"role": "user", "content": "secret plan"}]


def test_a_damaged_file_is_a_one_line_error_and_nothing_else_breaks(answers: dict[str, Answer], tmp_path: Path) -> None:
    path = tmp_path / "saved.sqlite"
    path.write_bytes(b"this is not a database" * 200)
    saved = SavedWork(path)
    for call in (saved.check, lambda: saved.brief("amina"), lambda: saved.add_entry("amina", _entry(answers["arabic"]))):
        with pytest.raises(SavedWorkError) as failed:
            call()
        message = str(failed.value)
        assert str(path) in message and "move the file aside" in message and "\n" not in message
    assert path.read_bytes().startswith(b"this is not a database"), "the damaged file is left for its owner to inspect"
    elsewhere = SavedWork(tmp_path / "fresh" / "saved.sqlite")
    elsewhere.check()
    assert elsewhere.brief("amina") == []
