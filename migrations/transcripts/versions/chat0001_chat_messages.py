"""Chat transcripts (issue 18): every message of a web conversation, for restoring it after a reload.

Revision ID: chat0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "chat0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("client_id", sa.String(64)),
        sa.Column("reply_to", sa.Integer()),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("conversation_id", "client_id", name="uq_chat_messages_client_id"),
        sa.CheckConstraint("role IN ('user', 'bot', 'agent')", name="ck_chat_messages_role"),
    )
    op.create_index("ix_chat_messages_conversation_id", "chat_messages", ["conversation_id"])
    op.create_index("ix_chat_messages_at", "chat_messages", ["at"])
    op.create_index("ix_chat_messages_reply_to", "chat_messages", ["reply_to"])


def downgrade() -> None:
    op.drop_table("chat_messages")
