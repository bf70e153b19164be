"""Durable storage of work orders: numbering, idempotent creation, look-up, redaction, access log.

Works on a SQLite file (default, several processes may write: WAL + busy timeout + writers take
the lock up front) and on PostgreSQL by URL. Only frozen views leave this module, never ORM
objects, so callers cannot lazy-load after the session is gone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from sqlstore.engines import LOCK_TIMEOUT_MS, make_engine, write_engine
from sqlstore.engines import hide_error_details as hide_error_details  # tickets.retention's import
from tickets.errors import InvalidOperation, WorkOrderNotFound, require_text
from tickets.models import (
    AccessLogEntry,
    SatisfactionRating,
    WorkOrder,
    WorkOrderCounter,
    WorkOrderEvent,
)
from tickets.redaction import REDACTED, REDACTED_ID, scrub
from tickets.references import find_public_ref, new_public_ref, normalize_public_ref
from tickets.status import INITIAL_STATUS, WorkOrderAction, WorkOrderKind
from tickets.time_limits import TimeLimits

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    CHINA_TZ: Any = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # pragma: no cover - no tz database on the machine
    # China has used UTC+8 without daylight saving since 1991, so a fixed offset is exact.
    CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

CREATE_ATTEMPTS = 20
ACCEPT_ACTION = "受理"
RATING_ACTION = "评价"
SATISFACTION_SCORES = range(1, 6)

_DASHES = str.maketrans({"—": "-", "–": "-", "‐": "-", "‑": "-", "－": "-", "_": "-", "―": "-"})
_NUMBER_BODY = r"(\d{4})\s*(\d{2})\s*(\d{2})\s*-?\s*(\d{4,6})(?!\d)"


def normalize_ticket_number(text: str | None, prefix: str | None = None) -> str | None:
    """Find a work-order number in free text and return it in canonical form.

    Accepts lower case, full-width characters, spaces and odd dashes
    ("我的工单ｊｚ２０２６１１２２－０００１" → "JZ20261122-0001"). With ``prefix`` the
    letters may be missing ("20261122-0001" → prefix + number); without it any 1–8 letters count.
    """
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).translate(_DASHES).upper()
    if prefix:
        pattern = rf"(?<![A-Z\d])(?:{re.escape(prefix.upper())}\s*)?" + _NUMBER_BODY
    else:
        pattern = r"(?<![A-Z\d])([A-Z]{1,8})\s*" + _NUMBER_BODY
    for match in re.finditer(pattern, cleaned):
        groups = match.groups()
        letters = prefix.upper() if prefix else groups[0]
        year, month, day, seq = groups[-4:]
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return f"{letters}{year}{month}{day}-{seq}"
    return None


@dataclass(frozen=True)
class NewWorkOrder:
    """What the assistant or an agent knows when it files a work order."""

    kind: str
    description: str
    district: str | None = None
    address: str | None = None
    phone: str | None = None
    department: str | None = None
    local_government: str | None = None
    routing_reason: str | None = None
    needs_review: bool = False
    conversation_id: str | None = None
    urgency: str | None = None  # a tier of time_limits.yaml (一般, 紧急 …); None: the default tier
    matter: str | None = None  # matter category, for per-matter time limits
    # The caller's reference (tickets/references.py). Given: it is this submission's idempotency
    # key (a retry with it returns the order it made). None: the store draws one.
    public_ref: str | None = None


@dataclass(frozen=True)
class WorkOrderView:
    number: str
    kind: str
    status: str
    description: str
    district: str | None
    address: str | None
    phone: str | None
    department: str | None
    local_government: str | None
    routing_reason: str | None
    needs_review: bool
    conversation_id: str | None
    content_hash: str
    created_at: datetime
    updated_at: datetime
    urgency: str = "一般"
    matter: str | None = None
    due_at: datetime | None = None
    extension_days: int | None = None
    extension_reason: str | None = None
    supervised_at: datetime | None = None
    public_ref: str | None = None
    redacted_at: datetime | None = None  # personal data removed (TicketStore.redact)

    def is_overdue(self, now: datetime) -> bool:
        """Past its deadline while the department or the centre still owes an answer."""
        from tickets.status import OPEN_STATUSES

        return self.due_at is not None and self.status in OPEN_STATUSES and now > self.due_at


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None


def content_hash(new: NewWorkOrder) -> str:
    """Fingerprint of what the caller said, for idempotent creation.

    Routing fields are left out on purpose: re-routing the same complaint must not make it new.
    """

    def norm(value: str | None) -> str:
        return " ".join(unicodedata.normalize("NFKC", value or "").split())

    payload = [norm(new.kind), norm(new.description), norm(new.district), norm(new.address), norm(new.phone)]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def phone_last4_matches(phone: str | None, last4: str) -> bool:
    """The caller's second factor: the last four digits of the contact phone, compared in constant time."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return len(digits) >= 4 and hmac.compare_digest(digits[-4:], last4)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _local(value: datetime) -> datetime:
    """Stored instants shown in Beijing time, which is what callers and agents read."""
    return _aware(value).astimezone(CHINA_TZ)


