"""Configuration enters through one door: no library module reads or writes ``os.environ``.

Every setting is a field of the typed settings (policykb.settings), read from the environment by
its loader and passed down. The few modules allowed to touch the process environment are listed
below, each with its reason; any other use of ``os.environ``, ``os.getenv`` or ``os.putenv``
(or ``from os import environ``) fails here, naming the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "kb", "assistant", "eval", "corpus", "policykb")

NAMES = ("environ", "environb", "getenv", "putenv", "unsetenv")
ALLOWED = {
    "policykb/settings.py": "the settings loader: the one place the environment is read",
    "policykb/cli.py": "the entry's process switch (OMP_WAIT_POLICY), set before the model's library loads",
    "policykb/commands/serve.py": "Gradio takes its temporary folder only from GRADIO_TEMP_DIR, set before it loads",
    "kb/offline.py": "the offline switch, set at every entry before Chroma, Gradio or huggingface_hub load",
    "ingest/ocr.py": "the environment pdftoppm and Tesseract run with (ours, plus their own variables)",
    "eval/loadtest.py": "the environment of the policykb server the load test starts",
}
# Prefixes: eval's benchmark children set up their own process environment (eval/bench.py or a package).
ALLOWED_PREFIXES = {"eval/bench": "a benchmark child's process environment, set before the model loads"}


def environ_uses(path: Path) -> list[int]:
    """Lines of ``path`` that touch the process environment."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return sorted(node.lineno for node in ast.walk(tree) if isinstance(node, ast.expr | ast.stmt) and _touches(node))


def _touches(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "os" and node.attr in NAMES
    return isinstance(node, ast.ImportFrom) and node.module == "os" and any(alias.name in NAMES for alias in node.names)


def _allowed(relative: str) -> bool:
    return relative in ALLOWED or any(relative.startswith(prefix) for prefix in ALLOWED_PREFIXES)


def test_only_the_settings_loader_and_the_entry_touch_the_environment() -> None:
    found = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if not _allowed(relative):
                found += [f"{relative}:{line}" for line in environ_uses(path)]
    assert not found, "os.environ outside the settings loader (make it a settings field):\n" + "\n".join(found)


def test_the_allowed_modules_exist() -> None:
    """An allow-list entry whose module is gone or no longer needs it is removed, not left to widen the door."""
    for relative in ALLOWED:
        assert environ_uses(REPO / relative), f"{relative} no longer touches the environment: drop it from ALLOWED"


def test_the_check_sees_each_form(tmp_path: Path) -> None:
    module = tmp_path / "reads.py"
    module.write_text(
        "import os\nfrom os import environ\n\ndef f():\n    return os.environ.get('X'), os.getenv('Y'), environ\n",
        encoding="utf-8",
    )
    assert environ_uses(module) == [2, 5, 5]
