"""One settings layer (issue 15): outside the settings package nothing reads the environment.

Checked on the source with the ast module (functions included), over every top-level package of
the app's Python 3.11 environment. Not checked: tests/ (they hand environments to the processes they start)
and bot/ (runs inside Rasa's own environment, which has no pydantic-settings).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every top-level package of the project but these (telephony/, analytics/ … join by themselves).
NOT_CHECKED = frozenset({"settings", "tests", "bot", "var", "cities", "requirements"})
ENVIRONMENT = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})
# Where a variable must reach a library or a child process (path → why); nothing here reads a setting.
ALLOWED = {
    "hotline/processes.py": "hands the environment (and the generated tokens) on to the processes it starts",
    "knowledge_base/encoder.py": "sets HF_HUB_OFFLINE and TOKENIZERS_PARALLELISM for sentence-transformers",
    "knowledge_base/embedding_model.py": "sets HF_HUB_OFFLINE for sentence-transformers",
    "evaluation/nlu_batch_parse.py": "runs in Rasa's environment; sets OMP_NUM_THREADS and RASA_TELEMETRY_ENABLED",
}


def _packages() -> list[Path]:
    return sorted(
        path
        for path in ROOT.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name not in NOT_CHECKED
    )


def _files() -> list[Path]:
    return sorted(path for package in _packages() for path in package.rglob("*.py") if "__pycache__" not in path.parts)


def environment_reads(tree: ast.AST) -> list[int]:
    """Lines that touch ``os.environ``, ``os.getenv`` and the like, or import them from os."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ENVIRONMENT
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            lines += [node.lineno for alias in node.names if alias.name in ENVIRONMENT]
    return sorted(lines)


def test_only_the_settings_package_reads_the_environment() -> None:
    found = []
    for path in _files():
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
        found += [f"{name}:{line}" for line in environment_reads(tree)]
    assert found == [], "read the value through settings.Settings instead: " + ", ".join(found)


def test_the_packages_exist() -> None:
    names = {path.relative_to(ROOT).parts[0] for path in _files()}
    assert {"actions", "hotline", "knowledge_base", "routing", "tickets", "webapp"} <= names


@pytest.mark.parametrize(
    "source, reads",
    [
        ("import os\nos.environ.get('HOTLINE_X')", True),
        ("import os\ndef f():\n    return os.getenv('X', '1')\n", True),
        ("import os\nvalue = os.environ['X']", True),
        ("import os\nos.environ.setdefault('X', '1')", True),
        ("from os import environ", True),
        ("from os import getenv as read", True),
        ("import os\nos.path.join('a', 'b')", False),
        ("settings.environment", False),
        ("from settings import load_settings\nload_settings().var_dir", False),
    ],
)
def test_the_check_sees_every_way_in(source: str, reads: bool) -> None:
    assert bool(environment_reads(ast.parse(source))) is reads
