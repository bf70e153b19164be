"""The chat transcript: every message of a web conversation, kept by the server.

The widget restores a conversation from here after a reload or a closed tab (it keeps only the
conversation's signed token), and an agent who takes over writes here too. A user message carries
the browser's own id for it (``client_id``): a retry of a send whose answer was lost finds the
first attempt and its replies instead of asking the assistant twice.

Plain SQLAlchemy, no web framework; own tables and own Alembic version table
(migrations/transcripts/), so it can share the work orders' database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from sqlstore.engines import make_engine, write_engine
from sqlstore.migrate import Migrations

USER, BOT, AGENT = "user", "bot", "agent"
ROLES = (USER, BOT, AGENT)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Migrations(
    script_location=PROJECT_ROOT / "migrations" / "transcripts",
    version_table="chat_alembic_version",
    baseline_revision="chat0001",
    baseline_table="chat_messages",
    lock_key=0x1234_5_0003,
    ini_file=PROJECT_ROOT / "alembic.ini",
)


class Base(DeclarativeBase):
    pass


class ChatMessage(Base):
    """One message of a conversation, as the caller's channel saw it."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_id", name="uq_chat_messages_client_id"),
        CheckConstraint("role IN ('user', 'bot', 'agent')", name="ck_chat_messages_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    client_id: Mapped[str | None] = mapped_column(String(64))
    reply_to: Mapped[int | None] = mapped_column(Integer, index=True)  # the user message a bot reply answers
    body: Mapped[str] = mapped_column(Text, nullable=False)  # JSON object: text, buttons, custom
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)


@dataclass(frozen=True)
class MessageView:
    id: int
    role: str
    at: datetime
    body: dict[str, Any]
    client_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The message as the widget renders it: its body plus id, role, ISO time (and the browser's id)."""
        shown = {**self.body, "id": self.id, "role": self.role, "at": self.at.isoformat()}
        return shown | ({"client_id": self.client_id} if self.client_id else {})


@dataclass(frozen=True)
class Turn:
    """A user message as stored: new, already answered (``replies``), or still being answered."""

    message_id: int
    new: bool
    replies: list[MessageView] | None  # None: no answer stored yet

    @property
    def in_progress(self) -> bool:
        return not self.new and self.replies is None


class TranscriptStore:
    """Chat transcripts in a SQLite file or PostgreSQL database."""

    def __init__(self, database_url: str, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = make_engine(database_url)
        self._writer = write_engine(self.engine)
        self._now = clock or (lambda: datetime.now(UTC))
        MIGRATIONS.upgrade_to_head(self._writer)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ writing
    def begin_turn(
        self, conversation_id: str, text: str, client_id: str | None, stale_after: float, display: str | None = None
    ) -> Turn:
        """Store the caller's message, or find the earlier attempt with the same ``client_id``.

        ``display``: what the caller's bubble showed when it differs from what was sent (a tapped
        button's title, "5星" for "5分").

        An attempt with no replies older than ``stale_after`` seconds is taken over (its process
        died mid-turn): it is returned as new so the message is relayed again.
        """
        with Session(self._writer) as session, session.begin():
            found = self._find(session, conversation_id, client_id)
            if found is not None:
                replies = self._replies(session, found.id)
                if replies or self._now() - _aware(found.at) < timedelta(seconds=stale_after):
                    return Turn(found.id, new=False, replies=replies or None)
                found.at = self._now()
                return Turn(found.id, new=True, replies=None)
            row = ChatMessage(
                conversation_id=conversation_id,
                role=USER,
                client_id=client_id,
                body=_dump({"text": text, "display": display} if display else {"text": text}),
                at=self._now(),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:  # the same client id at the same moment: the other attempt wins
                session.rollback()
                return Turn(0, new=False, replies=None)
            return Turn(row.id, new=True, replies=None)

    def finish_turn(self, conversation_id: str, message_id: int, replies: list[dict[str, Any]]) -> list[MessageView]:
        """Store the replies to the user message ``message_id``."""
        with Session(self._writer) as session, session.begin():
            rows = [
                ChatMessage(
                    conversation_id=conversation_id, role=BOT, reply_to=message_id, body=_dump(r), at=self._now()
                )
                for r in replies
            ]
            session.add_all(rows)
            session.flush()
            return [_view(row) for row in rows]

    def abandon_turn(self, message_id: int) -> None:
        """Forget a user message the assistant could not answer: the caller's retry sends it again."""
        with Session(self._writer) as session, session.begin():
            if not self._replies(session, message_id):
                session.execute(delete(ChatMessage).where(ChatMessage.id == message_id, ChatMessage.role == USER))

    def add_agent_message(self, conversation_id: str, text: str, agent: str) -> MessageView:
        """A message from the human agent holding the conversation (shown as a person's)."""
        with Session(self._writer) as session, session.begin():
            row = ChatMessage(
                conversation_id=conversation_id,
                role=AGENT,
                body=_dump({"text": text, "agent": agent}),
                at=self._now(),
            )
            session.add(row)
            session.flush()
            return _view(row)

    def forget_before(self, cutoff: datetime) -> int:
        """Delete the messages older than ``cutoff`` (retention); the number deleted."""
        with Session(self._writer) as session, session.begin():
            result = session.execute(delete(ChatMessage).where(ChatMessage.at < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)

    def forget_conversation(self, conversation_id: str) -> int:
        """Delete one conversation's messages (the caller asked for their data to be removed)."""
        with Session(self._writer) as session, session.begin():
            result = session.execute(delete(ChatMessage).where(ChatMessage.conversation_id == conversation_id))
            return int(getattr(result, "rowcount", 0) or 0)

    # ------------------------------------------------------------------ reading
    def history(self, conversation_id: str, after: int = 0, limit: int = 500) -> list[MessageView]:
        """The conversation's messages after message id ``after``, oldest first (the newest ``limit``)."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ChatMessage)
                .where(ChatMessage.conversation_id == conversation_id, ChatMessage.id > after)
                .order_by(ChatMessage.id.desc())
                .limit(limit)
            ).all()
            return [_view(row) for row in reversed(rows)]

    @staticmethod
    def _find(session: Session, conversation_id: str, client_id: str | None) -> ChatMessage | None:
        if not client_id:
            return None
        return session.scalars(
            select(ChatMessage).where(
                ChatMessage.conversation_id == conversation_id, ChatMessage.client_id == client_id
            )
        ).first()

    @staticmethod
    def _replies(session: Session, message_id: int) -> list[MessageView]:
        rows = session.scalars(
            select(ChatMessage).where(ChatMessage.reply_to == message_id).order_by(ChatMessage.id)
        ).all()
        return [_view(row) for row in rows]


def _dump(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _view(row: ChatMessage) -> MessageView:
    return MessageView(id=row.id, role=row.role, at=_aware(row.at), body=json.loads(row.body), client_id=row.client_id)
