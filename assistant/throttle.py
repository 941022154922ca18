"""Login throttling per client address and name, with delays that grow, instead of locking accounts.

Locking a name after N failures lets anyone who knows the name lock its owner out. Here failures
are counted per (address, name) and per address: after ``free`` failures each further attempt must
wait twice as long as the last (1 s, 2 s, 4 s, ... up to ``max_delay_s``). A client elsewhere,
including the real user, is not slowed by someone else's failures. Counts are forgotten after
``forget_s`` without a failure; a success clears its (address, name) count but not the address's
(a guesser with an account of its own cannot reset its address by signing in).

With the defaults (3 free failures per name, 10 per address, at most 15 minutes apart, forgotten
after an hour), one address gets about 25 guesses in its first hour and 4 an hour after that.
Many addresses guessing one name are not slowed by each other: strong passwords and scrypt's cost
are what stand there (README, Security).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import InvalidValue


@dataclass(frozen=True)
class ThrottleConfig:
    free_per_name: int = 3  # failures one address may make on one name before delays start
    free_per_address: int = 10  # failures one address may make over all names
    max_delay_s: float = 900.0
    forget_s: float = 3600.0

    def __post_init__(self) -> None:
        if self.free_per_name < 1 or self.free_per_address < 1 or self.max_delay_s < 0 or self.forget_s <= 0:
            raise InvalidValue(f"login throttle settings are out of range: {self}")


@dataclass
class _Count:
    """Failures of one key (mutable, private to LoginThrottle and used under its lock)."""

    failures: int = 0
    last_failure: float = 0.0
    in_flight: int = 0


class LoginThrottle:
    """Decides whether a login attempt may be checked now. Safe to call from several threads."""

    _TRACKED = 10_000  # beyond this many keys, those with nothing to remember are dropped

    def __init__(self, config: ThrottleConfig = ThrottleConfig(), clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str | None], _Count] = {}

    def _count(self, key: tuple[str, str | None], now: float) -> _Count:
        count = self._counts.setdefault(key, _Count())
        if count.failures and now - count.last_failure >= self._config.forget_s:
            count.failures = 0
        return count

    def wait_s(self, address: str, name: str) -> float:
        """Seconds until ``address`` may try ``name`` again (0: now)."""
        with self._lock:
            return self._wait(address, name, self._clock())

    def _wait(self, address: str, name: str, now: float) -> float:
        waits = [0.0]
        for key, free in (((address, name), self._config.free_per_name), ((address, None), self._config.free_per_address)):
            count = self._count(key, now)
            if count.failures + count.in_flight < free:
                continue
            if count.in_flight:
                waits.append(1.0)  # attempts being checked count as failures: parallel guesses skip no delay
            else:
                delay = min(2.0 ** (count.failures - free), self._config.max_delay_s)
                waits.append(max(0.0, count.last_failure + delay - now))
        return max(waits)

    def begin(self, address: str, name: str) -> float:
        """Start an attempt: 0 when it may be checked (then call :meth:`end`), else the seconds to wait."""
        with self._lock:
            now = self._clock()
            self._forget_idle(now)
            wait = self._wait(address, name, now)
            if wait > 0:
                return wait
            for key in ((address, name), (address, None)):
                self._count(key, now).in_flight += 1
            return 0.0

    def end(self, address: str, name: str, ok: bool) -> None:
        with self._lock:
            now = self._clock()
            for key in ((address, name), (address, None)):
                count = self._count(key, now)
                count.in_flight -= 1
                if not ok:
                    count.failures += 1
                    count.last_failure = now
            if ok:
                self._counts[(address, name)].failures = 0

    def _forget_idle(self, now: float) -> None:
        if len(self._counts) <= self._TRACKED:
            return
        for key in [k for k in self._counts if not self._counts[k].in_flight and self._count(k, now).failures == 0]:
            del self._counts[key]


class EveryInterval:
    """True for a key at most once per ``interval_s``: throttled attempts are audited, not each one of
    a flood (every record is an fsync; an attacker's retries would become the server's disk load)."""

    _TRACKED = 10_000

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval_s = interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], float] = {}

    def __call__(self, key: tuple[str, str]) -> bool:
        with self._lock:
            now = self._clock()
            if len(self._last) > self._TRACKED:
                self._last = {k: t for k, t in self._last.items() if now - t < self._interval_s}
            last = self._last.get(key)
            if last is not None and now - last < self._interval_s:
                return False
            self._last[key] = now
            return True
