"""Each measurement in a fresh process of its own, so its peak memory is its own and no model or Chroma client outlives it."""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from eval.errors import EvalError
from eval.metrics import percentile

T = TypeVar("T")


class BenchError(EvalError):
    """A benchmark step failed; the message names the step and the cause, ``detail`` the child's traceback."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


def _child_main(conn: Connection, function: Callable[..., Any], args: tuple[Any, ...], env: dict[str, str]) -> None:
    from kb.offline import enforce_offline

    enforce_offline()
    os.environ.update(env)  # before anything loads the model's OpenMP runtime, which reads it once
    try:
        conn.send(("ok", function(*args)))
    except BaseException as err:  # reported to the parent, which raises BenchError
        conn.send(("error", (f"{type(err).__name__}: {err}", traceback.format_exc())))
    finally:
        conn.close()


def in_child(function: Callable[..., T], *args: Any, env: dict[str, str] | None = None) -> T:
    """``function(*args)`` in a fresh (spawned) process, with ``env`` added; its result comes back pickled."""
    context = mp.get_context("spawn")  # never fork a process that may hold model or Chroma threads
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sender, function, args, env or {}))
    process.start()
    sender.close()
    try:
        status, payload = receiver.recv()
    except EOFError:
        process.join()
        raise BenchError(f"the {function.__name__} process died (exit code {process.exitcode})") from None
    finally:
        receiver.close()
    process.join()
    if status != "ok":
        message, detail = payload
        raise BenchError(f"{function.__name__.strip('_')} failed: {message}", detail)
    result: T = payload  # what ``function`` returned, unpickled
    return result


def latency(samples: list[float]) -> tuple[float, float]:
    return round(percentile(samples, 50), 2), round(percentile(samples, 95), 2)
