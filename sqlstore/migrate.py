"""Bring one store's tables to its newest Alembic revision, safely when several processes start.

Each store (work orders, knowledge) has its own script directory and its own version table, so
both can share one database or live in separate ones. The upgrade runs under a lock, inside one
transaction (both databases have transactional DDL): SQLite's write lock (BEGIN IMMEDIATE on the
write engine) or a PostgreSQL advisory lock of the store's own key. A database whose tables the
store's earlier ``create_all`` made (its baseline table present, no version table) is stamped
with the baseline revision first, then upgraded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text


@dataclass(frozen=True)
class Migrations:
    """One store's Alembic migrations."""

    script_location: Path
    version_table: str
    baseline_revision: str  # the schema create_all made before the store had migrations
    baseline_table: str  # present without `version_table`: a database create_all made
    lock_key: int  # PostgreSQL advisory lock; any fixed 64-bit number, one per store
    ini_file: Path | None = None  # logging settings for the alembic command line

    def config(self, connection: Connection | None = None) -> Config:
        """An Alembic config; with `connection`, env.py migrates through it (no engine of its own)."""
        config = Config(str(self.ini_file)) if self.ini_file is not None else Config()
        config.set_main_option("script_location", str(self.script_location))
        if connection is not None:
            config.attributes["connection"] = connection
        return config

    def head_revision(self) -> str:
        return _head_revision(self)

    def current_revision(self, connection: Connection) -> str | None:
        context = MigrationContext.configure(connection, opts={"version_table": self.version_table})
        return context.get_current_revision()

    def upgrade_to_head(self, write_engine: Engine) -> None:
        """Migrate the database behind `write_engine` (its writers lock up front on SQLite)."""
        # The usual case: already at head. Checked with a plain (deferred) BEGIN, no write lock.
        with write_engine.execution_options(sqlite_begin="").connect() as connection:
            if self.current_revision(connection) == self.head_revision():
                return
        with write_engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.lock_key})
            if self.current_revision(connection) == self.head_revision():
                return  # another process migrated while we waited for the lock
            config = self.config(connection)
            tables = set(inspect(connection).get_table_names())
            if self.baseline_table in tables and self.version_table not in tables:
                command.stamp(config, self.baseline_revision)
            command.upgrade(config, "head")


@lru_cache(maxsize=8)
def _head_revision(migrations: Migrations) -> str:
    head = ScriptDirectory.from_config(migrations.config()).get_current_head()
    assert head is not None, f"{migrations.script_location} has no revisions"
    return head
