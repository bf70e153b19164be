"""What every command module shares: the console, a clean failure and the input-file check."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def fail(message: str) -> None:
    """Print a red message and exit with status 1."""
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)


def require_file(path: Path, what: str) -> None:
    """Fail clearly when an input file is missing (the public datasets live beside the project)."""
    if not path.exists():
        fail(f"{what} not found: {path} (the public datasets live in ../shared/datasets/)")
