"""Alembic environment of the work-order tables (tickets/models.py).

Two ways in: tickets/migrate.py passes an open connection (inside its lock and transaction) in
``config.attributes["connection"]``; the ``alembic`` command line builds an engine from
``HOTLINE_DATABASE_URL`` (or ``-x url=...``). The knowledge store's tables have their own
environment and version table (migrations/knowledge/).
"""

from __future__ import annotations

from sqlstore.alembic_env import run_migrations
from tickets.migrate import MIGRATIONS
from tickets.models import Base


def _default_url() -> str:
    from settings import load_settings

    return load_settings().database_url


run_migrations(Base.metadata, MIGRATIONS.version_table, _default_url)
