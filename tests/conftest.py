"""Shared fixtures: one embedding model, one fixture corpus and one index per test session.

Everything is real: the bundled embedding model, Chroma on disk, PDFs from two PDF writers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

from kb.offline import enforce_offline

enforce_offline()
# Property tests draw the same examples on every run ("repeatable", the default): a suite that passes
# must pass again on any clone, and a random draw once found a degenerate text no run before had
# met. `HYPOTHESIS_PROFILE=explore` draws new examples each run, to look for bugs on purpose.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
# Tests run beside a parser process and other tests: OpenMP threads that spin while waiting stall
# the model for seconds when another process holds a core (see BENCHMARKS.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

NETGUARD = Path(__file__).with_name("cli") / "netguard"


def _install_netguard() -> tuple[Path, ModuleType]:
    """No test may resolve or connect to anything but loopback: not this process, nor any it starts.

    The guard (tests/cli/netguard/sitecustomize.py) is an audit hook on name lookups and connections:
    it refuses anything beyond loopback and writes it to NETGUARD_LOG. It is installed here, and every
    Python process the tests start loads it through PYTHONPATH. The session fails if the log is not empty.
    """
    log = Path(tempfile.mkstemp(prefix="policykb-netguard-", suffix=".log")[1])
    os.environ["NETGUARD_LOG"] = str(log)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH", "")]))
    spec = importlib.util.spec_from_file_location("policykb_netguard", NETGUARD / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # adds the audit hook to this process
    return log, module


NETGUARD_LOG, NETGUARD_MODULE = _install_netguard()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    refused = NETGUARD_LOG.read_text(encoding="utf-8").strip() if NETGUARD_LOG.exists() else ""
    if refused:
        print(f"\nnetguard: the tests tried to reach beyond loopback:\n{refused}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    NETGUARD_LOG.unlink(missing_ok=True)


from kb.config import EmbedConfig, StoreConfig  # noqa: E402
from kb.embed import Embedder  # noqa: E402
from kb.search import Searcher  # noqa: E402
from kb.store import Store  # noqa: E402
from kb.sync import IngestReport, ingest_paths  # noqa: E402
from tests.chroma_server import chroma_server  # noqa: E402
from tests.fixtures.documents import write_all  # noqa: E402

# The real-world PDFs live outside the repository (../shared/realpdfs beside the checkout, as in CI).
# REALPDFS_DIR points elsewhere; without the folder their tests skip, unless
# REQUIRE_REALPDFS=1 (set by .ci/run) makes a missing or altered folder an error.
REALPDFS = Path(os.environ.get("REALPDFS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "realpdfs")
REQUIRE_REALPDFS = os.environ.get("REQUIRE_REALPDFS", "") not in ("", "0")


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the session, so each passage is embedded once across tests."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def embedder(cache_dir: Path) -> Iterator[Embedder]:
    model = Embedder(EmbedConfig(cache_path=cache_dir / "embeddings.sqlite"))
    yield model
    model.close()


@pytest.fixture(scope="session")
def fixture_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture documents, written once by the real writers (read-only for tests)."""
    return write_all(tmp_path_factory.mktemp("docs"))


@pytest.fixture()
def docs_copy(fixture_docs: Path, tmp_path: Path) -> Path:
    """A private copy of the fixture documents for tests that change files."""
    target = tmp_path / "docs"
    shutil.copytree(fixture_docs, target)
    return target


# The search, ask and eval tests run against both kinds of store: the embedded one and a real Chroma
# server started for the session. tests/kb/test_modes.py checks that the two give the same results.
STORE_MODES = ("embedded", "server")


@pytest.fixture(scope="session")
def session_chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Chroma server on loopback (``chroma run``) for the session's server-mode stores."""
    with chroma_server(tmp_path_factory.mktemp("session-chroma") / "data") as url:
        yield url


def _open_store(request: pytest.FixtureRequest, name: str, mode: str) -> Store:
    if mode == "server":
        return Store(StoreConfig(chroma_url=request.getfixturevalue("session_chroma_url"), collection_prefix=name))
    return Store(StoreConfig(path=request.getfixturevalue("tmp_path_factory").mktemp(name)))


