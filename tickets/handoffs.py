"""The hand-off queue: conversations waiting for a human agent, with their summaries.

A "转人工" summary (the topic, the slots with the caller's address and phone, recent messages) is
personal data meant for agents only. It is queued here, on the agents' side, instead of being sent
back into the chat channel where whoever holds the conversation id would read it.

waiting → taken (by one agent) → closed; a waiting hand-off may also be closed directly (the
caller left). Lives in the work-order database (table ``handoffs``, migration 0003).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, select, update
from sqlalchemy.orm import Session

from tickets.errors import InvalidOperation, TicketError, require_text
from tickets.models import Handoff
from tickets.store import _aware

WAITING, TAKEN, CLOSED = "waiting", "taken", "closed"
MAX_SUMMARY_CHARS = 64_000


class HandoffNotFound(TicketError, LookupError):
    code = "not_found"

    def __init__(self, handoff_id: int) -> None:
        super().__init__(f"没有找到转人工记录{handoff_id}。")
        self.handoff_id = handoff_id


@dataclass(frozen=True)
class HandoffView:
    id: int
    conversation_id: str | None
    channel: str
    created_at: datetime
    summary: dict[str, Any]
    status: str
    taken_by: str | None
    taken_at: datetime | None


def _view(row: Handoff) -> HandoffView:
    return HandoffView(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        created_at=_aware(row.created_at),
        summary=json.loads(row.summary),
        status=row.status,
        taken_by=row.taken_by,
        taken_at=_aware(row.taken_at) if row.taken_at is not None else None,
    )


def redact_handoffs(session: Session, conversation_id: str) -> int:
    """Empty the summaries of a conversation's hand-offs and forget its id (inside ``session``)."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(Handoff).where(Handoff.conversation_id == conversation_id).values(summary="{}", conversation_id=None)
        ),
    )
    return int(result.rowcount or 0)


class HandoffQueue:
    """Hand-offs in the work-order database.

    ``source``: a TicketStore (its engines and clock are shared) or an Engine of a database the
    store has already migrated.
    """

    def __init__(self, source: Any, clock: Callable[[], datetime] | None = None) -> None:
        if isinstance(source, Engine):
            self._engine = source
            self._write_engine = source.execution_options(sqlite_begin="IMMEDIATE")
            self._clock = clock or (lambda: datetime.now(UTC))
        else:  # a TicketStore
            self._engine = source.engine
            self._write_engine = source._write_engine
            self._clock = clock or source.now

    def now(self) -> datetime:
        return _aware(self._clock()).astimezone(UTC)

    def enqueue(self, conversation_id: str, channel: str, summary: dict[str, Any]) -> int:
        """Queue a conversation for an agent; returns the hand-off's id."""
        if not isinstance(summary, dict):
            raise InvalidOperation("转人工摘要须为字典。")
        text = json.dumps(summary, ensure_ascii=False, default=str)
        if len(text) > MAX_SUMMARY_CHARS:
            raise InvalidOperation(f"转人工摘要过长（最多{MAX_SUMMARY_CHARS}个字符）。")
        row = Handoff(
            conversation_id=require_text(conversation_id, "会话编号", 128),
            channel=require_text(channel, "渠道", 32),
            created_at=self.now(),
            summary=text,
            status=WAITING,
        )
        with Session(self._write_engine) as session, session.begin():
            session.add(row)
            session.flush()
            return int(row.id)

    def get(self, handoff_id: int) -> HandoffView | None:
        with Session(self._engine) as session:
            row = session.get(Handoff, handoff_id)
            return _view(row) if row is not None else None

    def waiting(self, limit: int = 50) -> list[HandoffView]:
        """Hand-offs no agent has taken yet, oldest first."""
        query = select(Handoff).where(Handoff.status == WAITING).order_by(Handoff.id).limit(max(1, min(limit, 1000)))
        with Session(self._engine) as session:
            return [_view(row) for row in session.scalars(query)]

    def take(self, handoff_id: int, agent: str) -> HandoffView:
        """An agent takes a waiting hand-off. Taking it again by the same agent is a no-op;
        one taken by another agent or closed is refused."""
        agent = require_text(agent, "坐席", 64)

        def step(row: Handoff, now: datetime) -> None:
            if row.status == TAKEN and row.taken_by == agent:
                return
            if row.status != WAITING:
                who = f"已由{row.taken_by}接手" if row.status == TAKEN else "已结束"
                raise InvalidOperation(f"转人工记录{row.id}{who}，不能再接手。")
            row.status, row.taken_by, row.taken_at = TAKEN, agent, now

        return self._change(handoff_id, step)

    def close(self, handoff_id: int) -> HandoffView:
        """End a hand-off (taken or still waiting); closing a closed one is a no-op."""

        def step(row: Handoff, now: datetime) -> None:
            row.status = CLOSED

        return self._change(handoff_id, step)

    def redact_conversation(self, conversation_id: str) -> int:
        """Empty the summaries of a conversation's hand-offs; returns how many there were."""
        conversation_id = require_text(conversation_id, "会话编号", 128)
        with Session(self._write_engine) as session, session.begin():
            return redact_handoffs(session, conversation_id)

    def purge(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Delete hand-offs created before ``now - older_than`` (retention); returns how many."""
        cutoff = (_aware(now or self.now()) - older_than).astimezone(UTC)
        with Session(self._write_engine) as session, session.begin():
            result = cast(CursorResult[Any], session.execute(delete(Handoff).where(Handoff.created_at < cutoff)))
            return int(result.rowcount or 0)

    def _change(self, handoff_id: int, step: Callable[[Handoff, datetime], None]) -> HandoffView:
        with Session(self._write_engine, expire_on_commit=False) as session, session.begin():
            row = session.scalars(select(Handoff).where(Handoff.id == handoff_id).with_for_update()).first()
            if row is None:
                raise HandoffNotFound(handoff_id)
            step(row, self.now())
            session.flush()
            return _view(row)
