"""Alembic migrations give exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from tests.unit.ticket_backends import FakeClock
from tickets.migrate import current_revision, head_revision
from tickets.models import Base
from tickets.store import NewWorkOrder, TicketStore


def test_empty_database_migrates_to_the_models_schema(db_url: str, clock: FakeClock) -> None:
    with TicketStore(db_url, prefix="JZ", clock=clock) as store, store.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert {
        "work_orders",
        "work_order_events",
        "satisfaction_ratings",
        "alembic_version",
        "work_order_counters",
        "access_log",
        "handoffs",
    } <= tables


def test_opening_twice_is_a_no_op(db_url: str, clock: FakeClock) -> None:
    with TicketStore(db_url, prefix="JZ", clock=clock) as first:
        number = first.create_work_order(NewWorkOrder(kind="咨询", description="公积金怎么提取")).number
    with TicketStore(db_url, prefix="JZ", clock=clock) as again:
        assert again.get(number) is not None


# The schema `create_all` made before migrations existed (tickets/models.py at that time).
_LEGACY_SCHEMA = """
CREATE TABLE work_orders (
    id INTEGER NOT NULL PRIMARY KEY, number VARCHAR(32) NOT NULL, number_prefix VARCHAR(16) NOT NULL,
    number_day VARCHAR(8) NOT NULL, number_seq INTEGER NOT NULL, kind VARCHAR(8) NOT NULL,
    status VARCHAR(8) NOT NULL, description TEXT NOT NULL, district VARCHAR(32), address VARCHAR(500),
    phone VARCHAR(32), department VARCHAR(64), local_government VARCHAR(64), routing_reason TEXT,
    needs_review BOOLEAN NOT NULL, conversation_id VARCHAR(128), content_hash VARCHAR(64) NOT NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,
    CONSTRAINT uq_work_orders_daily_seq UNIQUE (number_prefix, number_day, number_seq),
    CONSTRAINT uq_work_orders_conversation_content UNIQUE (conversation_id, content_hash), UNIQUE (number));
CREATE INDEX ix_work_orders_department ON work_orders (department);
CREATE INDEX ix_work_orders_conversation_id ON work_orders (conversation_id);
CREATE TABLE work_order_events (
    id INTEGER NOT NULL PRIMARY KEY, work_order_id INTEGER NOT NULL, at DATETIME NOT NULL,
    actor VARCHAR(64) NOT NULL, action VARCHAR(32) NOT NULL, from_status VARCHAR(8), to_status VARCHAR(8),
    note TEXT, FOREIGN KEY(work_order_id) REFERENCES work_orders (id));
CREATE INDEX ix_work_order_events_work_order_id ON work_order_events (work_order_id);
CREATE TRIGGER work_order_events_no_update BEFORE UPDATE ON work_order_events
    BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END;
CREATE TRIGGER work_order_events_no_delete BEFORE DELETE ON work_order_events
    BEGIN SELECT RAISE(ABORT, 'work_order_events is append-only'); END;
INSERT INTO work_orders VALUES (1, 'JZ20261120-0001', 'JZ', '20261120', 1, '投诉', '已受理', '路灯不亮',
    '温县', NULL, NULL, '市城管局', NULL, NULL, 0, 'c1', 'h', '2026-11-20 02:00:00', '2026-11-20 02:00:00');
INSERT INTO work_order_events VALUES (1, 1, '2026-11-20 02:00:00', 'assistant', '受理', NULL, '已受理', NULL);
"""


def test_a_database_from_before_migrations_is_upgraded_in_place(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "legacy.db"
    with sqlite3.connect(path) as raw:
        raw.executescript(_LEGACY_SCHEMA)
    with TicketStore(f"sqlite:///{path}", prefix="JZ", clock=clock) as store:
        old = store.get("JZ20261120-0001")
        assert old is not None and old.urgency == "一般" and old.due_at is None
        assert [e.action for e in store.events(old.number)] == ["受理"]
        assert store.create_work_order(NewWorkOrder(kind="投诉", description="新的")).due_at is not None
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []


def test_migrations_leave_other_stores_tables_alone(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "shared.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE kb_entries (id TEXT PRIMARY KEY)")
    TicketStore(f"sqlite:///{path}", prefix="JZ", clock=clock).close()
    assert "kb_entries" in inspect(create_engine(f"sqlite:///{path}")).get_table_names()
