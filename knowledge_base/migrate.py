"""The knowledge store's Alembic migrations (migrations/knowledge/, version table kb_alembic_version).

Every KnowledgeStore upgrades its database to head on opening (sqlstore.migrate: under a lock;
a database made by the earlier ``create_all`` is stamped with the baseline first). The version
table is the store's own, so the knowledge and the work orders can share one database.
"""

from __future__ import annotations

from pathlib import Path

from sqlstore.migrate import Migrations

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Migrations(
    script_location=PROJECT_ROOT / "migrations" / "knowledge",
    version_table="kb_alembic_version",
    baseline_revision="kb0001",
    baseline_table="kb_entries",
    lock_key=0x1234_5_0002,
    ini_file=PROJECT_ROOT / "alembic.ini",
)
