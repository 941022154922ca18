"""The policykb command as users run it: output shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

POLICYKB = str(Path(sys.executable).with_name("policykb"))


def run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([POLICYKB, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory, fixture_docs: Path, cli_env: dict[str, str]) -> str:
    store = str(tmp_path_factory.mktemp("cli") / "store")
    result = run(["ingest", str(fixture_docs), "--store", store], cli_env)
    assert result.returncode == 0, result.stderr
    assert "6 added, 0 updated, 0 unchanged, 0 pruned, 0 failed;" in result.stdout
    assert "ingest:" not in result.stderr, "no progress bar when stderr is not a terminal"
    manifest = Path(store) / "policykb_lexical" / "manifest.json"
    assert manifest.is_file(), "ingest leaves the derived lexical index in step with the store"
    return store


def test_search_json_has_the_documented_fields(cli_store: str, cli_env: dict[str, str]) -> None:
    result = run(["search", "customs exemptions in technology parks", "--store", cli_store, "--json", "--k", "3"], cli_env)
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    keys = ("rank", "score", "doc_id", "title", "country", "lang", "doc_type", "year", "page", "article", "text", "source")
    for key in (*keys, "translations"):
        assert key in hits[0], f"--json lacks {key}"
    assert hits[0]["doc_id"] == "eg/parcs-tech.ar.pdf" and hits[0]["page"] == 2 and hits[0]["article"] == "المادة 3"


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_search_modes(cli_store: str, cli_env: dict[str, str], mode: str) -> None:
    result = run(["search", "cotisations des entreprises membres", "--store", cli_store, "--mode", mode, "--json"], cli_env)
    assert result.returncode == 0, result.stderr
    ranked = [hit["doc_id"] for hit in json.loads(result.stdout)]
    # The exact French words decide for BM25 (and so for the hybrid); the embedding alone ranks
    # the Tunisian guide's passages on membership above them, so it only has to find the law.
    expected_within = 1 if mode != "dense" else 10
    assert "ma/loi-poles.fr.pdf" in ranked[:expected_within], f"fr, {mode}: the law on poles answers ({ranked})"


def test_search_filters_and_text_output(cli_store: str, cli_env: dict[str, str]) -> None:
    result = run(
        ["search", "start-up", "--store", cli_store, "--country", "tn", "--lang", "ar", "--type", "law", "--k", "2"], cli_env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1. [")
    assert "(TN · ar · law · 2018)" in result.stdout and "tn/startups-gazette.ar.pdf" in result.stdout


def test_stats_json(cli_store: str, cli_env: dict[str, str]) -> None:
    result = run(["stats", "--store", cli_store, "--json"], cli_env)
    stats = json.loads(result.stdout)
    assert stats["documents"] == 6 and stats["chunks"] > 6
    assert stats["by_country"] == {"EG": 2, "MA": 2, "TN": 2}
    assert stats["by_lang"] == {"ar": 2, "en": 2, "fr": 2}
    assert set(stats["by_type"]) == {"law", "decree", "strategy", "guideline", "report"}


def test_store_from_environment(cli_store: str, cli_env: dict[str, str]) -> None:
    result = run(["stats", "--json"], {**cli_env, "POLICYKB_STORE": cli_store})
    assert json.loads(result.stdout)["documents"] == 6


def test_failed_files_exit_1_with_one_line_each(tmp_path: Path, realpdfs: Path, cli_env: dict[str, str]) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.md").write_text("# Note\n\nThe investment authority runs a one-stop shop for foreign investors.\n")
    (docs / "locked.pdf").write_bytes((realpdfs / "bad_libreoffice_password.pdf").read_bytes())
    (docs / "bad.md").write_text("---\ncountry: Morocco\n---\n# Bad\n\nText.\n")
    result = run(["ingest", str(docs), "--store", str(tmp_path / "store")], cli_env)
    assert result.returncode == 1
    errors = result.stderr.strip().split("\n")
    assert len(errors) == 2
    assert any(
        line.startswith("policykb: ") and "locked.pdf: PDF is protected by a password; supply a copy" in line for line in errors
    )
    assert any("bad.md: field 'country' is 'MOROCCO'; use an ISO 3166 alpha-2 code" in line for line in errors)
    assert "1 added" in result.stdout


@pytest.mark.parametrize(
    ("args", "env_extra", "message"),
    [
        (["search"], {}, "the following arguments are required: query"),
        (["search", "x", "--k", "0"], {}, "--k must be at least 1"),
        (["frobnicate"], {}, "invalid choice"),
        (["stats"], {"POLICYKB_STOER": "x"}, "unknown environment variable POLICYKB_STOER"),
        (["stats"], {"POLICYKB_PARSE_TIMEOUT": "soon"}, "POLICYKB_PARSE_TIMEOUT='soon' is not a number"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], env_extra: dict[str, str], message: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    result = run([*args, *(["--store", str(tmp_path / "s")] if args[0] in {"search", "stats"} else [])], {**cli_env, **env_extra})
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().split("\n")) == 1


def test_unreachable_server_exits_1_with_one_line(cli_env: dict[str, str]) -> None:
    from tests.chroma_server import free_port

    result = run(["stats", "--chroma-url", f"http://127.0.0.1:{free_port()}"], cli_env)
    assert result.returncode == 1
    assert "cannot reach the Chroma server" in result.stderr and len(result.stderr.strip().split("\n")) == 1


def test_help_carries_examples(cli_env: dict[str, str]) -> None:
    result = run(["search", "--help"], cli_env)
    assert result.returncode == 0 and "examples:" in result.stdout and "--country TN" in result.stdout


def test_progress_bar_on_a_terminal_and_not_with_quiet(fixture_docs: Path, tmp_path: Path, cli_env: dict[str, str]) -> None:
    import pty

    def on_terminal(args: list[str]) -> str:
        pid, fd = pty.fork()
        if pid == 0:  # child: stdout and stderr are the terminal
            os.execve(POLICYKB, [POLICYKB, *args], cli_env)
        chunks = []
        while True:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        os.waitpid(pid, 0)
        return b"".join(chunks).decode(errors="replace")

    shown = on_terminal(["ingest", str(fixture_docs / "ma"), "--store", str(tmp_path / "a")])
    assert "ingest: 100%" in shown and "2 added" in shown
    quiet = on_terminal(["ingest", str(fixture_docs / "ma"), "--store", str(tmp_path / "b"), "--quiet"])
    assert "ingest:" not in quiet and "2 added" in quiet


def test_ask_prints_a_cited_answer_and_the_documented_json(cli_store: str, cli_env: dict[str, str]) -> None:
    question = "Comment le budget de la structure de gouvernance des pôles est-il financé au Maroc ?"
    result = run(["ask", question, "--store", cli_store, "--json"], cli_env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["language"] == "fr" and data["countries"] == ["MA"] and data["coverage"] == {"MA": "evidence"}
    assert not data["abstained"]
    first = data["citations"][0]
    assert first["doc_id"] == "ma/loi-poles.fr.pdf" and first["article"] == "Article 3" and first["page"] == 2
    assert first["quote"] in " ".join(first["passage"].split())
    text = run(["ask", question, "--store", cli_store], cli_env)
    assert text.returncode == 0 and text.stdout.startswith("## Réponse") and "ma/loi-poles.fr.pdf" in text.stdout


def test_ask_follow_up_and_abstention(cli_store: str, cli_env: dict[str, str]) -> None:
    result = run(
        [
            "ask",
            "and Egypt?",
            "--after",
            "Which customs exemptions apply in technology parks in Tunisia?",
            "--store",
            cli_store,
            "--json",
        ],
        cli_env,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["countries"] == ["EG"]
    off_topic = run(
        ["ask", "What is the recipe for Moroccan couscous with seven vegetables?", "--store", cli_store, "--json"], cli_env
    )
    assert json.loads(off_topic.stdout)["abstained"] is True


def test_ask_rejects_an_empty_question(cli_store: str, cli_env: dict[str, str]) -> None:
    result = run(["ask", "  ", "--store", cli_store], cli_env)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "empty" in result.stderr


def test_user_add_writes_a_hashed_password_and_refuses_a_short_one(tmp_path: Path, cli_env: dict[str, str]) -> None:
    users = tmp_path / "users.txt"
    added = subprocess.run(
        [POLICYKB, "user", "add", "amina", "--users", str(users), "--admin", "--password-stdin"],
        input="a-long-enough-password\n",
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    line = users.read_text(encoding="utf-8").strip()
    assert line.startswith("amina:admin:scrypt$") and "a-long-enough-password" not in line
    short = subprocess.run(
        [POLICYKB, "user", "add", "karim", "--users", str(users), "--password-stdin"],
        input="short\n",
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 1 and short.stderr.startswith("policykb: ") and len(short.stderr.strip().splitlines()) == 1
    assert "karim" not in users.read_text(encoding="utf-8")


def test_serve_refuses_a_bad_port_and_a_missing_users_file(tmp_path: Path, cli_env: dict[str, str]) -> None:
    bad_port = run(["serve", "--port", "70000", "--store", str(tmp_path / "store")], cli_env)
    assert bad_port.returncode == 2 and "--port 70000" in bad_port.stderr
    missing = run(["serve", "--users", str(tmp_path / "nobody.txt"), "--store", str(tmp_path / "store")], cli_env)
    assert missing.returncode == 1 and "nobody.txt" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
