"""Seconds spent in named stages of a run (parse wait, chunking, embedding, ...), for reports and benchmarks.

Filled by the code that runs the stages (``kb.sync`` fills its ``IngestReport.stages``), so a
benchmark reads where the time went instead of wrapping library functions. Two clock reads per
stage entered: nothing next to the work being timed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class StageTimes:
    """Wall seconds by stage name, summed over every time the stage was entered (nested stages count in both).

    Not locked: two threads ending a stage at the same instant may lose one addition (it is a
    measure, not an account), and never raise.
    """

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the body of a ``with`` block as ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def timed(self, name: str, function: Callable[P, R]) -> Callable[P, R]:
        """``function``, timed as ``name`` on each call: for a callback handed to code that cannot time it."""

        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        return run
