"""Saved work on the real server: per-user isolation (the attack), a restart, and a damaged file.

The attack: a signed-in user sends another user's conversation or brief-entry ids, through the same
endpoints the page uses, and asks the download route for a brief. Each must reach only the caller's
own rows (the queries name the user; an id alone is not enough).
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import BRIEF_USER, POLICYKB, READER, TIMEOUT_MS, LiveServer, serving, signed_in_page
from tests.web.test_browser import ask

COMPARATIVE = "How do Morocco and Tunisia fund cluster governance bodies?"
EGYPT = "How does the strategy support small enterprise growth in Egypt?"  # answered by the fixture documents


def _client(url: str, user: tuple[str, str] | None, folder: Path) -> Client:
    return Client(url, auth=user, verbose=False, download_files=str(folder), analytics_enabled=False)


def test_a_user_never_reaches_another_users_conversations_or_brief(
    browser: Browser,
    live_server: LiveServer,
    requested_hosts: list[str],
    tmp_path: Path,
) -> None:
    victim_page = signed_in_page(browser, live_server, BRIEF_USER, requested_hosts)
    attacker_page = signed_in_page(browser, live_server, READER, requested_hosts)
    victim, attacker = _client(live_server.url, BRIEF_USER, tmp_path), _client(live_server.url, READER, tmp_path)
    try:
        victim_page.locator("#pkb-clear").click()
        ask(victim_page, COMPARATIVE)  # the page saves the conversation after the answer
        victim_page.locator("#pkb-add").click()
        expect(victim_page.locator(".pkb-brief-item")).to_have_count(1)
        talk = victim.predict(api_name="/conversations")[0]["conversation_id"]
        entry = victim.predict(api_name="/brief_items")[0]["entry_id"]

        with pytest.raises(AppError, match="not among your saved conversations"):
            attacker.predict(talk, api_name="/conversation")
        with pytest.raises(AppError, match="not among your saved conversations"):
            attacker.predict(talk, api_name="/delete_conversation")
        assert attacker.predict(entry, api_name="/brief_remove") is False
        assert attacker.predict(entry, -1, api_name="/brief_move") is False
        assert talk not in [c["conversation_id"] for c in attacker.predict(api_name="/conversations")]
        attacker.predict(api_name="/clear_brief")  # empties the attacker's brief only
        download = attacker_page.request.get(f"{live_server.url}/brief/download/md?lang=en")
        assert download.status == 409, "the attacker's download is the attacker's (empty) brief, never the victim's"
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            urllib.request.urlopen(f"{live_server.url}/brief/download/md?lang=en")  # noqa: S310 - loopback test server
        assert anonymous.value.code == 401, "no brief without signing in"
        anonymous.value.close()  # an HTTPError holds the response's socket open until it is closed

        kept = victim.predict(talk, api_name="/conversation")
        assert kept["questions"] == [COMPARATIVE] and any(COMPARATIVE in m["content"] for m in kept["messages"])
        assert [e["entry_id"] for e in victim.predict(api_name="/brief_items")] == [entry]
        mine = victim_page.request.get(f"{live_server.url}/brief/download/md?lang=en")
        assert mine.status == 200 and COMPARATIVE in mine.text()
    finally:
        victim.close()
        attacker.close()
        victim_page.context.close()
        attacker_page.context.close()


def _titles(url: str, folder: Path) -> list[str]:
    """The saved conversations' titles, once the page has saved one (just after the answer shows)."""
    client = _client(url, None, folder)
    try:
        for _ in range(50):
            titles = [c["title"] for c in client.predict(api_name="/conversations")]
            if titles:
                return titles
            time.sleep(0.2)
        return []
    finally:
        client.close()


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory, fixture_docs: Path, cli_env: dict[str, str]) -> Path:
    store = tmp_path_factory.mktemp("saved-store") / "store"
    ingest = subprocess.run(
        [POLICYKB, "ingest", str(fixture_docs), "--store", str(store), "--quiet"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ingest.returncode == 0, ingest.stderr
    return store


def _open(browser: Browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB").new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.wait_for_selector("#pkb-question textarea")
    return page


@pytest.fixture()
def no_login(small_store: Path, cli_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    """Arguments and environment of a one-person install: no users file, the saved work in a file of the test's."""
    env = {**cli_env, "POLICYKB_SAVED": str(tmp_path / "saved.sqlite")}
    yield ["--store", str(small_store), "--audit-log", str(tmp_path / "audit.jsonl")], env


def test_without_login_the_local_users_work_survives_a_restart(
    browser: Browser,
    no_login: tuple[list[str], dict[str, str]],
    tmp_path: Path,
) -> None:
    arguments, env = no_login
    with serving(arguments, env, tmp_path / "first.log") as url:
        page = _open(browser, url)
        ask(page, EGYPT)
        expect(page.locator("#pkb-chat .pkb-answer").last).to_contain_text("Egypt")
        page.locator("#pkb-add").click()
        expect(page.locator(".pkb-brief-item")).to_have_count(1)
        assert _titles(url, tmp_path) == [EGYPT]
        page.context.close()
    assert (tmp_path / "saved.sqlite").is_file()

    with serving(arguments, env, tmp_path / "second.log") as url:
        page = _open(browser, url)
        expect(page.locator(".pkb-brief-item")).to_have_count(1)
        expect(page.locator(".pkb-brief-item").first).to_contain_text(EGYPT)
        assert _titles(url, tmp_path) == [EGYPT]
        download = page.request.get(f"{url}/brief/download/docx?lang=fr")
        assert download.status == 200 and download.headers["content-type"].startswith("application/vnd.openxmlformats")
        page.context.close()


def test_a_damaged_saved_file_is_one_line_and_questions_are_still_answered(
    browser: Browser,
    no_login: tuple[list[str], dict[str, str]],
    tmp_path: Path,
) -> None:
    arguments, env = no_login
    (tmp_path / "saved.sqlite").write_bytes(b"not a database, whatever its name says" * 100)
    with serving(arguments, env, tmp_path / "serve.log") as url:
        page = _open(browser, url)
        ask(page, EGYPT)
        expect(page.locator("#pkb-chat .pkb-answer").last).to_contain_text("Egypt")
        page.locator("#pkb-add").click()
        expect(page.get_by_text("Saving is unavailable on this server right now").first).to_be_visible()
        page.context.close()
    log = (tmp_path / "serve.log").read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if "saved.sqlite" in line]
    assert lines and all(line.startswith("policykb: ") and "move the file aside" in line for line in lines), log[-2000:]
    assert "Traceback" not in log
