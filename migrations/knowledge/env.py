"""Alembic environment of the knowledge store's tables (knowledge_base/models.py).

Its own version table, kb_alembic_version, so it can share a database with the work orders
(migrations/env.py). Every KnowledgeStore runs it on opening (knowledge_base/migrate.py). A new
revision, compared with the database of HOTLINE_DATABASE_URL:
    .venv/bin/python -c "from alembic import command; from knowledge_base.migrate import MIGRATIONS;
        command.revision(MIGRATIONS.config(), 'what changed', autogenerate=True)"
(then review the script in migrations/knowledge/versions/).
"""

from __future__ import annotations

from knowledge_base.migrate import MIGRATIONS
from knowledge_base.models import Base
from sqlstore.alembic_env import run_migrations


def _default_url() -> str:
    from settings import load_settings

    return load_settings().database_url


run_migrations(Base.metadata, MIGRATIONS.version_table, _default_url)
