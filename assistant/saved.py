"""Each user's brief and conversations, saved in one SQLite file so they survive a reload and a restart.

Every query names the user: a user reads, changes and deletes only their own rows, whatever id a
request carries (ids are random, but an id is not a password). Without login the app has one
user, :data:`LOCAL_USER`. Each change is one transaction, so nothing is left half-written; a
file that is not a readable database raises :class:`~assistant.errors.SavedWorkError` with a
one-line message, and the caller (the web app) keeps working without saving.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answerjson import answer_from_json, answer_to_json, turns_from_json, turns_to_json
from assistant.brief import BriefEntry
from assistant.errors import BriefRefused, SavedWorkError
from assistant.model import Answer, Turn

LOCAL_USER = "local"  # the one user of an install without login
TITLE_CHARS = 200
_SCHEMA = """
CREATE TABLE IF NOT EXISTS brief_titles (user TEXT PRIMARY KEY, title TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS brief_entries (
    entry_id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    position INTEGER NOT NULL,
    answer_key TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    filters TEXT NOT NULL,
    answer TEXT NOT NULL,
    UNIQUE (user, answer_key)
);
CREATE INDEX IF NOT EXISTS brief_entries_by_user ON brief_entries (user, position);
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_user ON conversations (user, updated_at);
"""


@dataclass(frozen=True)
class SavedEntry:
    entry_id: str
    entry: BriefEntry


@dataclass(frozen=True)
class ConversationSummary:
    conversation_id: str
    title: str
    updated_at: str  # ISO 8601 UTC


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    title: str
    messages: list[dict[str, str]]  # the chat as this server wrote it (role, content)
    turns: list[Turn]
    last_answer: Answer | None
    last_filters: str


def answer_key(answer: Answer) -> str:
    """What makes two answers the same for a brief: the question (case and spacing aside) and what it cites.

    Asking the same question twice gives the same quotes: that answer is in the brief already.
    """
    cited = sorted((c.chunk_id, " ".join(c.quote.split())) for c in answer.citations)
    generated = answer.markdown if answer.answerer != "extractive" else ""  # an LLM's prose may differ each time
    key = [" ".join(answer.question.casefold().split()), cited, answer.abstained, generated]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class SavedWork:
    """The SQLite file of saved briefs and conversations; safe to share between threads (a connection per call)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        try:
            if not self._ready:
                self._create()
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")  # take the write lock now: read-then-write steps see no other writer
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            finally:
                db.close()
        except sqlite3.Error as err:
            raise SavedWorkError(
                f"{self.path}: saved briefs and conversations cannot be used ({err}); "
                "move the file aside and restart to start a new one"
            ) from None

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():  # users' questions: readable by the server's account only
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
            db.executescript(_SCHEMA)
            db.commit()
        finally:
            db.close()
        self._ready = True

    def check(self) -> None:
        """Open the file now (at start-up); raises SavedWorkError if it cannot be used."""
        with self._db() as db:
            db.execute("SELECT count(*) FROM brief_entries").fetchone()

    # --- the brief -----------------------------------------------------------------------------

    def brief(self, user: str) -> list[SavedEntry]:
        with self._db() as db:
            rows = db.execute(
                "SELECT entry_id, asked_at, filters, answer FROM brief_entries WHERE user = ? ORDER BY position", (user,)
            ).fetchall()
        return [SavedEntry(row[0], BriefEntry(answer_from_json(row[3]), asked_at=row[1], filters=row[2])) for row in rows]

    def brief_title(self, user: str) -> str | None:
        with self._db() as db:
            row = db.execute("SELECT title FROM brief_titles WHERE user = ?", (user,)).fetchone()
        return row[0] if row else None

    def set_brief_title(self, user: str, title: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO brief_titles (user, title) VALUES (?, ?) ON CONFLICT (user) DO UPDATE SET title = excluded.title",
                (user, title.strip()[:TITLE_CHARS]),
            )

    def add_entry(self, user: str, entry: BriefEntry) -> SavedEntry:
        """Append ``entry`` to the user's brief; raises BriefRefused for an abstention or an answer already there."""
        if entry.answer.abstained:
            raise BriefRefused("the knowledge base had no answer to this question: there is nothing to cite", "abstention")
        key = answer_key(entry.answer)
        entry_id = secrets.token_urlsafe(12)
        with self._db() as db:
            if db.execute("SELECT 1 FROM brief_entries WHERE user = ? AND answer_key = ?", (user, key)).fetchone():
                raise BriefRefused("this answer is in the brief already", "duplicate")
            (last,) = db.execute("SELECT coalesce(max(position), 0) FROM brief_entries WHERE user = ?", (user,)).fetchone()
            db.execute(
                "INSERT INTO brief_entries (entry_id, user, position, answer_key, asked_at, filters, answer)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry_id, user, last + 1, key, entry.asked_at, entry.filters, answer_to_json(entry.answer)),
            )
        return SavedEntry(entry_id, entry)

    def remove_entry(self, user: str, entry_id: str) -> bool:
        """Remove one of the user's entries; False if the user has no entry with that id."""
        with self._db() as db:
            return db.execute("DELETE FROM brief_entries WHERE entry_id = ? AND user = ?", (entry_id, user)).rowcount == 1

    def move_entry(self, user: str, entry_id: str, offset: int) -> bool:
        """Move one of the user's entries ``offset`` places (-1 up, +1 down); False if it cannot move."""
        with self._db() as db:
            order = [row[0] for row in db.execute("SELECT entry_id FROM brief_entries WHERE user = ? ORDER BY position", (user,))]
            if entry_id not in order:
                return False
            start = order.index(entry_id)
            end = min(max(start + offset, 0), len(order) - 1)
            if end == start:
                return False
            order.insert(end, order.pop(start))
            db.executemany(
                "UPDATE brief_entries SET position = ? WHERE entry_id = ? AND user = ?",
                [(position, moved, user) for position, moved in enumerate(order, start=1)],
            )
            return True

    def clear_brief(self, user: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM brief_entries WHERE user = ?", (user,))

    # --- conversations -------------------------------------------------------------------------

    def save_conversation(
        self,
        user: str,
        conversation_id: str | None,
        messages: Sequence[dict[str, Any]],
        turns: Sequence[Turn],
        last_answer: Answer | None,
        last_filters: str,
    ) -> str:
        """Create or update one of the user's conversations; its id (a new one if ``conversation_id`` is not theirs)."""
        state = json.dumps(
            {
                "messages": [{"role": str(m["role"]), "content": str(m["content"])} for m in messages],
                "turns": turns_to_json(list(turns)),
                "last_answer": answer_to_json(last_answer) if last_answer is not None else None,
                "last_filters": last_filters,
            },
            ensure_ascii=False,
        )
        now = _now()
        with self._db() as db:
            if conversation_id is not None:
                updated = db.execute(
                    "UPDATE conversations SET state = ?, updated_at = ? WHERE conversation_id = ? AND user = ?",
                    (state, now, conversation_id, user),
                ).rowcount
                if updated:
                    return conversation_id
            # A new conversation, or one deleted meanwhile (in another tab): saved anew under a new id.
            conversation_id = secrets.token_urlsafe(12)
            title = " ".join((turns[0].question if turns else "…").split())[:80]
            db.execute(
                "INSERT INTO conversations (conversation_id, user, title, created_at, updated_at, state)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, user, title, now, now, state),
            )
        return conversation_id

    def conversations(self, user: str, limit: int = 100) -> list[ConversationSummary]:
        """The user's conversations, the most recently used first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT conversation_id, title, updated_at FROM conversations WHERE user = ? ORDER BY updated_at DESC LIMIT ?",
                (user, limit),
            ).fetchall()
        return [ConversationSummary(*row) for row in rows]

    def conversation(self, user: str, conversation_id: str) -> Conversation | None:
        """One of the user's conversations, or None (no such id, or another user's)."""
        with self._db() as db:
            row = db.execute(
                "SELECT title, state FROM conversations WHERE conversation_id = ? AND user = ?", (conversation_id, user)
            ).fetchone()
        if row is None:
            return None
        try:
            state = json.loads(row[1])
            messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in state["messages"]]
            last = state["last_answer"]
            return Conversation(
                conversation_id=conversation_id,
                title=row[0],
                messages=messages,
                turns=turns_from_json(state["turns"]),
                last_answer=answer_from_json(last) if last is not None else None,
                last_filters=str(state["last_filters"]),
            )
        except (ValueError, KeyError, TypeError) as err:
            raise SavedWorkError(f"saved conversation {conversation_id} cannot be read ({type(err).__name__}: {err})") from None

    def delete_conversation(self, user: str, conversation_id: str) -> bool:
        """Delete one of the user's conversations; False if the user has none with that id."""
        with self._db() as db:
            return (
                db.execute("DELETE FROM conversations WHERE conversation_id = ? AND user = ?", (conversation_id, user)).rowcount
                == 1
            )
