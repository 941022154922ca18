"""Who may use the web app: a users file of scrypt password hashes, roles, and a login guard.

The users file holds one user per line, ``name:role:hash`` (``#`` starts a comment line)::

    # policykb users
    amina:admin:scrypt$32768$8$1$<salt>$<hash>
    karim:reader:scrypt$32768$8$1$<salt>$<hash>

Hashes are stdlib ``hashlib.scrypt`` with a random 16-byte salt; the parameters travel in the
hash, so older hashes keep verifying after the defaults are raised. Make hashes with
:func:`hash_password` or :func:`add_user`, never by hand.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from assistant.errors import AccessError, InvalidValue
from assistant.throttle import LoginThrottle

Role = Literal["reader", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")
MIN_PASSWORD = 8
# Where an administrator given by a password comes from (the settings loader reads them): messages name them.
ENV_PASSWORD = "POLICYKB_ADMIN_PASSWORD"
ENV_USER = "POLICYKB_ADMIN_USER"

# scrypt cost: n=2**15, r=8 needs 32 MiB and about 0.1 s per check, dear enough for an offline
# guess, cheap enough for a login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
# Upper bounds on parameters read from a hash, so a bad line cannot make one check take minutes or gigabytes.
_MAX_N, _MAX_R, _MAX_P, _MAX_MEMORY = 2**20, 32, 16, 2**30


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str


@dataclass(frozen=True)
class _Scrypt:
    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    @property
    def memory(self) -> int:
        return 128 * self.r * (self.n + 2 + self.p)  # what OpenSSL checks against maxmem

    def derive(self, password: str) -> bytes:
        return hashlib.scrypt(
            password.encode("utf-8"),
            salt=self.salt,
            n=self.n,
            r=self.r,
            p=self.p,
            dklen=len(self.key),
            maxmem=self.memory + 1024 * 1024,
        )

    def encode(self) -> str:
        salt, key = (base64.b64encode(v).decode("ascii") for v in (self.salt, self.key))
        return f"scrypt${self.n}${self.r}${self.p}${salt}${key}"


def _parse_hash(hashed: str) -> _Scrypt:
    """The scrypt parameters of ``hashed``; ValueError (with the reason) when it is not one of ours."""
    parts = hashed.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise InvalidValue("not a 'scrypt$n$r$p$salt$hash' password hash")
    if not all(part.isdigit() for part in parts[1:4]):
        raise InvalidValue("scrypt parameters n, r and p must be whole numbers")
    n, r, p = (int(part) for part in parts[1:4])
    if not (2 <= n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise InvalidValue(f"scrypt parameters n={n}, r={r}, p={p} are out of range")
    try:
        salt, key = (base64.b64decode(part, validate=True) for part in parts[4:6])
    except (binascii.Error, ValueError) as err:
        raise InvalidValue("salt or hash is not valid base64") from err
    if len(salt) < 8 or len(key) < 16:
        raise InvalidValue("salt or hash is too short")
    parsed = _Scrypt(n, r, p, salt, key)
    if parsed.memory > _MAX_MEMORY:
        raise InvalidValue(f"scrypt parameters n={n}, r={r}, p={p} need more than 1 GiB")
    return parsed


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``, as ``scrypt$n$r$p$salt_b64$hash_b64``."""
    params = _Scrypt(SCRYPT_N, SCRYPT_R, SCRYPT_P, secrets.token_bytes(_SALT_BYTES), b"\0" * _KEY_BYTES)
    return _Scrypt(params.n, params.r, params.p, params.salt, params.derive(password)).encode()


def verify_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed`` (constant-time comparison). Raises AccessError on a malformed hash."""
    try:
        params = _parse_hash(hashed)
    except ValueError as err:
        raise AccessError(f"cannot check the password: {err}; make the hash with hash_password()") from None
    return hmac.compare_digest(params.derive(password), params.key)


def _check_name(name: str, where: str) -> None:
    if not NAME.fullmatch(name):
        raise AccessError(f"{where}: user name '{name}' is not allowed; use 1-64 letters, digits or . _ @ -")


def _check_password(password: str, where: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"{where}: the password is shorter than {MIN_PASSWORD} characters; choose a longer one")


def _check_role(role: str, where: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise AccessError(f"{where}: role '{role}' is not one of {', '.join(ROLES)}; use one of them")


def load_users(path: Path) -> dict[str, User]:
    """Read a users file. Every error names the file and line and says what to fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AccessError(
            f"{path}: no users file; create it with add_user() (one 'name:role:hash' line per user) "
            f"or set {ENV_PASSWORD} for a single admin"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise AccessError(f"{path}: cannot read the users file ({err}); check its permissions and encoding") from None
    users: dict[str, User] = {}
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}, line {number}"
        fields = line.split(":")
        if len(fields) != 3:
            raise AccessError(f"{where}: expected 'name:role:hash', found {len(fields)} field(s); fix or remove the line")
        name, role, hashed = (field.strip() for field in fields)
        _check_name(name, where)
        checked_role = _check_role(role, where)
        try:
            _parse_hash(hashed)
        except ValueError as err:
            raise AccessError(f"{where}: bad password hash for '{name}' ({err}); set it again with add_user()") from None
        if name in users:
            raise AccessError(f"{where}: user '{name}' is already defined on line {lines[name]}; keep one of the two lines")
        users[name] = User(name, checked_role, hashed)
        lines[name] = number
    return users


