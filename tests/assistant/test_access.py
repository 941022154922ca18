"""Login for the web app: scrypt hashes, the users file, the env admin and the throttled login guard."""

from __future__ import annotations

import re
import stat
import threading
import time
from pathlib import Path

import pytest

from assistant.access import (
    LoginGuard,
    User,
    add_user,
    admin_from_password,
    hash_password,
    load_users,
    remove_user,
    verify_password,
)
from assistant.errors import AccessError, AssistantError
from assistant.throttle import LoginThrottle, ThrottleConfig

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def hashed() -> str:
    return hash_password(PASSWORD)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_hash_round_trip_and_wrong_password(hashed: str) -> None:
    assert re.fullmatch(r"scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+", hashed)
    assert verify_password(PASSWORD, hashed)
    assert not verify_password(PASSWORD + "!", hashed)
    assert not verify_password("", hashed)
    assert hash_password(PASSWORD) != hashed, "a fresh random salt each time"
    assert PASSWORD not in hashed


def test_arabic_password_round_trip() -> None:
    hashed = hash_password("كلمة سر طويلة")
    assert verify_password("كلمة سر طويلة", hashed) and not verify_password("كلمة سر", hashed)


@pytest.mark.parametrize("bad", ["", "plain", "md5$abc", "scrypt$16384$8$1$c2FsdA==", "scrypt$3$8$1$c2FsdHNhbHQ=$" + "A" * 44])
def test_unknown_hash_formats_are_refused(bad: str) -> None:
    with pytest.raises(AccessError, match="hash_password"):
        verify_password(PASSWORD, bad)


def test_users_file_is_parsed_with_comments_and_blank_lines(tmp_path: Path, hashed: str) -> None:
    path = tmp_path / "users"
    path.write_text(f"# policykb users\n\namina:admin:{hashed}\n  karim.b@example.org:reader:{hashed}  \n", encoding="utf-8")
    users = load_users(path)
    assert users == {
        "amina": User("amina", "admin", hashed),
        "karim.b@example.org": User("karim.b@example.org", "reader", hashed),
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("amina:admin", r"line 3: expected 'name:role:hash', found 2 field"),
        ("ami na:admin:{h}", r"line 3: user name 'ami na' is not allowed"),
        ("amina:root:{h}", r"line 3: role 'root' is not one of reader, admin"),
        ("amina:admin:md5$0cc175b9c0f1b6a831c399e269772661", r"line 3: bad password hash for 'amina'"),
        ("amina:admin:scrypt$16384$8$1$!!$!!", r"line 3: bad password hash for 'amina' \(salt or hash is not valid base64\)"),
        ("karim:reader:{h}", r"line 3: user 'karim' is already defined on line 2; keep one"),
    ],
)
def test_users_file_errors_name_the_file_and_line(tmp_path: Path, hashed: str, line: str, message: str) -> None:
    path = tmp_path / "users"
    path.write_text(f"# users\nkarim:reader:{hashed}\n{line.replace('{h}', hashed)}\n", encoding="utf-8")
    with pytest.raises(AccessError, match=re.escape(str(path)) + ", " + message):
        load_users(path)


def test_missing_users_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(
        AccessError, match=rf"{re.escape(str(tmp_path / 'nope'))}: no users file; create it .*POLICYKB_ADMIN_PASSWORD"
    ):
        load_users(tmp_path / "nope")


def test_add_user_creates_a_private_file_then_replaces_in_place(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "users"
    add_user(path, "amina", PASSWORD, "admin")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("# keep this comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    add_user(path, "karim", "reader-password", "reader")
    add_user(path, "amina", "a new password", "reader")  # replaces amina's line, keeps the rest
    users = load_users(path)
    assert set(users) == {"amina", "karim"} and users["amina"].role == "reader"
    assert verify_password("a new password", users["amina"].password_hash)
    assert not verify_password(PASSWORD, users["amina"].password_hash)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# keep this comment" and lines[1].startswith("amina:reader:")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["users"], "no temporary file left behind"


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("amina", "short", "admin", "shorter than 8 characters"),
        ("a:b", PASSWORD, "admin", "user name 'a:b' is not allowed"),
        ("x" * 65, PASSWORD, "admin", "is not allowed"),
        ("amina", PASSWORD, "root", "role 'root' is not one of reader, admin"),
    ],
)
def test_add_user_refuses_bad_input(tmp_path: Path, name: str, password: str, role: str, message: str) -> None:
    with pytest.raises(AccessError, match=message):
        add_user(tmp_path / "users", name, password, role)  # type: ignore[arg-type]
    assert not (tmp_path / "users").exists()


def test_add_user_refuses_to_rewrite_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "users"
    path.write_text("amina:admin\n", encoding="utf-8")
    with pytest.raises(AccessError, match="line 1"):
        add_user(path, "karim", PASSWORD, "reader")
    assert path.read_text(encoding="utf-8") == "amina:admin\n"


def test_password_admin_is_hashed_at_once() -> None:
    assert admin_from_password("admin", "") == {}
    assert admin_from_password("root", "") == {}
    users = admin_from_password("admin", PASSWORD)
    assert list(users) == ["admin"] and users["admin"].role == "admin"
    assert PASSWORD not in users["admin"].password_hash and verify_password(PASSWORD, users["admin"].password_hash)
    assert list(admin_from_password("ops@ministry", PASSWORD)) == ["ops@ministry"]
    assert list(admin_from_password("  ", PASSWORD)) == ["admin"]


def test_password_admin_errors_name_the_variable() -> None:
    with pytest.raises(AccessError, match="POLICYKB_ADMIN_PASSWORD: the password is shorter than 8"):
        admin_from_password("admin", "admin")
    with pytest.raises(AccessError, match="POLICYKB_ADMIN_USER: user name 'bad name' is not allowed"):
        admin_from_password("bad name", PASSWORD)
    assert issubclass(AccessError, AssistantError)


