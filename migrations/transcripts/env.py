"""Alembic environment of the chat transcripts (webapp/transcripts.py).

Its own version table, chat_alembic_version, so the transcripts can share a database with the
work orders and the knowledge store. Every TranscriptStore runs it on opening.
"""

from __future__ import annotations

from sqlstore.alembic_env import run_migrations
from webapp.transcripts import MIGRATIONS, Base


def _default_url() -> str:
    from settings import load_settings

    return load_settings().database_url


run_migrations(Base.metadata, MIGRATIONS.version_table, _default_url)
