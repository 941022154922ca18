"""The documentation stays true: its command examples run, its options exist, its site builds.

Every `policykb` example in README.md and docs/ (lines of ```sh and ```bash blocks, `$ policykb` lines of
transcripts, and inline code such as `policykb check --repair`) names a real command, and every option
it shows is in that command's --help. The examples of a block run for real against a small store,
unless a `<!-- not-run: reason -->` line stands just before the block: then only their options are
checked. A block that is not run says why in the docs, so nothing is skipped silently.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
POLICYKB = str(Path(sys.executable).with_name("policykb"))
NOT_RUN = re.compile(r"^<!-- not-run: (.+?) -->$")
FENCE = re.compile(r"^```(\w*)")
INLINE = re.compile(r"`((?:\.venv/bin/)?policykb [^`]+)`")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


@dataclass(frozen=True)
class Example:
    """One documented command line, where it stands, and why it is not run (None: it runs)."""

    text: str
    where: str
    not_run: str | None


def _tokens(text: str) -> list[str]:
    try:
        tokens = shlex.split(text, comments=True)
    except ValueError:  # an inline span with a lone quote: its words are enough to name the command
        tokens = text.split()
    while tokens and re.match(r"^[A-Z_]+=", tokens[0]):  # VAR=value before the command
        tokens.pop(0)
    return tokens


def _collect(path: Path) -> list[Example]:
    found: list[Example] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    name = path.relative_to(ROOT).as_posix()
    fence: str | None = None
    reason: str | None = None
    for number, line in enumerate(lines, start=1):
        where = f"{name}:{number}"
        marker = NOT_RUN.match(line.strip())
        opening = FENCE.match(line)
        if marker:
            following = lines[number] if number < len(lines) else ""
            assert FENCE.match(following), f"{where}: a not-run note must stand just before the block it marks"
            reason = marker.group(1)
        elif opening and fence is None:
            fence, block_reason, reason = opening.group(1), reason, None
        elif opening:
            fence = None
        elif fence in ("sh", "bash"):
            if line.strip() and not line.lstrip().startswith("#"):
                found.append(Example(line.strip(), where, block_reason))
        elif fence is not None:
            if line.startswith("$ policykb "):  # a transcript: the command, then what it printed
                assert block_reason, f"{where}: a transcript is never run; put a not-run note before its block"
                found.append(Example(line[2:], where, block_reason))
        else:
            found += [Example(span, where, "inline code") for span in INLINE.findall(line)]
    return found


EXAMPLES = [example for path in DOCS for example in _collect(path)]
POLICYKB_EXAMPLES = [e for e in EXAMPLES if _tokens(e.text)[:1] in (["policykb"], [".venv/bin/policykb"])]
RUN = [e for e in POLICYKB_EXAMPLES if e.not_run is None]


def _command(example: Example) -> tuple[str, ...] | None:
    """The command (and sub-command) an example names: ('search',), ('user', 'add'); () for a
    placeholder (`policykb COMMAND --help`), None when it names none."""
    words = _tokens(example.text)[1:3]
    if words[:1] and re.fullmatch(r"[A-Z]+", words[0]):
        return ()
    words = [w for w in words if re.fullmatch(r"[a-z]+", w)]
    if not words:
        return None
    return tuple(words[:2]) if words[0] == "user" else tuple(words[:1])


@cache
def _help(command: tuple[str, ...]) -> str:
    result = subprocess.run([POLICYKB, *command, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"policykb {' '.join(command)} --help failed: {result.stderr.strip()}"
    return result.stdout


def test_examples_were_found() -> None:
    assert len(RUN) >= 10 and len(POLICYKB_EXAMPLES) >= 50, "the collector finds the documented examples"


def test_every_command_is_in_the_readme() -> None:
    listed = re.search(r"\{([a-z,]+)\}", _help(()))
    assert listed, "policykb --help lists its commands as {a,b,...}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in listed.group(1).split(","):
        assert f"policykb {command} " in readme, f"README.md's command line at a glance lacks `policykb {command}`"


@pytest.mark.parametrize("example", POLICYKB_EXAMPLES, ids=lambda e: e.where)
def test_documented_command_and_options_exist(example: Example) -> None:
    command = _command(example)
    assert command is not None, f"{example.where}: `{example.text}` names no command"
    text = _help(command)
    for option in OPTION.findall(example.text):
        assert re.search(rf"(?<![\w-]){option}(?![\w-])", text), (
            f"{example.where}: policykb {' '.join(command)} has no {option} (`{example.text}`)"
        )


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.not_run is None], ids=lambda e: e.where)
def test_runnable_blocks_hold_only_policykb_commands(example: Example) -> None:
    assert example in RUN, f"{example.where}: `{example.text}` cannot run here; put a not-run note before its block"


def test_make_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))
    for example in EXAMPLES:
        tokens = _tokens(example.text)
        if tokens[:1] == ["make"]:
            named = [t for t in tokens[1:] if "=" not in t]
            assert set(named) <= targets, f"{example.where}: the Makefile has no target {named}"


@pytest.fixture(scope="module")
def docs_store(tmp_path_factory: pytest.TempPathFactory, fixture_docs: Path, cli_env: dict[str, str]) -> str:
    """The fixture documents, ingested by the real command: the store the runnable examples read."""
    store = str(tmp_path_factory.mktemp("docs") / "store")
    result = subprocess.run(
        [POLICYKB, "ingest", str(fixture_docs), "--store", store, "--quiet"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return store


@pytest.mark.parametrize("example", RUN, ids=lambda e: e.where)
def test_documented_example_runs(example: Example, docs_store: str, cli_env: dict[str, str]) -> None:
    tokens = _tokens(example.text)
    result = subprocess.run(
        [POLICYKB, *tokens[1:]],
        env={**cli_env, "POLICYKB_STORE": docs_store},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{example.where}: `{example.text}` exited {result.returncode}: {result.stderr.strip()}"
    assert result.stdout.strip(), f"{example.where}: `{example.text}` printed nothing"


def test_the_site_builds_strict(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed: pip install -e '.[docs]' (make test installs it)")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    assert (tmp_path / "site" / "index.html").is_file()


def test_every_setting_read_from_the_environment_is_documented() -> None:
    from policykb.settings import ENV_KEYS, FOREIGN_ENV_KEYS

    page = (ROOT / "docs" / "operators" / "configuration.md").read_text(encoding="utf-8")
    missing = [key for key in [*ENV_KEYS, *FOREIGN_ENV_KEYS] if f"`{key}`" not in page]
    assert not missing, f"docs/operators/configuration.md does not document {missing}"
