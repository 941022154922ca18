"""Sessions end when idle too long or when their user leaves the users file (assistant.sessioncheck).

Gradio's token store is stood in for by the two attributes the code reads (``cookie_id``, ``tokens``);
the users file, the directory that re-reads it and the check are the real ones.
"""

from __future__ import annotations

from pathlib import Path

from assistant.access import add_user, remove_user
from assistant.sessioncheck import SessionCheck
from assistant.sessions import Sessions
from assistant.userfile import UserDirectory


class GradioTokens:
    cookie_id = "abc"

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _app(scope: object, receive: object, send: object) -> None:
    return None


def _check(tmp_path: Path, idle_s: float) -> tuple[SessionCheck, GradioTokens, Clock, list[str], Path]:
    users = tmp_path / "users.txt"
    add_user(users, "amina", "amina-pass-2026", "admin")
    add_user(users, "karim", "karim-pass-2026", "reader")
    sessions, tokens, clock, ended = Sessions(), GradioTokens({"t-amina": "amina", "t-karim": "karim"}), Clock(), []
    sessions.attach(tokens)
    directory = UserDirectory(users, {}, on_change=lambda names: ended.extend(sessions.end(names)))
    return SessionCheck(_app, directory, sessions, idle_s, ended=ended.extend, clock=clock), tokens, clock, ended, users


def cookie(token: str) -> dict[str, str]:
    return {"access-token-unsecure-abc": token}


def test_a_session_idle_longer_than_the_limit_ends(tmp_path: Path) -> None:
    check, tokens, clock, ended, _ = _check(tmp_path, idle_s=3600)
    check.check(cookie("t-amina"))
    clock.now += 3500
    check.check(cookie("t-amina"))
    clock.now += 3500
    check.check(cookie("t-amina"))
    assert "t-amina" in tokens.tokens, "used every 3500 s, the session stays"
    clock.now += 3601
    check.check(cookie("t-amina"))
    assert "t-amina" not in tokens.tokens and ended == ["t-amina"], "idle past the limit, it ends"
    assert "t-karim" in tokens.tokens, "other sessions stay"


def test_removing_a_user_ends_their_sessions_at_the_next_request(tmp_path: Path) -> None:
    check, tokens, _, ended, users = _check(tmp_path, idle_s=3600)
    check.check(cookie("t-karim"))
    remove_user(users, "karim")
    check.check(cookie("t-amina"))  # any request notices the change
    assert tokens.tokens == {"t-amina": "amina"} and ended == ["t-karim"]