def add_user(path: Path, name: str, password: str, role: Role) -> None:
    """Create or replace ``name`` in the users file (created if missing, mode 0600).

    The file is rewritten through a temporary file and ``os.replace``, so a crash leaves the old
    file or the new one. Comments and other users are kept; a malformed file is refused, not rewritten.
    Two processes adding users at the same moment: the last write wins.
    """
    _check_name(name, "add_user")
    _check_password(password, f"add_user '{name}'")
    checked_role = _check_role(role, f"add_user '{name}'")
    lines: list[str] = []
    if path.exists():
        load_users(path)  # refuse to rewrite a file we cannot read correctly
        lines = path.read_text(encoding="utf-8").splitlines()
    entry = f"{name}:{checked_role}:{hash_password(password)}"
    for index, line in enumerate(lines):
        if _names(line, name):
            lines[index] = entry
            break
    else:
        lines.append(entry)
    _rewrite(path, lines)


def remove_user(path: Path, name: str) -> bool:
    """Remove ``name`` from the users file (comments and other users kept); False when it was not there.

    A running server notices at its next request and ends the user's sessions.
    """
    _check_name(name, "remove_user")
    load_users(path)  # refuse to rewrite a file we cannot read correctly
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not _names(line, name)]
    if len(kept) == len(lines):
        return False
    _rewrite(path, kept)
    return True


def _names(line: str, name: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and stripped.split(":")[0].strip() == name


def _rewrite(path: Path, lines: list[str]) -> None:
    """Replace the file through a temporary file (mode 0600) and ``os.replace``: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def admin_from_password(name: str, password: str) -> dict[str, User]:
    """The administrator given by a password (``WebConfig.admin_user`` and ``admin_password``, set from
    ``POLICYKB_ADMIN_USER``, default ``admin``, and ``POLICYKB_ADMIN_PASSWORD``).

    Container deployments pass a plain password in the environment; it is hashed at once and only
    the hash is kept. Returns an empty dict when the password is not set.
    """
    if not password:
        return {}
    name = name.strip() or "admin"
    _check_name(name, ENV_USER)
    _check_password(password, ENV_PASSWORD)
    return {name: User(name, "admin", hash_password(password))}


LoginOutcome = Literal["ok", "wrong", "throttled"]


class LoginGuard:
    """Checks passwords against the users as they are now, behind a per-address throttle.

    ``users`` is called at each check (a :class:`assistant.userfile.UserDirectory` re-reads the file
    when it changed), so a new password or a removed user counts from the next attempt. Unknown names
    are checked against a dummy hash of the same cost, so neither the answer nor its timing tells which
    names exist. Safe to call from several threads.
    """

    def __init__(self, users: Callable[[], Mapping[str, User]], throttle: LoginThrottle | None = None) -> None:
        self._users = users
        self._throttle = throttle or LoginThrottle()
        self._dummy = self._dummy_hash(users())

    @staticmethod
    def _dummy_hash(users: Mapping[str, User]) -> str:
        """A hash of a random password with the cost of a real user's hash (the first one's)."""
        for user in users.values():
            try:
                params = _parse_hash(user.password_hash)
            except ValueError as err:
                raise AccessError(f"user '{user.name}': bad password hash ({err}); set it again with add_user()") from None
            salt, key = secrets.token_bytes(len(params.salt)), secrets.token_bytes(len(params.key))
            return _Scrypt(params.n, params.r, params.p, salt, key).encode()
        return hash_password(secrets.token_urlsafe(16))

    def check(self, username: str, password: str, address: str = "unknown") -> LoginOutcome:
        """Whether ``username`` may sign in with ``password`` from ``address`` now."""
        if self._throttle.begin(address, username) > 0:
            return "throttled"
        user = self._users().get(username)
        ok = False
        try:
            ok = verify_password(password, user.password_hash if user else self._dummy) and user is not None
        finally:
            self._throttle.end(address, username, ok)
        return "ok" if ok else "wrong"

    def role(self, username: str | None) -> Role | None:
        """The role of a known user now (None for no or an unknown user)."""
        user = self._users().get(username) if username is not None else None
        return user.role if user else None
