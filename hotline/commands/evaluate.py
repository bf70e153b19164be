"""`hotline eval …`: evaluations on public datasets, each with --json."""

from __future__ import annotations

import typer

from hotline.commands import eval_dialogue, eval_kb, eval_nlu, routing

app = typer.Typer(help="Evaluations (datasets are read from a path, e.g. ../shared/datasets/)", no_args_is_help=True)
app.command("routing")(routing.eval_routing)
app.command("retrieval")(eval_kb.retrieval)
app.command("ood")(eval_kb.ood)
app.command("intents")(eval_nlu.intents)
app.command("scope-gate")(eval_nlu.scope_gate_cv)
app.command("reference")(eval_nlu.reference)
app.command("dialogue")(eval_dialogue.dialogue)
