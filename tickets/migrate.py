"""Bring a work-order database to the newest schema with Alembic (migrations/ at the repo root).

Every process that opens a TicketStore calls ``upgrade_to_head``; several may start at once, so
the upgrade runs under a lock (sqlstore.migrate: SQLite's write lock or a PostgreSQL advisory
lock, inside one transaction). Databases made by the earlier ``create_all`` (tables, no
alembic_version) are stamped with the baseline first.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection, Engine

from sqlstore.migrate import Migrations

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
BASELINE_REVISION = "0001"
MIGRATIONS = Migrations(
    script_location=MIGRATIONS_DIR,
    version_table="alembic_version",
    baseline_revision=BASELINE_REVISION,
    baseline_table="work_orders",
    lock_key=0x1234_5_0001,
    ini_file=PROJECT_ROOT / "alembic.ini",
)


def alembic_config(connection: Connection | None = None) -> Config:
    return MIGRATIONS.config(connection)


def head_revision() -> str:
    return MIGRATIONS.head_revision()


def current_revision(connection: Connection) -> str | None:
    return MIGRATIONS.current_revision(connection)


def upgrade_to_head(write_engine: Engine) -> None:
    """Migrate the database behind ``write_engine`` (its writers lock up front on SQLite)."""
    MIGRATIONS.upgrade_to_head(write_engine)
