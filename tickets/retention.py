"""Retention: personal data is kept no longer than the configured period (PIPL art. 19, 47).

- Work orders: a finished order (TERMINAL_STATUSES) untouched for the period is redacted
  (TicketStore.redact: the order, its events' statistics and dates stay; the caller's data goes).
- Rasa's SQL tracker store (a separate database, owned by Rasa): conversations whose newest event
  is older than the period are deleted, and one conversation can be deleted on request.

The period arrives as an argument; reading it from configuration is the caller's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    func,
    inspect,
    make_url,
    select,
)
from sqlalchemy.orm import Session

from tickets.models import WorkOrder
from tickets.status import TERMINAL_STATUSES
from tickets.store import TicketStore, _aware, hide_error_details

RETENTION_ACTOR = "system:retention"
BATCH = 200

# Rasa 3.6 SQLTrackerStore's table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent); only
# the columns used here need to match.
_tracker_metadata = MetaData()
TRACKER_EVENTS = Table(
    "events",
    _tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class PurgeResult:
    """What one retention run of the work-order store did."""

    cutoff: datetime
    redacted: tuple[str, ...]  # work-order numbers


@dataclass(frozen=True)
class TrackerPurgeResult:
    cutoff: datetime
    conversations: int
    events: int


def _check_period(older_than: timedelta) -> None:
    if older_than <= timedelta(0):
        raise ValueError("the retention period must be positive")


def expired_orders(store: TicketStore, older_than: timedelta, now: datetime, limit: int = BATCH) -> list[str]:
    """Numbers of finished, not yet redacted orders last updated before ``now - older_than``."""
    cutoff = _aware(now).astimezone(UTC) - older_than
    query = (
        select(WorkOrder.number)
        .where(
            WorkOrder.status.in_([status.value for status in TERMINAL_STATUSES]),
            WorkOrder.redacted_at.is_(None),
            WorkOrder.updated_at < cutoff,
        )
        .order_by(WorkOrder.id)
        .limit(limit)
    )
    with Session(store.engine) as session:
        return list(session.scalars(query))


def purge_expired(
    store: TicketStore, older_than: timedelta, now: datetime, actor: str = RETENTION_ACTOR
) -> PurgeResult:
    """Redact every finished order whose last update is older than ``older_than``."""
    _check_period(older_than)
    reason = f"超过个人信息保存期限（{older_than.days}天），自动删除"
    redacted: list[str] = []
    while batch := expired_orders(store, older_than, now):
        for number in batch:
            store.redact(number, actor=actor, reason=reason)  # sets redacted_at: not found again
            redacted.append(number)
    return PurgeResult(cutoff=_aware(now).astimezone(UTC) - older_than, redacted=tuple(redacted))


@contextmanager
def _tracker_events(tracker_db_url: str) -> Iterator[Engine | None]:
    """An engine on Rasa's tracker store, or None while Rasa has written nothing there yet: no
    ``events`` table, or a SQLite file that does not exist (it is not created here)."""
    url = make_url(tracker_db_url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and url.database not in (None, "", ":memory:") and not Path(url.database).exists():
        yield None
        return
    connect_args = {"timeout": 15} if sqlite else {}
    engine = create_engine(url, hide_parameters=True, connect_args=connect_args)
    hide_error_details(engine)
    try:
        yield engine if inspect(engine).has_table(TRACKER_EVENTS.name) else None
    finally:
        engine.dispose()


def purge_tracker_events(tracker_db_url: str, older_than: timedelta, now: datetime) -> TrackerPurgeResult:
    """Delete the events of every conversation whose newest event is older than ``older_than``.

    Whole conversations only: a conversation still going on keeps its early turns. A database
    Rasa has not yet written (no ``events`` table) has nothing to purge.
    """
    _check_period(older_than)
    cutoff = _aware(now).astimezone(UTC) - older_than
    with _tracker_events(tracker_db_url) as engine:
        if engine is None:
            return TrackerPurgeResult(cutoff, 0, 0)
        events = TRACKER_EVENTS
        stale = (
            select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff.timestamp())
        )
        with engine.begin() as connection:
            conversations = len(connection.execute(stale).all())
            deleted = connection.execute(delete(events).where(events.c.sender_id.in_(stale))).rowcount
        return TrackerPurgeResult(cutoff, conversations, int(deleted or 0))


def redact_conversation(tracker_db_url: str, sender_id: str) -> int:
    """Delete one conversation's events from the tracker store; returns how many were deleted."""
    if not sender_id or not sender_id.strip():
        raise ValueError("a conversation id is needed")
    with _tracker_events(tracker_db_url) as engine:
        if engine is None:
            return 0
        with engine.begin() as connection:
            result = connection.execute(delete(TRACKER_EVENTS).where(TRACKER_EVENTS.c.sender_id == sender_id))
            return int(result.rowcount or 0)


@dataclass(frozen=True)
class RetentionReport:
    work_orders: PurgeResult
    handoffs: int
    tracker: TrackerPurgeResult | None


def apply_retention(
    store: TicketStore, older_than: timedelta, now: datetime, tracker_db_url: str | None = None
) -> RetentionReport:
    """One retention run everywhere a caller's data is kept: finished work orders are redacted,
    old hand-off summaries and (with ``tracker_db_url``) old conversations deleted."""
    from tickets.handoffs import HandoffQueue

    orders = purge_expired(store, older_than, now)
    handoffs = HandoffQueue(store).purge(older_than, now)
    tracker = purge_tracker_events(tracker_db_url, older_than, now) if tracker_db_url else None
    return RetentionReport(orders, handoffs, tracker)