def guard_of(users: dict[str, User], clock: FakeClock, **config: float) -> LoginGuard:
    return LoginGuard(lambda: users, LoginThrottle(ThrottleConfig(**config), clock=clock))  # type: ignore[arg-type]


def test_delays_grow_per_address_and_name_and_never_reach_other_addresses(hashed: str) -> None:
    clock = FakeClock()
    guard = guard_of({"amina": User("amina", "admin", hashed)}, clock, free_per_name=3, max_delay_s=60)
    assert [guard.check("amina", "wrong", "10.0.0.9") for _ in range(3)] == ["wrong"] * 3
    assert guard.check("amina", PASSWORD, "10.0.0.9") == "throttled", "refused during the delay, even with the password"
    assert guard.check("amina", PASSWORD, "10.0.0.1") == "ok", "the real user elsewhere is not locked out"
    clock.now += 1.01  # the first delay: 1 s
    assert guard.check("amina", "wrong", "10.0.0.9") == "wrong"
    clock.now += 1.5
    assert guard.check("amina", PASSWORD, "10.0.0.9") == "throttled", "the next delay is 2 s"
    clock.now += 0.6
    assert guard.check("amina", "wrong", "10.0.0.9") == "wrong"
    for _ in range(10):
        clock.now += 1000
        guard.check("amina", "wrong", "10.0.0.9")
    assert guard.check("amina", PASSWORD, "10.0.0.9") == "throttled"
    clock.now += 60.1
    assert guard.check("amina", PASSWORD, "10.0.0.9") == "ok", "the delay is capped at max_delay_s"


def test_one_address_guessing_many_names_is_slowed_too(hashed: str) -> None:
    clock = FakeClock()
    guard = guard_of({"amina": User("amina", "admin", hashed)}, clock, free_per_name=3, free_per_address=4)
    assert [guard.check(f"name{n}", "wrong", "10.0.0.9") for n in range(4)] == ["wrong"] * 4
    assert guard.check("amina", PASSWORD, "10.0.0.9") == "throttled", "the address has used its free failures"
    clock.now += 1.01
    assert guard.check("amina", PASSWORD, "10.0.0.9") == "ok"


def test_success_resets_the_name_count_and_old_failures_are_forgotten(hashed: str) -> None:
    clock = FakeClock()
    guard = guard_of({"amina": User("amina", "admin", hashed)}, clock, free_per_name=2, forget_s=60)
    assert guard.check("amina", "wrong", "a") == "wrong"
    assert guard.check("amina", PASSWORD, "a") == "ok"
    assert guard.check("amina", "wrong", "a") == "wrong", "only consecutive failures count"
    clock.now += 61
    assert guard.check("amina", "wrong", "a") == "wrong", "failures older than forget_s are forgotten"
    assert guard.check("amina", PASSWORD, "a") == "ok"


def test_unknown_users_are_counted_and_take_as_long(hashed: str) -> None:
    guard = guard_of({"amina": User("amina", "admin", hashed)}, FakeClock(), free_per_name=2)

    def timed(name: str) -> float:
        start = time.perf_counter()
        assert guard.check(name, "wrong", "a") == "wrong"
        return time.perf_counter() - start

    known, unknown = timed("amina"), timed("nobody")
    assert unknown > 0.3 * known, f"an unknown name is checked against a dummy hash ({unknown:.3f}s vs {known:.3f}s)"
    assert guard.check("nobody", "wrong", "a") == "wrong" and guard.check("nobody", "wrong", "a") == "throttled"
    assert guard.role("nobody") is None


def test_roles_and_users_are_read_at_each_check(hashed: str) -> None:
    users = {"amina": User("amina", "admin", hashed), "karim": User("karim", "reader", hashed)}
    guard = guard_of(users, FakeClock())
    assert (guard.role("amina"), guard.role("karim"), guard.role(None), guard.role("x")) == ("admin", "reader", None, None)
    users["karim"] = User("karim", "admin", hash_password("another password"))
    assert guard.role("karim") == "admin" and guard.check("karim", PASSWORD, "a") == "wrong", "a new password counts at once"
    del users["amina"]
    assert guard.check("amina", PASSWORD, "a") == "wrong", "a removed user cannot sign in"


def test_parallel_guesses_never_skip_the_delays(hashed: str) -> None:
    guard = guard_of({"amina": User("amina", "admin", hashed)}, FakeClock(), free_per_name=3)
    checked: list[float] = []
    barrier = threading.Barrier(8)

    def guess() -> None:
        barrier.wait()
        start = time.perf_counter()
        assert guard.check("amina", "wrong", "a") in ("wrong", "throttled")
        checked.append(time.perf_counter() - start)

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert guard.check("amina", PASSWORD, "a") == "throttled"
    slow = [t for t in checked if t > 0.02]  # a password actually verified (scrypt) rather than refused at once
    assert len(slow) <= 3, f"{len(slow)} parallel guesses were verified; at most free_per_name may be"


def test_a_guard_refuses_a_user_with_a_broken_hash() -> None:
    with pytest.raises(AccessError, match="user 'amina': bad password hash"):
        LoginGuard(lambda: {"amina": User("amina", "admin", "plain-text-password")})


def test_remove_user_keeps_comments_and_others(tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("# team\n", encoding="utf-8")
    add_user(users, "amina", PASSWORD, "admin")
    add_user(users, "karim", PASSWORD, "reader")
    assert remove_user(users, "karim") and not remove_user(users, "karim")
    assert list(load_users(users)) == ["amina"] and users.read_text(encoding="utf-8").startswith("# team\n")
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
