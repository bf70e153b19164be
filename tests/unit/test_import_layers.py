"""Import layers (issue 15): the domain packages import neither Rasa, a web framework, the CLI
framework, the hotline package nor the settings. Configuration reaches them as arguments from the
composition roots (actions/services.py, webapp/deps.py, hotline/commands/*).

Checked on the source with the ast module, so imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# telephony/ and analytics/ join when they exist.
DOMAIN_PACKAGES = ("knowledge_base", "routing", "tickets", "telephony", "analytics")
FORBIDDEN = ("rasa_sdk", "rasa", "fastapi", "starlette", "typer", "hotline", "settings", "pydantic_settings")


def _domain_files() -> list[Path]:
    return sorted(
        path
        for package in DOMAIN_PACKAGES
        if (ROOT / package).is_dir()
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import anywhere in the module, functions included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _forbidden(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in FORBIDDEN else None


def violations(files: list[Path]) -> list[str]:
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            if _forbidden(module):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_the_domain_packages_exist() -> None:
    files = _domain_files()
    for package in ("knowledge_base", "routing", "tickets"):
        assert any(path.relative_to(ROOT).parts[0] == package for path in files), package


def test_domain_packages_import_no_framework_nor_the_hotline_package_nor_the_settings() -> None:
    assert violations(_domain_files()) == []


@pytest.mark.parametrize(
    "source, bad",
    [
        ("import rasa_sdk", True),
        ("from rasa.core import agent", True),
        ("import fastapi.responses", True),
        ("from starlette.requests import Request", True),
        ("def main():\n    import typer\n", True),
        ("def f():\n    from settings import load_settings\n", True),
        ("import importlib\nimportlib.import_module('hotline.settings')", True),
        ("from settings import Settings", True),
        ("import settings.model", True),
        ("import hotlinex", False),
        ("from tickets.store import TicketStore", False),
        ("from . import store", False),
        ("import rasa_like", False),
    ],
)
def test_the_check_sees_imports_anywhere(source: str, bad: bool) -> None:
    found = [module for _, module in _imported_modules(ast.parse(source)) if _forbidden(module)]
    assert bool(found) is bad, (source, found)
