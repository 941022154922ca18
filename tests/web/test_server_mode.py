"""`policykb serve --chroma-url`: the same app over a real Chroma server on loopback.

Several app processes serve one Chroma server, and a document added through one is found by the
others; a server that dies mid-session is a message in the app, which recovers once it is back.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import pytest
from chromadb.config import Settings
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.chroma_server import chroma_server, chroma_server_process, stop
from tests.tls_proxy import tls_token_proxy
from tests.web.conftest import POLICYKB, serving


def _ingest(paths: list[Path], chroma_url: str, env: dict[str, str]) -> None:
    ingest = subprocess.run(
        [POLICYKB, "ingest", *map(str, paths), "--chroma-url", chroma_url, "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ingest.returncode == 0, ingest.stderr


def _client(url: str, downloads: Path) -> Client:
    return Client(url, verbose=False, download_files=str(downloads), analytics_enabled=False)


def _ask(url: str, downloads: Path, question: str, countries: list[str]) -> dict[str, Any]:
    client = _client(url, downloads)
    try:
        result: dict[str, Any] = client.predict(question, countries, api_name="/ask")
        return result
    finally:
        client.close()


def test_serve_answers_from_a_chroma_server(tmp_path: Path, fixture_docs: Path, cli_env: dict[str, str]) -> None:
    with chroma_server(tmp_path / "chroma") as chroma_url:
        ingest = subprocess.run(
            [POLICYKB, "ingest", str(fixture_docs), "--chroma-url", chroma_url, "--quiet"],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert ingest.returncode == 0, ingest.stderr
        with serving(["--chroma-url", chroma_url], cli_env, tmp_path / "serve.log") as url:
            client = Client(url, verbose=False, download_files=str(tmp_path), analytics_enabled=False)
            try:
                question = "How does the strategy support small enterprise growth in Egypt?"
                result = client.predict(question, ["EG"], api_name="/ask")
            finally:
                client.close()
    assert result["citations"], "the app answers from the documents held by the Chroma server"
    assert {citation["country"] for citation in result["citations"]} == {"EG"}


UPLOADED = """# Observatoire des coopératives (document de test)

Article 1
L'observatoire tunisien des coopératives de pêche artisanale publie chaque trimestre un bulletin des débarquements.
"""
UPLOADED_QUESTION = "bulletin trimestriel des débarquements de la pêche artisanale"


def test_a_document_added_through_one_app_process_is_found_by_another(
    tmp_path: Path, fixture_docs: Path, cli_env: dict[str, str]
) -> None:
    with chroma_server(tmp_path / "chroma") as chroma_url:
        _ingest([fixture_docs / "ma"], chroma_url, cli_env)
        server = ["--chroma-url", chroma_url, "--allow-anonymous-upload"]
        with serving(server, cli_env, tmp_path / "a.log") as first, serving(server, cli_env, tmp_path / "b.log") as second:
            before = _ask(second, tmp_path, UPLOADED_QUESTION, ["TN"])  # the second process builds its view first
            assert not any(c["doc_id"].endswith("observatoire.fr.md") for c in before["citations"])
            note = tmp_path / "observatoire.fr.md"
            note.write_text(UPLOADED, encoding="utf-8")
            uploader = _client(first, tmp_path)
            try:
                summary = uploader.predict([handle_file(str(note))], "TN", "report", 2025, "", api_name="/upload")
            finally:
                uploader.close()
            assert "observatoire.fr.md" in str(summary), summary
            deadline = time.monotonic() + 30
            while True:  # the other process notices the commit within its freshness interval (2 s)
                after = _ask(second, tmp_path, UPLOADED_QUESTION, ["TN"])
                if any(c["doc_id"].endswith("observatoire.fr.md") for c in after["citations"]) or time.monotonic() > deadline:
                    break
                time.sleep(1)
    assert any(c["doc_id"].endswith("observatoire.fr.md") for c in after["citations"]), after


def test_the_app_reports_a_dead_chroma_server_and_recovers_when_it_is_back(
    tmp_path: Path, fixture_docs: Path, cli_env: dict[str, str]
) -> None:
    data = tmp_path / "chroma"
    question = "cotisations des entreprises membres"
    with chroma_server_process(data) as (chroma_url, process):
        _ingest([fixture_docs / "ma"], chroma_url, cli_env)
        port = urlparse(chroma_url).port
        env = {**cli_env, "POLICYKB_CHROMA_TIMEOUT": "5"}
        with serving(["--chroma-url", chroma_url], env, tmp_path / "serve.log") as url:
            assert _ask(url, tmp_path, question, ["MA"])["citations"]
            stop(process)  # the Chroma server dies mid-session
            started = time.monotonic()
            with pytest.raises(AppError, match="cannot be reached right now; try again in a moment.*is not answering"):
                _ask(url, tmp_path, question, ["MA"])
            assert time.monotonic() - started < 30, "retries are bounded"
            with chroma_server_process(data, port=port):  # back where it was, with its data
                answer = _ask(url, tmp_path, question, ["MA"])
    assert answer["citations"], "the same app process answers again, without a restart"
    assert "is not answering" in (tmp_path / "serve.log").read_text(), "the administrator sees why in the server log"


@pytest.mark.server
def test_serve_reaches_a_chroma_database_behind_tls_and_a_token(
    tmp_path: Path, fixture_docs: Path, cli_env: dict[str, str]
) -> None:
    token = secrets.token_urlsafe(24)
    with (
        chroma_server(tmp_path / "chroma") as chroma_url,
        tls_token_proxy(chroma_url, tmp_path, "X-Chroma-Token", token) as (url, ca, refused),
    ):
        direct = urlparse(chroma_url)
        admin = chromadb.AdminClient(
            Settings(chroma_api_impl="chromadb.api.fastapi.FastAPI", chroma_server_host=direct.hostname,
                     chroma_server_http_port=direct.port, anonymized_telemetry=False)
        )  # fmt: skip
        admin.create_database("policykb_test")
        env = {
            **cli_env,
            "POLICYKB_CHROMA_TOKEN": token,
            "POLICYKB_CHROMA_AUTH_HEADER": "X-Chroma-Token",
            "POLICYKB_CHROMA_CA": str(ca),
            "POLICYKB_CHROMA_DATABASE": "policykb_test",
        }
        without = {k: v for k, v in env.items() if k != "POLICYKB_CHROMA_TOKEN"}
        ingest = [POLICYKB, "ingest", str(fixture_docs / "ma"), "--chroma-url", url, "--quiet"]
        refused_run = subprocess.run(ingest, env=without, capture_output=True, text=True, timeout=600)
        assert refused_run.returncode != 0 and "refused the request (401)" in refused_run.stderr, refused_run.stderr
        assert refused, "the proxy saw the request without a token"
        done = subprocess.run(ingest, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert token not in done.stdout + done.stderr
        with serving(["--chroma-url", url], env, tmp_path / "serve.log") as app:
            answer = _ask(app, tmp_path, "cotisations des entreprises membres", ["MA"])
        default = chromadb.HttpClient(str(direct.hostname), direct.port or 8000, settings=Settings(anonymized_telemetry=False))
        assert not default.list_collections(), "the documents went to the named database only"
    assert answer["citations"] and {c["country"] for c in answer["citations"]} == {"MA"}
    assert token not in (tmp_path / "serve.log").read_text(), "the token is never logged"
