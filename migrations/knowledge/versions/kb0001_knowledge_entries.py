"""Knowledge entries (the schema before migrations existed).

Databases created by the earlier ``create_all`` of knowledge_base/store.py have exactly this table;
knowledge_base/migrate.py stamps them with this revision and upgrades from here.

Revision ID: kb0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kb0001"
down_revision = None
branch_labels = None
depends_on = None

_INDEXED = ("region", "kind", "status", "updated_at", "source_key")


def upgrade() -> None:
    op.create_table(
        "kb_entries",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("plain_answer", sa.Text(), nullable=False),
        sa.Column("voice_answer", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("source_title", sa.Text(), nullable=False),
        sa.Column("source_doc_number", sa.String(200), nullable=False),
        sa.Column("source_issuer", sa.Text(), nullable=False),
        sa.Column("source_date", sa.String(10), nullable=False),
        sa.Column("source_section", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("valid_from", sa.String(10), nullable=False),
        sa.Column("valid_to", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_manual", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("source_key", sa.String(300), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in _INDEXED:
        op.create_index(f"ix_kb_entries_{column}", "kb_entries", [column])


def downgrade() -> None:
    op.drop_table("kb_entries")
