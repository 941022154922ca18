"""`policykb serve --chroma-url`: the same app over a real Chroma server on loopback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gradio_client import Client

from tests.chroma_server import chroma_server
from tests.web.conftest import POLICYKB, serving


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
