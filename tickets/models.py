"""SQLAlchemy 2.0 ORM models of work orders (工单) and their event log."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class WorkOrder(Base):
    """One citizen request as it moves through the hotline."""

    __tablename__ = "work_orders"
    __table_args__ = (
        # The daily sequence behind the number; unique so two concurrent creators cannot
        # take the same one (the loser retries with the next).
        UniqueConstraint("number_prefix", "number_day", "number_seq", name="uq_work_orders_daily_seq"),
        # Idempotency key: a retried create from the same conversation finds the first order.
        # Orders without a conversation id (NULL) are never treated as duplicates.
        UniqueConstraint("conversation_id", "content_hash", name="uq_work_orders_conversation_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    number_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    number_day: Mapped[str] = mapped_column(String(8), nullable=False)
    number_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    district: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(String(64), index=True)
    local_government: Mapped[str | None] = mapped_column(String(64))
    routing_reason: Mapped[str | None] = mapped_column(Text)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # Time limit: the urgency tier and matter category it was computed from, and the deadline.
    urgency: Mapped[str] = mapped_column(String(8), nullable=False, default="一般", server_default="一般")
    matter: Mapped[str | None] = mapped_column(String(128))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # A department's pending request for more time (NULL when none is waiting for a decision).
    extension_days: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    # When the last 督办 was issued; the sweep issues one per missed deadline.
    supervised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A reference callers may be told instead of the sequential number (tickets/references.py).
    # Nullable only so that SQLite needs no table rebuild; the store and migration 0003 fill it.
    public_ref: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    # When the caller's personal data was removed (PIPL art. 47 or the retention period).
    redacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utc_now, onupdate=utc_now
    )

    events: Mapped[list[WorkOrderEvent]] = relationship(
        back_populates="work_order", order_by="WorkOrderEvent.id", cascade="save-update, merge"
    )


class WorkOrderEvent(Base):
    """An append-only record of something that happened to a work order."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utc_now)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(8))
    to_status: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)

    work_order: Mapped[WorkOrder] = relationship(back_populates="events")


class SatisfactionRating(Base):
    """A caller's 1–5 rating of the service, per conversation and optionally per work order."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="ck_satisfaction_ratings_score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    work_order_number: Mapped[str | None] = mapped_column(String(32), index=True)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utc_now)


class WorkOrderCounter(Base):
    """The last sequence number handed out per (prefix, Beijing day), bumped atomically."""

    __tablename__ = "work_order_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False)


class AccessLogEntry(Base):
    """Who read which order's personal data, when, and why."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    work_order_number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(200), nullable=False)


HANDOFF_STATUSES = ("waiting", "taken", "closed")


class Handoff(Base):
    """A conversation handed to a human agent, with the summary only agents may see."""

    __tablename__ = "handoffs"
    __table_args__ = (CheckConstraint("status IN ('waiting', 'taken', 'closed')", name="ck_handoffs_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utc_now)
    summary: Mapped[str] = mapped_column(Text, nullable=False)  # JSON object
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="waiting", index=True)
    taken_by: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a work-order event."""


def _refuse_change(mapper: object, connection: object, target: WorkOrderEvent) -> None:
    raise AppendOnlyError(f"work-order event {target.id} is append-only")


event.listen(WorkOrderEvent, "before_update", _refuse_change)
event.listen(WorkOrderEvent, "before_delete", _refuse_change)

# The ORM guard above does not stop raw SQL; the database refuses too: triggers created by
# the migrations (migrations/versions/0001_work_orders.py). The one exception, since 0003: the
# note and actor of an event of a redacted order may be rewritten (TicketStore.redact, with Core
# UPDATE statements, which do not pass through this ORM guard).
