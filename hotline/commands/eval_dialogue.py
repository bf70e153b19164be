"""`hotline eval dialogue`: multi-turn conversations replayed against the running assistant."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from hotline.commands.common import console, fail
from settings import PROJECT_ROOT

DEFAULT_DIR = PROJECT_ROOT / "evaluation" / "dialogues"
DOMAIN_FILE = PROJECT_ROOT / "bot" / "domain.yml"


def dialogue(
    rasa_url: str = typer.Option("http://127.0.0.1:5005", help="A running Rasa server (`make run`)"),
    conversations: Path = typer.Option(DEFAULT_DIR, help="A YAML file or a folder of them"),
    only: str | None = typer.Option(None, help="Only conversations whose id starts with this"),
    out: Path | None = typer.Option(None, help="Directory for dialogue_eval.json"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Topic kept, facet right, answer length and wrong answers over the conversations of evaluation/dialogues/."""
    import httpx

    from evaluation.dialogue_eval import load_conversations, replay, response_texts, summarize

    files = sorted(conversations.glob("*.yaml")) if conversations.is_dir() else [conversations]
    if not files or not all(path.exists() for path in files):
        fail(f"No conversations found in {conversations}")
    chosen = [c for c in load_conversations(files) if not only or c.id.startswith(only)]
    with httpx.Client(timeout=120) as client:

        def send(sender: str, text: str) -> list[dict]:
            response = client.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
            response.raise_for_status()
            return list(response.json())

        try:
            results = replay(chosen, send, response_texts(DOMAIN_FILE))
        except httpx.HTTPError as error:
            fail(f"Could not talk to Rasa at {rasa_url} ({error}); start it with `make run`.")
    report = summarize(chosen, results).to_dict()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "dialogue_eval.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{report['conversations']} conversations, {report['turns']} turns")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in (
        "follow_up_right",
        "first_turn_right",
        "topic_kept",
        "facet_right",
        "wrong_answers",
        "wrong_answer_rate",
        "answer_chars_p50",
        "answer_chars_p95",
        "answers_over_limit",
    ):
        table.add_row(key, str(report[key]))
    console.print(table)
    for failure in report["failures"]:
        console.print(
            f"[red]✗[/red] {failure['conversation']}#{failure['index']} {failure['user']} "
            f"expected {failure['expected']} got {failure['observed']}"
        )
