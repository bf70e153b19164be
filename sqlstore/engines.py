"""The one SQLAlchemy engine factory of the stores, with the same settings for every store.

SQLite files: WAL (several processes read while one writes), a busy timeout, durable commits,
foreign keys, and explicit BEGIN so that writers can take the write lock up front
(`write_engine`). PostgreSQL: a lock timeout. Both: statement parameters and PostgreSQL's
DETAIL (which quotes row values such as a caller's phone number) are kept out of error messages.
"""

from __future__ import annotations

import random
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 15_000  # PostgreSQL's counterpart of the SQLite busy timeout


def make_engine(database_url: str, *, lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> Engine:
    """An engine for `database_url` (SQLite file or memory, PostgreSQL, or another backend)."""
    url = make_url(database_url)
    # hide_parameters: a failed statement's message must not carry a caller's phone or address.
    if url.get_backend_name() != "sqlite":
        # A row lock held elsewhere fails the statement after LOCK_TIMEOUT instead of holding a
        # worker thread (and its connection) for as long as the lock lives.
        if url.get_backend_name() == "postgresql":
            existing = url.query.get("options", "")
            existing = " ".join(existing) if isinstance(existing, tuple) else existing
            url = url.update_query_dict({"options": f"{existing} -c lock_timeout={lock_timeout_ms}".strip()})
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
        hide_error_details(engine)
        return engine

    database = url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if in_memory:
        # One shared connection, otherwise every connection sees its own empty database.
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}, hide_parameters=True
        )
    else:
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            hide_parameters=True,
        )
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def write_engine(engine: Engine) -> Engine:
    """The same engine for writers: on SQLite their transactions start with BEGIN IMMEDIATE."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")


_DETAIL = re.compile(r"\nDETAIL:.*", re.DOTALL)


def hide_error_details(engine: Engine) -> None:
    """Drop PostgreSQL's DETAIL from error messages: it quotes row values ("Failing row contains
    (…, 13812345678, …)", "Key (conversation_id, …)=(…) already exists"), which
    ``hide_parameters`` does not cover. The constraint's name stays in the message."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        for error in (context.original_exception, context.sqlalchemy_exception):
            if error is not None and error.args and isinstance(error.args[0], str):
                error.args = (_DETAIL.sub("\nDETAIL:  [hidden]", error.args[0]),) + tuple(error.args[1:])


def _switch_to_wal(cursor: Any, attempts: int = 50) -> None:
    """``PRAGMA journal_mode=WAL``, retried: two processes switching a fresh file at the same
    moment deadlock on the lock upgrade, and SQLite then fails one at once, without its busy timeout."""
    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error).lower() or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05))


def _configure_sqlite(engine: Engine, wal: bool) -> None:
    """WAL, busy timeout, durable commits, and explicit BEGIN so writers can lock up front.

    pysqlite's own transaction handling defers BEGIN; with it, two writers that both read first
    can deadlock into an immediate "database is locked" that the busy timeout cannot resolve.
    """
    lock = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            if wal:
                with lock:  # switching to WAL needs a brief exclusive lock
                    _switch_to_wal(cursor)
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())
