"""`hotline tickets …`: work orders."""
from __future__ import annotations

import json
from dataclasses import asdict

import typer

from hotline.commands.common import console, fail
from hotline.settings import load_settings

app = typer.Typer(help="Work orders", no_args_is_help=True)


def _open_store():  # -> TicketStore (imports kept lazy: `hotline --help` stays fast)
    from routing.directory import CityDirectory
    from tickets.store import TicketStore

    settings = load_settings()
    return TicketStore(settings.database_url, prefix=CityDirectory.load(settings.city_dir).ticket_prefix)


@app.command("show")
def tickets_show(
    number: str = typer.Argument(..., help="Work-order number, e.g. JZ20261122-0001"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Show a work order and its events."""
    store = _open_store()
    order = store.get(number)
    if order is None:
        if as_json:
            typer.echo(json.dumps({"error": "not_found", "number": number}, ensure_ascii=False))
            raise typer.Exit(1)
        fail(f"No work order {number}")
    events = store.events(order.number)
    if as_json:
        doc = {**asdict(order), "events": [asdict(e) for e in events]}
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return
    console.print(f"[bold]{order.number}[/bold] {order.status} → {order.department}")
    console.print(f"{order.kind}: {order.description}")
    console.print(f"地点: {order.district} {order.address}")
    for event in events:
        console.print(f"  {event.at} {event.actor} {event.action} {event.to_status or ''} {event.note or ''}")
    if order.due_at is not None:
        console.print(f"办理时限: {order.due_at:%Y-%m-%d %H:%M}（{order.urgency}）")


@app.command("sweep")
def tickets_sweep(as_json: bool = typer.Option(False, "--json", help="Print one JSON document")) -> None:
    """Mark open work orders past their deadline 督办 and list every overdue one."""
    from tickets.sweep import sweep_overdue

    result = sweep_overdue(_open_store())
    newly = {order.number for order in result.supervised}
    if as_json:
        doc = {
            "supervised": sorted(newly),
            "overdue": [
                {**asdict(order), "newly_supervised": order.number in newly} for order in result.overdue
            ],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return
    console.print(f"超时未答复 {len(result.overdue)} 件，本次新督办 {len(newly)} 件")
    for order in result.overdue:
        mark = "[red]新督办[/red]" if order.number in newly else "已督办"
        due = f"{order.due_at:%Y-%m-%d %H:%M}" if order.due_at else "-"
        console.print(f"  {order.number} {order.status} {order.department or '未派单'} 时限 {due} {mark}")


@app.command("token")
def tickets_token(
    name: str = typer.Argument(..., help="Department name (as in departments.yaml, aliases accepted) or agent name"),
    agent: bool = typer.Option(False, "--agent", help="An agent (坐席) token instead of a department token"),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke this name's tokens (environment ones too) instead of issuing one"),
    days: int = typer.Option(90, "--days", min=1, help="Days until the new token expires"),
) -> None:
    """Issue an API token (printed once; only its SHA-256 hash is written to var/), or revoke a name's tokens."""
    from datetime import timedelta

    from routing.directory import CityDirectory
    from tickets.tokens import (
        Principal, TokenConfigError, environment_hashes, issue_token, local_tokens_file, now_utc, revoke_tokens,
    )

    settings = load_settings()
    kind = "agent" if agent else "department"
    if not agent:
        department = CityDirectory.load(settings.city_dir).department(name)
        if department is None:
            fail(f"Unknown department {name!r}: not in {settings.city_dir / 'departments.yaml'}")
        name = department.name
    path = local_tokens_file(settings.var_dir)
    if revoke:
        try:
            known = environment_hashes(Principal(kind, name))
        except TokenConfigError as error:  # a broken variable must not block a revocation
            console.print(str(error), style="yellow", markup=False, highlight=False)
            known = []
        count = revoke_tokens(path, name, kind, known_hashes=known)
        console.print(
            f"Revoked {count} token(s) of {name} in {path}; every token of {name} issued until now "
            f"(including {len(known)} from the environment) is refused.", highlight=False,
        )
        return
    now = now_utc()
    token = issue_token(path, name, kind, now=now, days=days)
    expires = now + timedelta(days=days)
    console.print(
        f"Token for {kind} {name}, expires {expires:%Y-%m-%d %H:%M} UTC (shown once; its hash is in {path}):",
        highlight=False,
    )
    typer.echo(token)


@app.command("migrate")
def tickets_migrate() -> None:
    """Bring the work-order database to the newest schema (alembic upgrade head)."""
    from tickets.migrate import current_revision

    store = _open_store()  # opening migrates
    with store.engine.connect() as connection:
        console.print(f"Work-order database at revision {current_revision(connection)}")