@pytest.fixture(scope="session")
def shared_index_embedded(request: pytest.FixtureRequest, fixture_docs: Path, embedder: Embedder) -> tuple[Store, IngestReport]:
    store = _open_store(request, "store", "embedded")
    return store, ingest_paths([fixture_docs], store, embedder)


@pytest.fixture(scope="session")
def shared_index_server(request: pytest.FixtureRequest, fixture_docs: Path, embedder: Embedder) -> tuple[Store, IngestReport]:
    store = _open_store(request, "shared", "server")
    return store, ingest_paths([fixture_docs], store, embedder)


@pytest.fixture(scope="session", params=STORE_MODES)
def shared_index(request: pytest.FixtureRequest) -> tuple[Store, IngestReport]:
    """The fixture documents ingested once per store mode into a store that tests only read."""
    found: tuple[Store, IngestReport] = request.getfixturevalue(f"shared_index_{request.param}")
    return found


@pytest.fixture()
def fresh_store(tmp_path: Path) -> Store:
    return Store(StoreConfig(path=tmp_path / "store"))


@pytest.fixture(scope="session")
def realpdfs() -> Path:
    """The real-world PDFs, checked against the checksums their README lists."""
    problem = realpdfs_problem(REALPDFS)
    if problem and REQUIRE_REALPDFS:
        pytest.fail(f"{problem} (REQUIRE_REALPDFS is set)")
    if problem:
        pytest.skip(problem)
    return REALPDFS


def realpdfs_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot serve as the real-world PDFs, or None.

    Its README.md lists ``name: sha256`` for every PDF; a file that is missing or differs would make
    the tests that read it fail for the wrong reason, so it is reported here instead."""
    readme = folder / "README.md"
    if not readme.is_file():
        return f"real-world PDFs not found at {folder}: put shared/realpdfs beside the checkout or set REALPDFS_DIR"
    listed = re.findall(r"^- (\S+\.pdf): ([0-9a-f]{64})$", readme.read_text(encoding="utf-8"), re.MULTILINE)
    if not listed:
        return f"{readme} lists no 'name.pdf: sha256' lines"
    for name, digest in listed:
        path = folder / name
        if not path.is_file():
            return f"{path} is missing"
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return f"{path} differs from the checksum in {readme}"
    return None


@pytest.fixture(scope="session")
def cli_env(cache_dir: Path) -> dict[str, str]:
    """Environment for running the real ``policykb`` command in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYKB_")}
    env["POLICYKB_CACHE_DIR"] = str(cache_dir)
    return env


CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="session")
def corpus_index_embedded(request: pytest.FixtureRequest, embedder: Embedder) -> tuple[Store, IngestReport]:
    """The whole sample corpus ingested once (the slowest fixture: about a minute of model time)."""
    store = _open_store(request, "corpus-store", "embedded")
    return store, ingest_paths([CORPUS / "documents"], store, embedder)


@pytest.fixture(scope="session")
def corpus_index_server(request: pytest.FixtureRequest, embedder: Embedder) -> tuple[Store, IngestReport]:
    """The same on the session's Chroma server (the embeddings come from the cache by then)."""
    store = _open_store(request, "corpus", "server")
    return store, ingest_paths([CORPUS / "documents"], store, embedder)


@pytest.fixture(scope="session", params=STORE_MODES)
def corpus_index(request: pytest.FixtureRequest) -> tuple[Store, IngestReport]:
    """The whole sample corpus, once per store mode."""
    found: tuple[Store, IngestReport] = request.getfixturevalue(f"corpus_index_{request.param}")
    return found


@pytest.fixture(scope="session")
def corpus_searcher(corpus_index: tuple[Store, IngestReport], embedder: Embedder) -> Searcher:
    """A searcher over the whole sample corpus, for the answer tests."""
    return Searcher(corpus_index[0], embedder)
