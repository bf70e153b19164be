"""Alembic environment of the work-order tables.

Two ways in: tickets/migrate.py passes an open connection (inside its lock and transaction) in
``config.attributes["connection"]``; the ``alembic`` command line builds an engine from
``HOTLINE_DATABASE_URL`` (or ``-x url=...``).
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import create_engine

from tickets.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Only our tables: other stores (the knowledge base) may share the database."""
    if type_ == "table" and reflected and compare_to is None:
        return name in target_metadata.tables
    return True


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    if config.config_file_name:
        fileConfig(config.config_file_name)
    from hotline.settings import load_settings

    url = context.get_x_argument(as_dictionary=True).get("url") or load_settings().database_url
    engine = create_engine(url)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_online()
