"""Work orders and their append-only event log (the schema before migrations existed).

Databases created by the earlier ``create_all`` have exactly these tables; tickets/migrate.py
stamps them with this revision and upgrades from here.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS work_order_events_no_update BEFORE UPDATE ON work_order_events "
    "BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS work_order_events_no_delete BEFORE DELETE ON work_order_events "
    "BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION work_order_events_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'work_order_events is append-only'; END $$",
    "CREATE TRIGGER work_order_events_append_only BEFORE UPDATE OR DELETE ON work_order_events "
    "FOR EACH ROW EXECUTE FUNCTION work_order_events_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("number_prefix", sa.String(16), nullable=False),
        sa.Column("number_day", sa.String(8), nullable=False),
        sa.Column("number_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("district", sa.String(32)),
        sa.Column("address", sa.String(500)),
        sa.Column("phone", sa.String(32)),
        sa.Column("department", sa.String(64)),
        sa.Column("local_government", sa.String(64)),
        sa.Column("routing_reason", sa.Text()),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("conversation_id", sa.String(128)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("number_prefix", "number_day", "number_seq", name="uq_work_orders_daily_seq"),
        sa.UniqueConstraint("conversation_id", "content_hash", name="uq_work_orders_conversation_content"),
    )
    op.create_index("ix_work_orders_department", "work_orders", ["department"])
    op.create_index("ix_work_orders_conversation_id", "work_orders", ["conversation_id"])
    op.create_table(
        "work_order_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("work_order_id", sa.Integer(), sa.ForeignKey("work_orders.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(8)),
        sa.Column("to_status", sa.String(8)),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_work_order_events_work_order_id", "work_order_events", ["work_order_id"])
    # The ORM refuses to change events; the database refuses raw SQL too.
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, ()):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS work_order_events_append_only ON work_order_events")
        op.execute("DROP FUNCTION IF EXISTS work_order_events_append_only()")
    op.drop_table("work_order_events")
    op.drop_table("work_orders")
