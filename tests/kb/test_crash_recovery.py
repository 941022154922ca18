"""An ingest killed (SIGKILL) at any moment, then run again, leaves the store a clean ingest leaves.

Real processes: the ``policykb ingest`` command is started, killed after a random delay spread over
a whole run, run again to completion, and the store is compared with a clean ingest's, field by
field. The delays come from a seeded RNG: the base seed is ``POLICYKB_TEST_SEED`` when set, else
random, and every assertion message names it, so ``POLICYKB_TEST_SEED=N pytest ...`` replays a failure.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kb.config import RetrievalConfig, StoreConfig
from kb.embed import Embedder
from kb.search import Searcher
from kb.store import Store

POLICYKB = str(Path(sys.executable).with_name("policykb"))
KILLS = 4
QUERIES = ("customs exemptions in technology parks", "cotisations des entreprises membres", "حوافز الشركات الناشئة")
BASE_SEED = int(os.environ.get("POLICYKB_TEST_SEED") or random.SystemRandom().randrange(2**31))


def ingest(docs: Path, store: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [POLICYKB, "ingest", str(docs), "--store", str(store), "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, f"ingest failed (seed {BASE_SEED}): {err}"
    return out


def descendants(pid: int) -> list[int]:
    """Every living process below ``pid`` (read from /proc: no psutil)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie has exited (it only waits for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def snapshot(path: Path, embedder: Embedder) -> dict[str, Any]:
    """Everything a reader can observe of a store, with the invariants checked on the way."""
    store = Store(StoreConfig(path=path))
    docs = {doc_id: doc.metadata for doc_id, doc in store.stored_documents().items()}
    got = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    ids: list[str] = got["ids"]
    chunks = {
        chunk_id: (text, dict(meta), np.asarray(vector, dtype=np.float32).tobytes())
        for chunk_id, text, meta, vector in zip(ids, got["documents"], got["metadatas"], got["embeddings"], strict=True)
    }
    searcher = Searcher(store, embedder, RetrievalConfig(index_dir=path / "policykb_lexical"))
    hits = {q: [(h.chunk_id, round(h.score, 6)) for h in searcher.search(q, k=10)] for q in QUERIES}
    return {
        "docs": docs,
        "chunks": chunks,
        "duplicates": len(ids) - len(set(ids)),
        "orphans": sorted(i for i, (_, m, _) in chunks.items() if docs.get(m["doc_id"], {}).get("content_hash") != m["doc_hash"]),
        "count": store.chunk_count(),
        "committed": sum(int(meta["chunks"]) for meta in docs.values()),
        "hits": hits,
    }


def assert_same_store(got: dict[str, Any], want: dict[str, Any], what: str) -> None:
    assert got["duplicates"] == 0, f"{what}: duplicate chunk ids"
    assert got["orphans"] == [], f"{what}: chunks no document row vouches for: {got['orphans'][:3]}"
    assert got["count"] == got["committed"] == len(got["chunks"]), (
        f"{what}: Chroma count {got['count']}, committed {got['committed']}"
    )
    assert got["docs"].keys() == want["docs"].keys(), f"{what}: document ids differ"
    for doc_id, meta in want["docs"].items():
        assert got["docs"][doc_id] == meta, f"{what}: document row of {doc_id} differs"
    assert got["chunks"].keys() == want["chunks"].keys(), f"{what}: chunk ids differ"
    for chunk_id, (text, meta, vector) in want["chunks"].items():
        assert got["chunks"][chunk_id][0] == text, f"{what}: text of {chunk_id} differs"
        assert got["chunks"][chunk_id][1] == meta, f"{what}: metadata of {chunk_id} differs"
        assert got["chunks"][chunk_id][2] == vector, f"{what}: embedding of {chunk_id} differs"
    assert got["hits"] == want["hits"], f"{what}: search results differ"


@pytest.fixture(scope="module")
def clean_run(fixture_docs: Path, cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A clean ingest, and how long one takes with a warm embedding cache (as the killed runs have)."""
    base = tmp_path_factory.mktemp("crash")
    finish(ingest(fixture_docs, base / "clean", cli_env))  # also warms the shared embedding cache
    started = time.perf_counter()
    finish(ingest(fixture_docs, base / "timed", cli_env))
    return base / "clean", time.perf_counter() - started


@pytest.fixture(scope="module")
def clean_snapshot(clean_run: tuple[Path, float], embedder: Embedder) -> dict[str, Any]:
    return snapshot(clean_run[0], embedder)


def test_two_clean_ingests_give_identical_stores(
    clean_run: tuple[Path, float], clean_snapshot: dict[str, Any], embedder: Embedder
) -> None:
    """The premise of the comparison below: a clean ingest is deterministic."""
    assert_same_store(snapshot(clean_run[0].with_name("timed"), embedder), clean_snapshot, "second clean ingest")


@pytest.mark.parametrize("round_", range(KILLS), ids=[f"seed{BASE_SEED}-round{r}" for r in range(KILLS)])  # in every report
def test_an_ingest_killed_at_a_random_moment_then_rerun_equals_a_clean_ingest(
    round_: int,
    clean_run: tuple[Path, float],
    clean_snapshot: dict[str, Any],
    fixture_docs: Path,
    cli_env: dict[str, str],
    tmp_path: Path,
    embedder: Embedder,
) -> None:
    _, duration = clean_run
    seed = BASE_SEED + round_
    delay = random.Random(seed).uniform(0.0, duration)
    what = f"killed after {delay:.2f} s of a {duration:.2f} s ingest (POLICYKB_TEST_SEED={BASE_SEED}, round {round_})"
    store = tmp_path / "store"

    killed = ingest(fixture_docs, store, cli_env)
    deadline = time.monotonic() + delay
    below: set[int] = set()
    while time.monotonic() < deadline and killed.poll() is None:
        below.update(descendants(killed.pid))  # the parser worker (and its OCR programs) seen so far
        time.sleep(0.05)
    below.update(descendants(killed.pid))
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=60)

    # The kernel drops the writer lock with the process; the parser worker must not go on alone.
    until = time.monotonic() + 2.0
    while any(alive(pid) for pid in below) and time.monotonic() < until:
        time.sleep(0.05)
    assert not [pid for pid in below if alive(pid)], f"{what}: processes of the killed ingest still run"

    out = finish(ingest(fixture_docs, store, cli_env))
    assert "0 failed" in out, f"{what}: {out}"
    assert_same_store(snapshot(store, embedder), clean_snapshot, what)


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-page image-only PDF: seconds of OCR work."""
    from pypdf import PdfReader, PdfWriter

    from tests.pdfmaker.scans import SAMPLE_PAGES, image_only_pdf

    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        pytest.skip("needs Tesseract and poppler-utils (make test installs them)")
    folder = tmp_path_factory.mktemp("scan")
    page = PdfReader(image_only_pdf(folder / "page.pdf", [SAMPLE_PAGES["fr"]], "fr")).pages[0]
    writer = PdfWriter()
    for _ in range(3):
        writer.add_page(page)
    writer.write(folder / "scan.fr.pdf")
    return folder / "scan.fr.pdf"


def test_the_parser_worker_dies_with_a_killed_ingest_even_in_the_middle_of_a_parse(scan: Path) -> None:
    """A worker busy with a long parse (OCR of a scan) is killed with its parent, not left to finish."""
    # At 600 dpi one page takes seconds to render and read: the worker, which only notices a dead
    # parent when it next reports progress (after a page), would outlive the test's wait by far.
    script = (
        "import sys; from pathlib import Path\n"
        "from ingest.load import LoadOptions, SourceFile; from ingest.ocr import OcrConfig\n"
        "from ingest.sandbox import ParserProcess\n"
        "parser = ParserProcess(options=LoadOptions(ocr=OcrConfig(dpi=600, languages=('fra',))))\n"
        "parser.submit(SourceFile(path=Path(sys.argv[1]), root=Path(sys.argv[2])))\n"
        "print('submitted', flush=True)\n"
        "parser.result()\n"
    )
    # As a context manager, Popen closes the pipe it opened once the parent is gone.
    command = [sys.executable, "-c", script, str(scan), str(scan.parent)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as parent:
        try:
            assert parent.stdout is not None and parent.stdout.readline().strip() == "submitted"
            time.sleep(1.5)  # the worker is rendering or reading page 1
            workers = descendants(parent.pid)
            assert workers, "the parser worker runs"
        finally:
            parent.send_signal(signal.SIGKILL)
            parent.wait()
    time.sleep(0.5)  # the kernel kills the worker with its parent: no need to wait for a page to end
    # pdftoppm or Tesseract may finish the current page (under their own time limit); the worker must not go on.
    left = [pid for pid in workers if alive(pid) and not _ocr_program(pid)]
    assert not left, "the parser worker outlived its killed parent"


def _ocr_program(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return Path(command.decode()).name in ("tesseract", "pdftoppm")


def test_a_second_ingest_process_is_refused_and_the_first_completes(
    scan: Path, fixture_docs: Path, clean_snapshot: dict[str, Any], cli_env: dict[str, str], tmp_path: Path, embedder: Embedder
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(fixture_docs, docs)
    shutil.copy(scan, docs / "ma" / scan.name)  # seconds of OCR: the first writer holds the lock while the second starts
    store = tmp_path / "store"
    first = ingest(docs, store, cli_env)
    lock = store / "writer.lock"
    until = time.monotonic() + 120
    while not (lock.is_file() and lock.read_text() == f"pid {first.pid}") and first.poll() is None and time.monotonic() < until:
        time.sleep(0.05)
    assert first.poll() is None, "the first ingest is still writing when the second starts"
    second = ingest(docs, store, cli_env)
    out, err = second.communicate(timeout=120)
    assert first.poll() is None, "the second ingest was refused while the first held the lock (else this test proves nothing)"
    assert second.returncode == 1 and out == "", err
    assert err.strip().split("\n") == [
        f"policykb: {store}: the store is being written by pid {first.pid}; wait for it to finish "
        "(only one writer per store directory)"
    ]
    assert "7 added" in finish(first)
    got = snapshot(store, embedder)
    scanned = f"ma/{scan.name}"
    assert scanned in got["docs"], "the scan was ingested too"
    got["docs"].pop(scanned)
    got["chunks"] = {k: v for k, v in got["chunks"].items() if v[1]["doc_id"] != scanned}
    got["count"] = got["committed"] = len(got["chunks"])
    got["hits"] = clean_snapshot["hits"]  # the scan's passages may rank too: its own store is not the clean one
    got["docs"] = {doc_id: {**meta, "root": "ROOT"} for doc_id, meta in got["docs"].items()}  # ingested from a copy
    want = {**clean_snapshot, "docs": {doc_id: {**meta, "root": "ROOT"} for doc_id, meta in clean_snapshot["docs"].items()}}
    assert_same_store(got, want, "the first writer's store")
