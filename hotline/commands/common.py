"""What every command module shares: the console and a clean failure."""
from __future__ import annotations

import typer
from rich.console import Console

console = Console()


def fail(message: str) -> None:
    """Print a red message and exit with status 1."""
    console.print(f"[red]{message}[/red]")
    raise typer.Exit(1)
