"""`hotline eval …`: evaluations on public datasets, each with --json."""
from __future__ import annotations

import typer

from hotline.commands import routing

app = typer.Typer(help="Evaluations (datasets are read from a path, e.g. ../shared/datasets/)", no_args_is_help=True)
app.command("routing")(routing.eval_routing)
