"""One live ``policykb serve`` on loopback for the web tests, over the sample corpus plus two test documents.

The test documents are a hostile one (markup in its title and text) and a scan (an image-only PDF, OCR'd).

The browser tests share one Debian Chromium driven by Playwright (one per session: Playwright's sync
API allows a single driver at a time, so the browser fixtures live here, not in a test module).

The server is the real command in its own process, with login on (an admin, a reader, and an
account kept for the login throttle test), an audit log, and a store of its own: uploads write to it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from assistant.access import add_user
from tests.chroma_server import free_port, stop
from tests.pdfmaker.scans import image_only_pdf

# Debian's Chromium, driven by Playwright (which downloads no browser of its own). Without the
# background-networking switches Chromium calls Google's hosts at start (refused here).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
POLICYKB = str(Path(sys.executable).with_name("policykb"))
CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "documents"

ADMIN = ("amina", "admin-pass-2026")
READER = ("karim", "reader-pass-2026")
LOCKOUT_USER = ("locked", "locked-pass-2026")
BRIEF_USER = ("salma", "brief-pass-2026")  # the brief tests' own reader: a brief is kept per user

# A test document, not part of the sample corpus: its text and title carry markup that must be
# shown as text. The words around it are ordinary cluster-policy wording so that questions reach it.
HOSTILE_TEXT = """Article 1
The cluster steering board of the Lebanese test programme publishes its annual activity report \
<script>window.pkbInjected = true;</script> on the ministry portal.

Article 2
The board meets four times a year <img src=x onerror="window.pkbInjected = true"> and its minutes are public.
"""
HOSTILE_META = {
    "title": "Test fixture <script>window.pkbInjected = true;</script> board rules",
    "country": "LB",
    "doc_type": "guideline",
    "lang": "en",
    "year": 2024,
    "notice": "Test fixture written for the web tests; not a real policy text.",
}
HOSTILE_QUESTION = "How does the Lebanese cluster steering board publish its annual activity report?"

# A scanned test document (image-only PDF): ingest OCRs it, and its citations must say so.
SCAN_LINES = [
    "Article 1",
    "The Jordanian test incubator council reviews the performance",
    "of its member incubators every two years.",
    "Article 2",
    "The council publishes the list of certified incubators each spring.",
]
SCAN_META = {
    "title": "Test fixture: scanned incubator council notice",
    "country": "JO",
    "doc_type": "guideline",
    "lang": "en",
    "year": 2023,
    "notice": "Test fixture written for the web tests; not a real policy text.",
}
SCAN_QUESTION = "How often does the Jordanian test incubator council review the performance of its member incubators?"


@dataclass(frozen=True)
class LiveServer:
    url: str
    store: Path
    audit_log: Path
    users: Path
    log: Path
    pid: int  # the server process, whose memory the load test reads


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/login_check", timeout=2):
                return
        except urllib.error.HTTPError as refused:
            refused.close()  # it holds the response's socket open until closed
            return  # 401 before login: the app is up and answering
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"policykb serve did not start on {url}:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.3)


@pytest.fixture(scope="session")
def hostile_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "board-rules.en.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (folder / "board-rules.en.txt.meta.json").write_text(json.dumps(HOSTILE_META), encoding="utf-8")
    image_only_pdf(folder / "incubator-council-scan.en.pdf", [SCAN_LINES], "en")
    (folder / "incubator-council-scan.en.pdf.meta.json").write_text(json.dumps(SCAN_META), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, cli_env: dict[str, str], hostile_docs: Path) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("web")
    store, users, audit, log = base / "store", base / "users.txt", base / "audit.jsonl", base / "serve.log"
    ingest = subprocess.run(
        [POLICYKB, "ingest", str(CORPUS), str(hostile_docs), "--store", str(store), "--quiet"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ingest.returncode == 0, ingest.stderr
    add_user(users, ADMIN[0], ADMIN[1], "admin")
    add_user(users, READER[0], READER[1], "reader")
    add_user(users, LOCKOUT_USER[0], LOCKOUT_USER[1], "reader")
    add_user(users, BRIEF_USER[0], BRIEF_USER[1], "reader")
    arguments = ["--store", str(store), "--users", str(users), "--audit-log", str(audit)]
    with serving_process(arguments, cli_env, log) as (url, process):
        yield LiveServer(url=url, store=store, audit_log=audit, users=users, log=log, pid=process.pid)


@contextmanager
def serving(arguments: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """Run ``policykb serve`` with ``arguments`` on a free loopback port; yield its URL; stop it."""
    with serving_process(arguments, env, log) as (url, _):
        yield url


@contextmanager
def serving_process(arguments: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Like :func:`serving`, with the server's process too."""
    port = free_port()
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [POLICYKB, "serve", "--port", str(port), *arguments], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield url, process
    finally:
        stop(process)


# --- the browser -----------------------------------------------------------------------------

TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)  # answers take tens of milliseconds, but a busy CI machine is slower


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run 'make system-deps' (installs Debian's chromium)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture()
def requested_hosts() -> list[str]:
    return []


@pytest.fixture()
def csp_violations() -> list[str]:
    return []


def signed_in_page(
    browser: Browser, server: LiveServer, user: tuple[str, str], hosts: list[str], violations: list[str] | None = None
) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    if violations is not None:  # Chromium reports what the Content-Security-Policy refused on the console
        page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    response = page.goto(server.url)
    assert response is not None and "frame-ancestors 'none'" in response.headers.get("content-security-policy", "")
    page.locator("input[data-testid=textbox]").fill(user[0])
    page.locator("input[data-testid=password]").fill(user[1])
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#pkb-question textarea")
    return page


@pytest.fixture()
def page(browser: Browser, live_server: LiveServer, requested_hosts: list[str], csp_violations: list[str]) -> Iterator[Page]:
    opened = signed_in_page(browser, live_server, READER, requested_hosts, csp_violations)
    yield opened
    opened.context.close()
    assert not csp_violations, f"the app broke its own Content-Security-Policy: {csp_violations[:3]}"
    own = urlsplit(live_server.url).netloc
    strangers = sorted({host for host in requested_hosts if host and host != own})
    assert not strangers, f"the page fetched from hosts other than the app's: {strangers}"
