"""The stages import downwards only: ingest → kb → assistant → eval → policykb (CONTRIBUTING.md).

Every import of every module is read from its syntax tree, imports inside functions too (they are
how a stage would reach upward lazily), so an arrow that runs back up fails here, naming the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("ingest", "kb", "assistant", "eval", "policykb")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_no_stage_imports_a_later_one() -> None:
    upward = []
    for rank, layer in enumerate(LAYERS):
        for path in sorted((REPO / layer).rglob("*.py")):
            for line, module in _imports(path):
                top = module.split(".")[0]
                if top in LAYERS and LAYERS.index(top) > rank:
                    upward.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    assert not upward, "imports that run back up:\n" + "\n".join(upward)


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from policykb.settings import load_settings\n    return load_settings\n", encoding="utf-8")
    assert _imports(module) == [(2, "policykb.settings")]
