"""Trust (issue 14): numbering counters, public references, redaction, access log, hand-off queue.

- ``work_order_counters``: one row per (prefix, Beijing day), bumped atomically; seeded from the
  numbers already filed.
- ``work_orders.public_ref`` (unique; existing orders get one here) and ``work_orders.redacted_at``.
- ``access_log``: who read which order's personal data, when and why.
- ``handoffs``: the "转人工" queue on the agents' side.
- The events' append-only triggers now allow one change: the note and actor of an event of an
  order whose personal data has been removed (``redacted_at`` set), so redaction can scrub them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# tickets/references.py, copied: a migration must not change when the application code does.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REF_LENGTH = 8

_SQLITE_NO_UPDATE = "work_order_events_no_update"
_SQLITE_GUARDED_UPDATE = (
    f"CREATE TRIGGER {_SQLITE_NO_UPDATE} BEFORE UPDATE ON work_order_events "
    "WHEN NEW.id IS NOT OLD.id OR NEW.work_order_id IS NOT OLD.work_order_id OR NEW.at IS NOT OLD.at "
    "OR NEW.action IS NOT OLD.action OR NEW.from_status IS NOT OLD.from_status "
    "OR NEW.to_status IS NOT OLD.to_status "
    "OR (SELECT redacted_at FROM work_orders WHERE id = OLD.work_order_id) IS NULL "
    "BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END"
)
_SQLITE_PLAIN_UPDATE = (
    f"CREATE TRIGGER {_SQLITE_NO_UPDATE} BEFORE UPDATE ON work_order_events "
    "BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END"
)
_POSTGRES_GUARDED_FUNCTION = """
CREATE OR REPLACE FUNCTION work_order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id AND NEW.work_order_id = OLD.work_order_id AND NEW.at = OLD.at
       AND NEW.action = OLD.action
       AND NEW.from_status IS NOT DISTINCT FROM OLD.from_status
       AND NEW.to_status IS NOT DISTINCT FROM OLD.to_status
       AND EXISTS (SELECT 1 FROM work_orders WHERE id = OLD.work_order_id AND redacted_at IS NOT NULL)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'work_order_events is append-only';
END $$
"""
_POSTGRES_PLAIN_FUNCTION = (
    "CREATE OR REPLACE FUNCTION work_order_events_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'work_order_events is append-only'; END $$"
)


def _new_ref() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(_REF_LENGTH))


def _backfill_public_refs() -> None:
    bind = op.get_bind()
    orders = sa.table("work_orders", sa.column("id", sa.Integer), sa.column("public_ref", sa.String))
    ids = [row.id for row in bind.execute(sa.select(orders.c.id).where(orders.c.public_ref.is_(None)))]
    used: set[str] = set()
    for order_id in ids:
        ref = _new_ref()
        while ref in used:
            ref = _new_ref()
        used.add(ref)
        bind.execute(orders.update().where(orders.c.id == order_id).values(public_ref=ref))


def _seed_counters() -> None:
    op.execute(
        "INSERT INTO work_order_counters (prefix, day, last_seq) "
        "SELECT number_prefix, number_day, MAX(number_seq) FROM work_orders GROUP BY number_prefix, number_day"
    )


def _replace_update_guard(guarded: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {_SQLITE_NO_UPDATE}")
        op.execute(_SQLITE_GUARDED_UPDATE if guarded else _SQLITE_PLAIN_UPDATE)
    elif dialect == "postgresql":
        op.execute(_POSTGRES_GUARDED_FUNCTION if guarded else _POSTGRES_PLAIN_FUNCTION)


def upgrade() -> None:
    op.create_table(
        "work_order_counters",
        sa.Column("prefix", sa.String(16), primary_key=True),
        sa.Column("day", sa.String(8), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
    )
    _seed_counters()

    op.add_column("work_orders", sa.Column("public_ref", sa.String(16)))
    op.add_column("work_orders", sa.Column("redacted_at", sa.DateTime(timezone=True)))
    _backfill_public_refs()
    op.create_index("ix_work_orders_public_ref", "work_orders", ["public_ref"], unique=True)

    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("work_order_number", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(200), nullable=False),
    )
    op.create_index("ix_access_log_at", "access_log", ["at"])
    op.create_index("ix_access_log_work_order_number", "access_log", ["work_order_number"])

    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(128)),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("taken_by", sa.String(64)),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('waiting', 'taken', 'closed')", name="ck_handoffs_status"),
    )
    op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"])
    op.create_index("ix_handoffs_status", "handoffs", ["status"])

    _replace_update_guard(guarded=True)


def downgrade() -> None:
    _replace_update_guard(guarded=False)
    op.drop_table("handoffs")
    op.drop_table("access_log")
    op.drop_index("ix_work_orders_public_ref", table_name="work_orders")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would drop work_orders,
    # which the events' foreign keys forbid.
    op.drop_column("work_orders", "redacted_at")
    op.drop_column("work_orders", "public_ref")
    op.drop_table("work_order_counters")