def _blank_to_none(value: str | None) -> str | None:
    """Forms send "" for a slot never filled; store it as unknown (NULL)."""
    if value is None:
        return None
    value = value.strip()
    return value or None


_V = TypeVar("_V", "WorkOrderView", "EventView")
_TIME_FIELDS = frozenset({"created_at", "updated_at", "at", "due_at", "supervised_at", "redacted_at"})


def _view(row: WorkOrder | WorkOrderEvent, view_type: type[_V]) -> _V:
    """Copy a row's columns into its frozen view; times shown in Beijing time."""
    values: dict[str, Any] = {
        f.name: _local(getattr(row, f.name))
        if f.name in _TIME_FIELDS and getattr(row, f.name) is not None
        else getattr(row, f.name)
        for f in fields(view_type)
    }
    return view_type(**values)


def _order_view(order: WorkOrder) -> WorkOrderView:
    return _view(order, WorkOrderView)


def _event_view(row: WorkOrderEvent) -> EventView:
    return _view(row, EventView)


def _is_sqlite_busy(error: OperationalError) -> bool:
    message = str(error.orig).lower() if error.orig is not None else str(error).lower()
    return "locked" in message or "busy" in message


class TicketStore:
    """Work orders in a SQL database given by URL."""

    def __init__(
        self,
        database_url: str,
        prefix: str,
        clock: Callable[[], datetime] | None = None,
        time_limits: TimeLimits | None = None,
    ) -> None:
        """``prefix``: the city's ticket prefix (CityDirectory.ticket_prefix). ``clock`` returns an
        aware "now" (tests). ``time_limits``: deadlines, TimeLimits.for_city(city_dir) of the city;
        the built-in default (5 working days, no holidays) when omitted. The composition roots
        (actions/services.py, webapp/deps.py, the CLI) pass the configured city's values."""
        if not prefix:
            raise ValueError("a ticket store needs the city's ticket prefix (CityDirectory.ticket_prefix)")
        self.ticket_prefix = prefix.upper()
        self.time_limits = time_limits or TimeLimits()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.engine = make_engine(database_url, lock_timeout_ms=LOCK_TIMEOUT_MS)  # tests may shorten it
        # Writers on SQLite start with BEGIN IMMEDIATE (see sqlstore.engines).
        self._write_engine = write_engine(self.engine)
        self._create_schema()

    def _create_schema(self) -> None:
        """Alembic ``upgrade head`` (tickets/migrate.py), safe when several processes start at once."""
        from tickets.migrate import upgrade_to_head

        upgrade_to_head(self._write_engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> TicketStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ create
    def create_work_order(
        self, new: NewWorkOrder, actor: str = "assistant", *, then: Step | None = None
    ) -> WorkOrderView:
        """Store a new order with the next number of the day, or return the one already filed.

        A retried request returns the existing order: same ``public_ref``, or same
        ``conversation_id`` and same content. ``then(order, now)`` runs in the same transaction,
        only when the order is new, and its events are recorded after 受理; tickets/intake.py
        dispatches that way, so a submission is created and dispatched exactly once.
        Numbers come from a counter row bumped atomically, so creators never collide on one; a
        lost race for the idempotency key (or SQLite busy) rolls back and tries again.
        """
        kind = WorkOrderKind(new.kind).value  # ValueError for an unknown kind
        if not new.description or not new.description.strip():
            raise ValueError("a work order needs a description")
        if new.public_ref is not None and normalize_public_ref(new.public_ref) is None:
            raise InvalidOperation(f"查询码格式不对：{new.public_ref!r}")
        digest = content_hash(new)
        last_error: Exception | None = None
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return self._create_once(new, kind, digest, actor, then)
            except IntegrityError as error:
                last_error = error
            except OperationalError as error:
                if not _is_sqlite_busy(error):
                    raise
                last_error = error
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
        raise RuntimeError(f"could not create a work order after {CREATE_ATTEMPTS} attempts") from last_error

    def _create_once(self, new: NewWorkOrder, kind: str, digest: str, actor: str, then: Step | None) -> WorkOrderView:
        now = self.now()
        day = now.astimezone(CHINA_TZ).strftime("%Y%m%d")
        public_ref = normalize_public_ref(new.public_ref) if new.public_ref is not None else None
        with Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin() as transaction:
                # The counter first: on PostgreSQL its row lock queues creators of the day, so
                # the duplicate check below sees whatever the one before us committed.
                seq = self._next_seq(session, day)
                existing = self._find_duplicate(session, _blank_to_none(new.conversation_id), digest, public_ref)
                if existing is not None:
                    view = _order_view(existing)
                    transaction.rollback()  # give the number back: no gaps in the day's numbers
                    return view
                urgency = self.time_limits.tier(_blank_to_none(new.urgency))
                matter = _blank_to_none(new.matter)
                order = WorkOrder(
                    number=f"{self.ticket_prefix}{day}-{seq:04d}",
                    number_prefix=self.ticket_prefix,
                    number_day=day,
                    number_seq=seq,
                    kind=kind,
                    status=INITIAL_STATUS.value,
                    description=new.description.strip(),
                    district=_blank_to_none(new.district),
                    address=_blank_to_none(new.address),
                    phone=_blank_to_none(new.phone),
                    department=_blank_to_none(new.department),
                    local_government=_blank_to_none(new.local_government),
                    routing_reason=_blank_to_none(new.routing_reason),
                    needs_review=bool(new.needs_review),
                    conversation_id=_blank_to_none(new.conversation_id),
                    content_hash=digest,
                    urgency=urgency,
                    matter=matter,
                    due_at=self.time_limits.due_at(now, urgency, matter),
                    public_ref=public_ref or new_public_ref(),
                    created_at=now,
                    updated_at=now,
                )
                order.events.append(
                    WorkOrderEvent(
                        at=now,
                        actor=actor,
                        action=ACCEPT_ACTION,
                        from_status=None,
                        to_status=INITIAL_STATUS.value,
                        note=f"承办单位建议：{new.department}" if new.department else None,
                    )
                )
                session.add(order)
                session.flush()
                if then is not None:
                    session.add_all(_event_rows(order, then(order, now), actor, now))
                    session.flush()
                view = _order_view(order)
            return view

    @staticmethod
    def _find_duplicate(
        session: Session, conversation_id: str | None, digest: str, public_ref: str | None
    ) -> WorkOrder | None:
        keys = []
        if public_ref:
            keys.append(WorkOrder.public_ref == public_ref)
        if conversation_id:
            keys.append(and_(WorkOrder.conversation_id == conversation_id, WorkOrder.content_hash == digest))
        if not keys:
            return None
        # An order found by its public reference wins over one found by content.
        query = (
            select(WorkOrder)
            .where(or_(*keys))
            .order_by((WorkOrder.public_ref == public_ref).desc() if public_ref else WorkOrder.id, WorkOrder.id)
        )
        return session.scalars(query).first()

    def _next_seq(self, session: Session, day: str) -> int:
        """Bump and return the day's counter in one statement (insert-on-conflict … RETURNING).

        A missing counter row starts after the highest number already filed that day, so orders
        numbered before the counter existed are never numbered again.
        """
        dialect = session.get_bind().dialect.name
        inserts: dict[str, Callable[[Table], PostgresqlInsert | SqliteInsert]] = {
            "postgresql": postgresql_insert,
            "sqlite": sqlite_insert,
        }
        insert = inserts.get(dialect)
        if insert is None:
            raise NotImplementedError(f"work-order numbering supports SQLite and PostgreSQL, not {dialect}")
        counter = cast(Table, WorkOrderCounter.__table__)
        first = select(
            literal(self.ticket_prefix), literal(day), func.coalesce(func.max(WorkOrder.number_seq), 0) + 1
        ).where(WorkOrder.number_prefix == self.ticket_prefix, WorkOrder.number_day == day)
        statement = (
            insert(counter)
            .from_select(["prefix", "day", "last_seq"], first)
            .on_conflict_do_update(
                index_elements=[counter.c.prefix, counter.c.day], set_={"last_seq": counter.c.last_seq + 1}
            )
            .returning(counter.c.last_seq)
        )
        return int(session.execute(statement).scalar_one())

    # ------------------------------------------------------------------ read
    def get(self, number: str) -> WorkOrderView | None:
        """The order with this number; tolerates case, full-width, spaces and odd dashes."""
        with Session(self.engine) as session:
            order = self._load(session, number)
            return _order_view(order) if order is not None else None

    def find_by_reference(self, text: str) -> WorkOrderView | None:
        """The order named by its work-order number or its public reference.

        Either may come in any case, full-width, with spaces or dashes, or inside a sentence.
        """
        if not text or not text.strip():
            return None
        order = self.get(text)
        if order is not None:
            return order
        reference = normalize_public_ref(text) or find_public_ref(text)
        if reference is None:
            return None
        with Session(self.engine) as session:
            row = session.scalars(select(WorkOrder).where(WorkOrder.public_ref == reference)).first()
            return _order_view(row) if row is not None else None

    def events(self, number: str) -> list[EventView]:
        """The order's events, oldest first (empty for an unknown number)."""
        with Session(self.engine) as session:
            order = self._load(session, number)
            if order is None:
                return []
            rows = session.scalars(
                select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id).order_by(WorkOrderEvent.id)
            )
            return [_event_view(row) for row in rows]

    def find(
        self,
        *,
        department: str | None = None,
        include_co_handled: bool = False,
        statuses: Iterable[str] | None = None,
        overdue: bool | None = None,
        needs_review: bool | None = None,
        extension_pending: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[WorkOrderView]:
        """Orders matching every given filter, oldest deadline first.

        ``department``: orders assigned to it; with ``include_co_handled`` also those it co-handles
        as the local government (属地 双重交办). ``overdue``: past ``due_at`` while still open.
        """
        from tickets.status import OPEN_STATUSES

        query = select(WorkOrder)
        if department is not None:
            owner = WorkOrder.department == department
            query = query.where(or_(owner, WorkOrder.local_government == department) if include_co_handled else owner)
        if statuses is not None:
            query = query.where(WorkOrder.status.in_(list(statuses)))
        if needs_review is not None:
            query = query.where(WorkOrder.needs_review.is_(needs_review))
        if extension_pending is not None:
            pending = WorkOrder.extension_days.is_not(None)
            query = query.where(pending if extension_pending else ~pending)
        if overdue is not None:
            late = and_(
                WorkOrder.status.in_([s.value for s in OPEN_STATUSES]),
                WorkOrder.due_at.is_not(None),
                WorkOrder.due_at < self.now(),
            )
            query = query.where(late if overdue else ~late)
        query = query.order_by(WorkOrder.due_at.is_(None), WorkOrder.due_at, WorkOrder.id)
        query = query.limit(max(1, min(limit, 1000))).offset(max(0, offset))
        with Session(self.engine) as session:
            return [_order_view(order) for order in session.scalars(query)]

    # ------------------------------------------------------------------ write
    def mutate(
        self, number: str, step: Callable[[WorkOrder, datetime], list[EventDraft]], actor: str
    ) -> tuple[WorkOrderView, list[EventView]]:
        """Change one order under a write lock and append the events ``step`` returns.

        ``step(order, now)`` checks the order's state, changes its columns in place and returns
        what happened; raising from it rolls everything back. The lifecycle operations
        (tickets/lifecycle.py) are all built on this.
        """
        actor = require_text(actor, "actor", 64)
        now = self.now()
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            order = self._load(session, number, for_update=True)
            if order is None:
                raise WorkOrderNotFound(number)
            rows = _event_rows(order, step(order, now), actor, now)
            session.add_all(rows)
            if rows:
                order.updated_at = now
                # Written even when equal to the stored value, else the column's onupdate
                # (the wall clock) would replace the store's clock.
                flag_modified(order, "updated_at")
            session.flush()
            return _order_view(order), [_event_view(row) for row in rows]

    def append_event(self, number: str, action: str, actor: str, note: str | None = None) -> EventView:
        """Record something that does not change the order's state (催办, 备注 …).

        Bumps ``updated_at``. Transition actions (转办, 答复 …) are refused: they go through the
        lifecycle so their state checks apply. Unknown numbers raise WorkOrderNotFound.
        """
        from tickets.status import TRANSITION_ACTIONS

        action = require_text(action, "action", 32)
        if action in {a.value for a in TRANSITION_ACTIONS} or action == WorkOrderAction.REGISTER:
            raise InvalidOperation(f"“{action}”会改变工单状态，须通过工单流转办理，不能直接记录。")
        if action == WorkOrderAction.REDACT:
            raise InvalidOperation("删除个人信息须通过专门的删除操作办理，不能直接记录。")
        note = _blank_to_none(note)
        _, rows = self.mutate(number, lambda order, now: [EventDraft(action, note)], actor)
        return rows[0]

    def record_satisfaction(self, conversation_id: str, score: int, number: str | None = None) -> None:
        """Store a caller's 1–5 rating; with ``number`` it is also noted on that work order (评价)."""
        conversation_id = require_text(conversation_id, "conversation_id", 128)
        if isinstance(score, bool) or not isinstance(score, int) or score not in SATISFACTION_SCORES:
            raise InvalidOperation(f"满意度评分须为1到5的整数，收到：{score!r}")
        now = self.now()
        with Session(self._write_engine) as session, session.begin():
            canonical: str | None = None
            if number is not None and number.strip():
                order = self._load(session, number, for_update=True)
                if order is None:
                    raise WorkOrderNotFound(number)
                canonical = order.number
                session.add(
                    WorkOrderEvent(
                        work_order_id=order.id,
                        at=now,
                        actor=f"caller:{conversation_id}"[:64],
                        action=RATING_ACTION,
                        note=f"满意度评价：{score}分",
                    )
                )
                order.updated_at = now
                flag_modified(order, "updated_at")
            session.add(
                SatisfactionRating(conversation_id=conversation_id, work_order_number=canonical, score=score, at=now)
            )

    def satisfaction(self, conversation_id: str | None = None, number: str | None = None) -> list[int]:
        """Stored scores, oldest first, filtered by conversation and/or work order."""
        query = select(SatisfactionRating.score).order_by(SatisfactionRating.id)
        if conversation_id is not None:
            query = query.where(SatisfactionRating.conversation_id == conversation_id)
        if number is not None:
            canonical = normalize_ticket_number(number, prefix=self.ticket_prefix)
            query = query.where(SatisfactionRating.work_order_number == canonical)
        with Session(self.engine) as session:
            return list(session.scalars(query))

    # ------------------------------------------------------------------ personal data
    def redact(self, number: str, actor: str, reason: str) -> WorkOrderView:
        """Remove the caller's personal data from an order (PIPL art. 47; the retention job).

        Clears phone, address and conversation id, replaces the description with REDACTED,
        scrubs event notes and the caller's actor name, pseudonymises satisfaction ratings and
        empties the conversation's hand-off summaries, then records a 信息删除 event (actor and
        reason, scrubbed too) and ``redacted_at``. Status, department, district, dates and the
        events themselves stay for statistics. Idempotent: an already redacted order is returned
        unchanged. Unknown numbers raise WorkOrderNotFound.
        """
        reason = require_text(reason, "删除原因", 500)

        def step(order: WorkOrder, now: datetime) -> list[EventDraft]:
            if order.redacted_at is not None:
                return []
            session = Session.object_session(order)
            assert session is not None
            known = [order.phone, order.address, order.description, order.conversation_id]
            _redact_related(session, order, known)
            order.phone = order.address = None
            order.description = REDACTED
            order.conversation_id = None
            order.content_hash = hashlib.sha256(f"redacted:{order.number}".encode()).hexdigest()
            order.extension_reason = scrub(order.extension_reason, known)
            order.redacted_at = now
            session.flush()  # the event trigger lets notes change only once redacted_at is set
            _scrub_events(session, order.id, known)
            return [EventDraft(WorkOrderAction.REDACT.value, scrub(reason, known))]

        return self.mutate(number, step, actor)[0]

    def redact_conversation(self, conversation_id: str, actor: str, reason: str) -> list[str]:
        """Redact every order filed from a conversation, and unlink its satisfaction ratings and
        hand-off summaries even when it filed none; returns the orders' numbers. (Rasa's tracker
        keeps the conversation itself: tickets.retention.redact_conversation deletes it there.)"""
        conversation_id = require_text(conversation_id, "conversation_id", 128)
        query = select(WorkOrder.number).where(WorkOrder.conversation_id == conversation_id).order_by(WorkOrder.id)
        with Session(self.engine) as session:
            numbers = list(session.scalars(query))
        for number in numbers:
            self.redact(number, actor=actor, reason=reason)
        ratings = cast(Table, SatisfactionRating.__table__)
        with Session(self._write_engine) as session, session.begin():
            session.execute(
                update(ratings).where(ratings.c.conversation_id == conversation_id).values(conversation_id=REDACTED_ID)
            )
            from tickets.handoffs import redact_handoffs

            redact_handoffs(session, conversation_id)
        return numbers

    def record_access(self, actor: str, number: str, purpose: str) -> None:
        """Note that ``actor`` read the personal data of order ``number`` for ``purpose``."""
        actor = require_text(actor, "actor", 64)
        purpose = require_text(purpose, "purpose", 200)
        reference = require_text(number, "number", 200)
        canonical = normalize_ticket_number(reference, prefix=self.ticket_prefix) or reference[:32]
        with Session(self._write_engine) as session, session.begin():
            session.add(AccessLogEntry(at=self.now(), actor=actor, work_order_number=canonical, purpose=purpose))

    def access_log(self, number: str | None = None, limit: int = 100) -> list[AccessView]:
        """Recorded reads, newest first; with ``number`` only that order's."""
        query = select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(max(1, min(limit, 10_000)))
        if number is not None:
            canonical = normalize_ticket_number(number, prefix=self.ticket_prefix) or number.strip()[:32]
            query = query.where(AccessLogEntry.work_order_number == canonical)
        with Session(self.engine) as session:
            return [
                AccessView(
                    at=_local(row.at), actor=row.actor, work_order_number=row.work_order_number, purpose=row.purpose
                )
                for row in session.scalars(query)
            ]

    def now(self) -> datetime:
        """The store's clock, in UTC (tests pass a fake clock)."""
        return _aware(self._clock()).astimezone(UTC)

    def _load(self, session: Session, number: str, for_update: bool = False) -> WorkOrder | None:
        canonical = normalize_ticket_number(number, prefix=self.ticket_prefix)
        if canonical is None:
            return None
        query = select(WorkOrder).where(WorkOrder.number == canonical)
        if for_update:
            query = query.with_for_update()  # PostgreSQL row lock; SQLite writers hold the file lock
        return session.scalars(query).first()


@dataclass(frozen=True)
class EventDraft:
    """An event a lifecycle step wants recorded; the store adds when and who."""

    action: str
    note: str | None = None
    from_status: str | None = None
    to_status: str | None = None


# A change to one order inside the store's transaction: checks and edits it, says what happened.
Step = Callable[[WorkOrder, datetime], "list[EventDraft]"]


@dataclass(frozen=True)
class AccessView:
    """One read of an order's personal data."""

    at: datetime
    actor: str
    work_order_number: str
    purpose: str


def _event_rows(order: WorkOrder, drafts: list[EventDraft], actor: str, now: datetime) -> list[WorkOrderEvent]:
    return [
        WorkOrderEvent(
            work_order_id=order.id,
            at=now,
            actor=actor,
            action=str(draft.action),
            from_status=draft.from_status,
            to_status=draft.to_status,
            note=draft.note,
        )
        for draft in drafts
    ]


def _scrub_events(session: Session, order_id: int, known: list[str | None]) -> None:
    """Rewrite the personal parts of an order's event notes and caller actors.

    Core UPDATEs: the ORM refuses to change events, and the database allows it only for the
    note and actor of a redacted order (migration 0003).
    """
    table = cast(Table, WorkOrderEvent.__table__)
    rows = session.execute(select(table.c.id, table.c.actor, table.c.note).where(table.c.work_order_id == order_id))
    for event_id, actor, note in rows.all():
        new_note = scrub(note, known)
        new_actor = f"caller:{REDACTED_ID}" if actor.startswith("caller:") else actor
        if (new_note, new_actor) != (note, actor):
            session.execute(update(table).where(table.c.id == event_id).values(note=new_note, actor=new_actor))


def _redact_related(session: Session, order: WorkOrder, known: list[str | None]) -> None:
    """Satisfaction ratings and hand-off summaries of the order's conversation."""
    ratings = cast(Table, SatisfactionRating.__table__)
    of_order = ratings.c.work_order_number == order.number
    condition = or_(of_order, ratings.c.conversation_id == order.conversation_id) if order.conversation_id else of_order
    session.execute(update(ratings).where(condition).values(conversation_id=REDACTED_ID))
    if order.conversation_id:
        from tickets.handoffs import redact_handoffs

        redact_handoffs(session, order.conversation_id)
