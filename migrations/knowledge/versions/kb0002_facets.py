"""Facets of structured guides (issue 16): the parts a caller can ask for alone.

``kb_entries.facets`` maps a facet name (knowledge_base.facets: materials, place, fee …) to its
lines. Existing rows get an empty mapping; the next import of the guides fills it in.

Revision ID: kb0002
Revises: kb0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "kb0002"
down_revision = "kb0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_entries") as batch:
        batch.add_column(sa.Column("facets", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("kb_entries") as batch:
        batch.drop_column("facets")
