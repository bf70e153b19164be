"""Lifecycle: time limits (urgency, matter, due_at), extension requests, 督办 marker; satisfaction.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("work_orders", sa.Column("urgency", sa.String(8), nullable=False, server_default="一般"))
    op.add_column("work_orders", sa.Column("matter", sa.String(128)))
    op.add_column("work_orders", sa.Column("due_at", sa.DateTime(timezone=True)))
    op.add_column("work_orders", sa.Column("extension_days", sa.Integer()))
    op.add_column("work_orders", sa.Column("extension_reason", sa.Text()))
    op.add_column("work_orders", sa.Column("supervised_at", sa.DateTime(timezone=True)))
    op.create_index("ix_work_orders_due_at", "work_orders", ["due_at"])
    # A development database may already have this table from the short-lived create_all era.
    if "satisfaction_ratings" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "satisfaction_ratings",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("conversation_id", sa.String(128), nullable=False),
            sa.Column("work_order_number", sa.String(32)),
            sa.Column("score", sa.Integer(), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_satisfaction_ratings_score"),
        )
        op.create_index("ix_satisfaction_ratings_conversation_id", "satisfaction_ratings", ["conversation_id"])
        op.create_index("ix_satisfaction_ratings_work_order_number", "satisfaction_ratings", ["work_order_number"])


def downgrade() -> None:
    op.drop_table("satisfaction_ratings")
    op.drop_index("ix_work_orders_due_at", table_name="work_orders")
    with op.batch_alter_table("work_orders") as batch:
        for column in ("supervised_at", "extension_reason", "extension_days", "due_at", "matter", "urgency"):
            batch.drop_column(column)
