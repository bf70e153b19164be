"""Bring a work-order database to the newest schema with Alembic (migrations/ at the repo root).

Every process that opens a TicketStore calls ``upgrade_to_head``; several may start at once, so
the upgrade runs under a lock: SQLite's write lock (BEGIN IMMEDIATE) or a PostgreSQL advisory
lock, inside one transaction (both databases have transactional DDL). Databases made by the
earlier ``create_all`` (tables, no alembic_version) are stamped with the baseline first.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
BASELINE_REVISION = "0001"
# Any fixed 64-bit number; all processes migrating the same database agree on it.
_POSTGRES_LOCK_KEY = 0x1234_5_0001


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/ has no revisions"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(write_engine: Engine) -> None:
    """Migrate the database behind ``write_engine`` (its writers lock up front on SQLite)."""
    # The usual case: already at head. Checked with a plain (deferred) BEGIN, no write lock.
    with write_engine.execution_options(sqlite_begin="").connect() as connection:
        if current_revision(connection) == head_revision():
            return
    with write_engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK_KEY})
        if current_revision(connection) == head_revision():
            return  # another process migrated while we waited for the lock
        config = alembic_config(connection)
        tables = set(inspect(connection).get_table_names())
        if "work_orders" in tables and "alembic_version" not in tables:
            command.stamp(config, BASELINE_REVISION)
        command.upgrade(config, "head")
