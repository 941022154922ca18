"""Parse files in a child process with a time and memory limit.

pypdf keeps getting infinite-loop and memory-exhaustion CVEs; a hostile or broken file must cost
at most the limits, never the ingest. One worker process is reused across files and replaced
after any failure that may have left it in a bad state.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from ingest.errors import CorruptDocumentError, IngestError, ParseLimitError, UsageError
from ingest.load import LoadOptions, SourceFile, load_document, read_file_pages
from ingest.pages import PageTexts
from ingest.records import Document


@dataclass(frozen=True)
class ParseLimits:
    timeout_s: float = 120.0  # without progress: each OCR'd page reports progress and restarts the clock
    memory_mb: int = 2048  # address space of the parser process (and of the OCR programs it runs)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this worker as soon as the process that started it dies, even by SIGKILL.

    Without it, a worker busy with a long parse (minutes of OCR) goes on after its ingest was killed,
    until its next send finds the pipe broken. Linux only (elsewhere the worker stops at that send).
    The signal fires when the parent *thread* that started the worker ends: ParserProcess is started
    and used by one thread for the whole of a parse.
    """
    with contextlib.suppress(OSError, AttributeError):  # not Linux: no prctl
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def _worker(conn: Connection, memory_mb: int, options: LoadOptions, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # pypdf logs each thing it recovered from (a broken xref, a bad object); with no handler in this
    # process, Python's last-resort handler would print every line, thousands for a hostile file, on
    # the user's terminal beside the one-line error that matters.
    logging.getLogger("pypdf").addHandler(logging.NullHandler())
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        kind, source = request
        result: tuple[str, Any]

        def progress(step: str) -> None:
            conn.send(("progress", step))

        try:
            work = load_document if kind == "document" else read_file_pages
            result = ("ok", work(source, options, progress))
        except IngestError as err:
            result = ("error", (type(err).__name__, err.path, err.reason, err.hint))
        except MemoryError:
            reason = f"parsing needed more than {memory_mb} MiB"
            result = ("error", ("ParseLimitError", str(source.path), reason, "split the file, or raise POLICYKB_PARSE_MEMORY_MB"))
        except RecursionError:
            result = ("error", ("CorruptDocumentError", str(source.path), "object structure nested too deeply", None))
        except Exception as err:  # a parser bug on odd input: report it for this file, keep going
            result = ("error", ("CorruptDocumentError", str(source.path), f"parser failed ({type(err).__name__}: {err})", None))
        try:
            conn.send(result)
        except OSError:  # the parent is gone (or closed the pipe): nobody wants the result
            return


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"exit code {code}"


def _rebuild_error(name: str, path: str, reason: str, hint: str | None) -> IngestError:
    import ingest.errors as errors

    cls = getattr(errors, name, IngestError)
    return cls(path, reason, hint) if isinstance(cls, type) and issubclass(cls, IngestError) else IngestError(path, reason, hint)


class ParserProcess:
    """A reusable child process that turns :class:`SourceFile` into :class:`Document`.

    ``submit`` then ``result`` lets the caller embed one document while the next is parsed.
    """

    def __init__(self, limits: ParseLimits = ParseLimits(), options: LoadOptions = LoadOptions()) -> None:
        self.limits = limits
        self.options = options
        self._context = mp.get_context("spawn")  # never fork a process that holds model and DB threads
        self._process: Any = None
        self._conn: Connection | None = None
        self._pending: SourceFile | None = None

    def _start(self) -> Connection:
        """A fresh child process; returns the pipe to it."""
        parent, child = self._context.Pipe()
        worker_args = (child, self.limits.memory_mb, self.options, os.getpid())
        process = self._context.Process(target=_worker, args=worker_args, daemon=True)
        try:
            process.start()
        finally:
            child.close()
        self._process, self._conn = process, parent
        return parent

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None

    def submit(self, source: SourceFile, kind: str = "document") -> None:
        if self._pending is not None:
            raise UsageError("ParserProcess.submit called twice without result()")
        conn = self._conn
        if conn is None or self._process is None or not self._process.is_alive():
            self._kill()
            conn = self._start()
        conn.send((kind, source))
        self._pending = source

    def result(self) -> Document:
        document: Document = self._receive()
        return document

    def _receive(self) -> Any:
        source, self._pending = self._pending, None
        if source is None or self._conn is None:
            raise UsageError("ParserProcess.result called without submit()")
        try:
            status: str = "progress"
            payload: Any = None
            while status == "progress":  # a long OCR job keeps the clock from running out page by page
                if not self._conn.poll(self.limits.timeout_s):
                    self._kill()
                    reason = f"parsing took longer than {self.limits.timeout_s:g} s"
                    raise ParseLimitError(source.path, reason, "split the file, or raise POLICYKB_PARSE_TIMEOUT")
                status, payload = self._conn.recv()
        except (EOFError, ConnectionError, OSError) as err:
            if self._process is not None:
                self._process.join(timeout=2)  # reap it, so its exit code says what happened
            code = self._process.exitcode if self._process is not None else None
            self._kill()
            raise CorruptDocumentError(source.path, f"the parser process died ({_exit_reason(code)})") from err
        if status == "ok":
            return payload
        name, path, reason, hint = payload
        raise _rebuild_error(name, path, reason, hint)

    def parse(self, source: SourceFile) -> Document:
        self.submit(source)
        return self.result()

    def pages(self, source: SourceFile) -> tuple[PageTexts, str]:
        """Every page as ingest reads it, indexed or not, and the parser used (``policykb inspect``)."""
        self.submit(source, kind="pages")
        pages: tuple[PageTexts, str] = self._receive()
        return pages

    def close(self) -> None:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            try:
                self._conn.send(None)
                self._process.join(timeout=2)
            except (OSError, ValueError):
                pass
        self._kill()

    def __enter__(self) -> ParserProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
