"""`hotline`: the command-line tool for setup, the knowledge base, work orders and running."""

from __future__ import annotations

import os

import typer

from hotline.commands import bench, evaluate, kb, model, routing, run, tickets, voice
from hotline.commands.common import fail
from settings import SettingsError, load_settings

# Everything a command writes under var/ (databases, reports, tokens, logs) is its owner's alone.
os.umask(0o077)
app = typer.Typer(help="12345 hotline assistant", no_args_is_help=True)


@app.callback()
def check_settings() -> None:
    """Refuse to start with a bad HOTLINE_* variable, naming it (before any command runs)."""
    try:
        load_settings()
    except SettingsError as error:
        fail(str(error))


app.add_typer(model.app, name="model")
app.add_typer(kb.app, name="kb")
app.add_typer(tickets.app, name="tickets")
app.add_typer(routing.app, name="routing")
app.add_typer(evaluate.app, name="eval")
app.add_typer(bench.app, name="bench")
app.command("run")(run.run)
app.command("call")(voice.call)
bench.app.command("voice")(voice.bench_voice)
tickets.app.command("import-history")(routing.import_history)

if __name__ == "__main__":
    app()
