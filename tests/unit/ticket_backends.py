"""Fixtures that run the work-order tests on SQLite and on a real PostgreSQL.

PostgreSQL runs when HOTLINE_TEST_POSTGRES_URL names a server database we may create databases
from (CI and this machine: postgresql+psycopg://postgres@127.0.0.1:5432/test); otherwise those
cases skip with a reason. Isolation: one fresh database per test session, dropped at the end,
and a fresh schema (search_path) per test inside it.

Use with ``from tests.unit.ticket_backends import *  # noqa: F401,F403`` in a test module.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from tickets.store import NewWorkOrder, TicketStore
from tickets.time_limits import TimeLimits

POSTGRES_ENV = "HOTLINE_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
CITY_DIR = Path(__file__).resolve().parents[2] / "cities" / "jiaozuo"

__all__ = [
    "FakeClock",
    "backend",
    "clock",
    "complaint",
    "db_url",
    "postgres_database",
    "store",
    "time_limits",
]


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def complaint(description: str = "楼下烧烤店每天夜里噪音扰民", **fields: object) -> NewWorkOrder:
    values: dict[str, object] = {
        "kind": "投诉",
        "description": description,
        "district": "山阳区",
        "address": "山阳区焦东路",
        "phone": "13812345678",
        "department": "市城管局",
        "local_government": "山阳区人民政府",
        "routing_reason": "rule:noise keywords=噪音",
        "needs_review": False,
        "conversation_id": None,
    }
    values.update(fields)
    return NewWorkOrder(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """URL of a database created for this test session (dropped afterwards)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL not configured: set {POSTGRES_ENV} "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run these cases"
        )
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except SQLAlchemyError as error:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL refused CREATE DATABASE: {error}")
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'nested' / 'hotline.db'}"
        return
    database = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    yield (
        make_url(database)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


@pytest.fixture
def clock() -> FakeClock:
    # Sunday 2026-11-22 10:00 in Beijing time.
    return FakeClock(datetime(2026, 11, 22, 2, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def time_limits() -> TimeLimits:
    return TimeLimits.load(CITY_DIR / "time_limits.yaml")


@pytest.fixture
def store(db_url: str, clock: FakeClock, time_limits: TimeLimits) -> Iterator[TicketStore]:
    with TicketStore(db_url, prefix="JZ", clock=clock, time_limits=time_limits) as opened:
        yield opened
