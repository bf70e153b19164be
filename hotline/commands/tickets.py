"""`hotline tickets …`: work orders."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from hotline.commands.common import console, fail
from settings import load_settings

if TYPE_CHECKING:
    from tickets.store import TicketStore

app = typer.Typer(help="Work orders", no_args_is_help=True)


def _open_store() -> TicketStore:  # imports kept lazy: `hotline --help` stays fast
    from routing.directory import CityDirectory
    from tickets.store import TicketStore
    from tickets.time_limits import TimeLimits

    settings = load_settings()
    return TicketStore(
        settings.database_url,
        prefix=CityDirectory.load(settings.city_dir).ticket_prefix,
        time_limits=TimeLimits.for_city(settings.city_dir),
    )


@app.command("show")
def tickets_show(
    number: str = typer.Argument(..., help="Work-order number (JZ20261122-0001) or public reference"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Show a work order and its events (the read is recorded in the access log)."""
    store = _open_store()
    order = store.find_by_reference(number)
    if order is None:
        if as_json:
            typer.echo(json.dumps({"error": "not_found", "number": number}, ensure_ascii=False))
            raise typer.Exit(1)
        fail(f"No work order {number}")
    import getpass

    store.record_access(f"cli:{getpass.getuser()}", order.number, "命令行查看工单（hotline tickets show）")
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
            "overdue": [{**asdict(order), "newly_supervised": order.number in newly} for order in result.overdue],
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
    revoke: bool = typer.Option(
        False, "--revoke", help="Revoke this name's tokens (environment ones too) instead of issuing one"
    ),
    days: int = typer.Option(90, "--days", min=1, help="Days until the new token expires"),
) -> None:
    """Issue an API token (printed once; only its SHA-256 hash is written to var/), or revoke a name's tokens."""
    from datetime import timedelta

    from routing.directory import CityDirectory
    from tickets.tokens import Principal, TokenConfigError, environment_hashes, issue_token, now_utc, revoke_tokens

    settings = load_settings()
    kind = "agent" if agent else "department"
    if not agent:
        department = CityDirectory.load(settings.city_dir).department(name)
        if department is None:
            fail(f"Unknown department {name!r}: not in {settings.city_dir / 'departments.yaml'}")
        name = department.name
    path = settings.tokens_file
    if revoke:
        try:
            known = environment_hashes(Principal(kind, name), settings.token_variables())
        except TokenConfigError as error:  # a broken variable must not block a revocation
            console.print(str(error), style="yellow", markup=False, highlight=False)
            known = []
        count = revoke_tokens(path, name, kind, known_hashes=known)
        console.print(
            f"Revoked {count} token(s) of {name} in {path}; every token of {name} issued until now "
            f"(including {len(known)} from the environment) is refused.",
            highlight=False,
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


def _retention_days(days: int | None) -> int:
    """The period: --days, else HOTLINE_RETENTION_DAYS (the settings check it), else a year."""
    if days is None:
        return load_settings().retention_days
    if days < 1:
        fail("The retention period must be at least 1 day")
    return days


@app.command("redact")
def tickets_redact(
    number: str = typer.Argument(..., help="Work-order number or public reference"),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the 信息删除 event; no personal data)"),
    actor: str | None = typer.Option(None, "--actor", help="Who asked for it (default: cli:<user>)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Remove a caller's personal data from a work order and its conversation in Rasa's tracker
    store (PIPL art. 47); idempotent."""
    import getpass

    from tickets.caller_data import redact_caller_data
    from tickets.errors import TicketError, WorkOrderNotFound

    try:
        done = redact_caller_data(
            _open_store(), number, actor or f"cli:{getpass.getuser()}", reason, load_settings().tracker_db_url
        )
    except WorkOrderNotFound:
        if as_json:
            typer.echo(json.dumps({"error": "not_found", "number": number}, ensure_ascii=False))
            raise typer.Exit(1) from None
        fail(f"No work order {number}")
    except TicketError as error:
        fail(error.message)
    order = done.order
    if as_json:
        doc = {
            "number": order.number,
            "redacted_at": order.redacted_at,
            "already_redacted": done.already_redacted,
            "conversation_events_deleted": done.conversation_events_deleted,
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, default=str))
        return
    if done.already_redacted:
        console.print(f"工单{order.number}的个人信息此前已删除（{order.redacted_at:%Y-%m-%d %H:%M}）")
    else:
        console.print(
            f"已删除工单{order.number}的个人信息（对话记录 {done.conversation_events_deleted} 条），并记录删除事件"
        )


@app.command("purge")
def tickets_purge(
    days: int | None = typer.Option(
        None, "--days", help="Retention period in days (default: $HOTLINE_RETENTION_DAYS or 365)"
    ),
    tracker_db: str | None = typer.Option(
        None, "--tracker-db", help="Rasa's SQL tracker store URL, e.g. sqlite:///var/rasa_tracker.db"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document"),
) -> None:
    """Retention: redact finished work orders, delete hand-offs and (with --tracker-db) Rasa
    conversations older than the period."""
    from datetime import timedelta

    from tickets.handoffs import HandoffQueue
    from tickets.retention import purge_expired, purge_tracker_events

    period = timedelta(days=_retention_days(days))
    store = _open_store()
    now = store.now()
    orders = purge_expired(store, period, now)
    handoffs = HandoffQueue(store).purge(period, now)
    tracker = purge_tracker_events(tracker_db, period, now) if tracker_db else None
    if as_json:
        doc = {
            "days": period.days,
            "cutoff": orders.cutoff.isoformat(),
            "redacted": list(orders.redacted),
            "handoffs_deleted": handoffs,
            "tracker": None if tracker is None else {"conversations": tracker.conversations, "events": tracker.events},
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    console.print(f"保存期限 {period.days} 天（{orders.cutoff:%Y-%m-%d %H:%M} UTC 之前）")
    console.print(f"已删除个人信息的工单 {len(orders.redacted)} 件，删除转人工记录 {handoffs} 条")
    for number in orders.redacted:
        console.print(f"  {number}")
    if tracker is not None:
        console.print(f"对话记录：删除 {tracker.conversations} 个会话的 {tracker.events} 条事件")
