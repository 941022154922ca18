"""Is a store readable and whole? Checked before it is trusted, without risking the caller's process.

What chromadb 1.5 does with damaged files (measured on real stores, README "Faults"): a damaged HNSW
header or vector file can kill the process that reads it (SIGSEGV, SIGFPE), raise an InternalError,
or, for ``length.bin`` (the stored vector norms), silently return zero or garbage embeddings and
wrong neighbours; a lost ``chroma.sqlite3`` silently opens as an empty store. So a check runs in
three parts: the files' structure is read in Python (the HNSW header, sizes, norms and links; the
SQLite header), then Chroma itself is asked a few questions in a child process, where a crash in
native code is a finding instead of our death.

A quick check (at ``policykb serve`` start-up) samples the vectors; a thorough one
(``policykb check``) reads every vector, link and passage. Neither writes to the store.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from kb.config import StoreConfig
from kb.healthfiles import SEGMENT_NAME, check_hnsw_folder, check_sqlite, segment_folders
from kb.healthprobe import probe

__all__ = ["SEGMENT_NAME", "StoreCheck", "StoreHealth", "check_hnsw_folder", "check_store", "describe", "start_check"]


@dataclass(frozen=True)
class StoreHealth:
    """What a check found. ``problems`` are one line each, the most telling first; none means healthy."""

    location: str
    problems: tuple[str, ...] = ()
    documents: int | None = None
    chunks: int | None = None
    orphans: int | None = None  # passages of interrupted writes (harmless: the next ingest removes them)
    thorough: bool = False
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())  # what was checked, for `policykb check`

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self) -> str:
        """One line: the state, or the first problem and what to run."""
        if self.ok:
            orphans = f", {self.orphans} passages of an interrupted write (the next ingest removes them)" if self.orphans else ""
            return f"{self.location}: healthy ({self.documents or 0} documents, {self.chunks or 0} passages{orphans})"
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        if "://" in self.location:  # a Chroma server keeps its own files: repair is the server's operator's
            return f"{self.location}: {self.problems[0]}{more}"
        return f"{self.location}: {self.problems[0]}{more}; run 'policykb check --repair --store {self.location}'"


def check_store(config: StoreConfig, thorough: bool = False, timeout_s: float = 300.0) -> StoreHealth:
    """Check the store (see the module docstring); never raises for what it finds."""
    return start_check(config, thorough).result(timeout_s)


def start_check(config: StoreConfig, thorough: bool = False) -> StoreCheck:
    """Start a check in the background (``policykb serve`` loads the web app meanwhile)."""
    return StoreCheck(config, thorough)


class StoreCheck:
    """A check under way: the file checks are done, the probes run in a child process."""

    def __init__(self, config: StoreConfig, thorough: bool) -> None:
        self.config = config
        self.thorough = thorough
        self.started = time.perf_counter()
        self.location = config.describe()
        self.facts: dict[str, Any] = {}
        self.problems: list[str] = []
        self.notes: list[str] = []
        self._child: tuple[BaseProcess, Connection] | None = None  # the probes' process and the pipe it reports on
        self.finished: float | None = None
        if not config.chroma_url:
            if not (config.path / "chroma.sqlite3").exists():
                self._no_database()
                return
            self._check_files()
            if self.problems:
                return  # the probes would read what is already known broken (and may crash on it)
        context = mp.get_context("spawn")  # a fresh interpreter: never fork one that holds Chroma and model threads
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=probe, args=(config, thorough, child), daemon=True)
        process.start()
        child.close()
        self._child = (process, parent)

    def _no_database(self) -> None:
        folder = self.config.path
        segments = [p.name for p in segment_folders(folder) if (p / "header.bin").exists()] if folder.is_dir() else []
        if segments:
            self.problems.append(
                f"chroma.sqlite3 is missing but the folder still holds a vector index ({', '.join(segments)}): "
                "the database was deleted or lost"
            )
        else:
            self.facts.update(documents=0, chunks=0, orphans=0)
            self.notes.append("no store here yet (nothing ingested)")

    def _check_files(self) -> None:
        path = self.config.path
        database = check_sqlite(path / "chroma.sqlite3")
        if database.dimensions is None:
            self.problems.append(database.problem or "chroma.sqlite3 could not be read")
            return
        dimensions = database.dimensions
        known = set(dimensions)
        for folder in segment_folders(path):
            if folder.name not in known:
                if (folder / "index_metadata.pickle").exists():
                    # A vector index no collection of this database refers to: the database is not the one that wrote it.
                    self.problems.append(
                        f"{folder.name}: a saved vector index that chroma.sqlite3 does not know (was chroma.sqlite3 replaced?)"
                    )
                continue
            problem = check_hnsw_folder(folder, dimensions.get(folder.name), self.thorough)
            if problem:
                self.problems.append(f"the vector index is damaged ({folder.name}/{problem})")
        self.notes.append(f"files: chroma.sqlite3 and {len(known)} vector segment(s) read")

    def result(self, timeout_s: float = 300.0) -> StoreHealth:
        if self._child is not None:
            self._collect(*self._child, timeout_s)
        return StoreHealth(
            location=self.location,
            problems=tuple(self.problems),
            documents=self.facts.get("documents"),
            chunks=self.facts.get("chunks"),
            orphans=self.facts.get("orphans"),
            thorough=self.thorough,
            seconds=round((self.finished or time.perf_counter()) - self.started, 3),  # the check's own time
            notes=tuple(self.notes),
        )

    def _collect(self, process: BaseProcess, conn: Connection, timeout_s: float) -> None:
        step = "starting"
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not conn.poll(left):
                    process.kill()
                    self.problems.append(f"the check did not finish in {timeout_s:g} s (stuck while {step})")
                    break
                kind, payload = conn.recv()
                if kind == "step":
                    step = payload
                elif kind == "problem":
                    self.problems.append(payload)
                elif kind == "facts":
                    self.facts.update(payload)
                elif kind == "done":
                    self.finished = time.perf_counter() - (time.time() - payload)  # when the child finished
                    break
        except (EOFError, OSError):
            process.join(timeout=10)
            self.problems.insert(0, _death(process.exitcode, step))
        finally:
            conn.close()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        if "documents" in self.facts:
            self.notes.append(f"Chroma: {'all' if self.thorough else 'a sample of the'} stored vectors and passages read")


def _death(code: int | None, step: str) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the vector index is damaged (the check died with {name} while {step})"
    return f"the check stopped with exit code {code} while {step}"


def describe(health: StoreHealth) -> list[str]:
    """Lines for ``policykb check``: the verdict, then each problem and what was checked."""
    lines = [health.message()]
    lines += [f"  problem: {p}" for p in health.problems]
    lines += [f"  checked: {n}" for n in health.notes]
    lines.append(f"  {'thorough' if health.thorough else 'quick'} check, {health.seconds:.2f} s")
    return lines
