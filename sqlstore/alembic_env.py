"""What a store's Alembic env.py runs (migrations/env.py, migrations/knowledge/env.py).

Two ways in: `Migrations.upgrade_to_head` passes an open connection (inside its lock and
transaction) in ``config.attributes["connection"]``; the ``alembic`` command line migrates the
database of ``-x url=...``, else of `default_url()`, through `make_engine`.
"""

from __future__ import annotations

from collections.abc import Callable
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection, MetaData

from sqlstore.engines import make_engine, write_engine


def run_migrations(target_metadata: MetaData, version_table: str, default_url: Callable[[], str]) -> None:
    """Online migrations of the tables of `target_metadata`, recorded in `version_table`."""
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported; run against a database")

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        """Only this store's tables: the other store may share the database."""
        if type_ == "table" and reflected and compare_to is None:
            return name in target_metadata.tables
        return True

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=version_table,
            include_object=include_object,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return
    if config.config_file_name:
        fileConfig(config.config_file_name)
    url = context.get_x_argument(as_dictionary=True).get("url") or default_url()
    engine = make_engine(url)
    try:
        with write_engine(engine).connect() as connection:
            migrate(connection)
    finally:
        engine.dispose()
