"""Fixtures shared by the test modules: the city directory, and work-order stores on SQLite and PostgreSQL.

The work-order fixtures (``backend``, ``db_url``, ``store``) run a test once per backend. PostgreSQL runs
when HOTLINE_TEST_POSTGRES_URL names a server database we may create databases from (CI and this
machine: postgresql+psycopg://postgres@127.0.0.1:5432/test); otherwise those cases skip with a
reason. Isolation: one fresh database per test session, dropped at the end, and a fresh schema
(search_path) per test inside it. Helpers a test calls itself (``FakeClock``, ``complaint``) are
imported by name from tests.unit.ticket_backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from routing.directory import CityDirectory
from tests.unit.ticket_backends import FakeClock
from tickets.store import TicketStore
from tickets.time_limits import TimeLimits

if TYPE_CHECKING:  # imported where used: not every test session needs the model or the router
    from knowledge_base.encoder import Encoder
    from routing.router import Router

POSTGRES_ENV = "HOTLINE_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
CITY_DIR = Path(__file__).resolve().parents[1] / "cities" / "jiaozuo"


# ---- the city ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def city_dir() -> Path:
    """The shipped city data (cities/jiaozuo): read it, never write to it."""
    return CITY_DIR


@pytest.fixture(scope="session")
def directory(city_dir: Path) -> CityDirectory:
    return CityDirectory.load(city_dir)


@pytest.fixture(scope="session")
def time_limits(city_dir: Path) -> TimeLimits:
    return TimeLimits.load(city_dir / "time_limits.yaml")


@pytest.fixture(scope="session")
def rules_router(city_dir: Path) -> Router:
    """The keyword rules alone, whatever model var/ holds."""
    from routing.router import Router

    return Router.from_city_dir(city_dir, model_path=None)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The embedding model `make setup` builds (loaded once per session)."""
    from knowledge_base.encoder import Encoder
    from settings import load_settings

    model_dir = load_settings().model_dir
    if not (model_dir / "modules.json").exists():
        pytest.fail(f"embedding model not built in {model_dir}: run `make setup` (or `hotline model build`)")
    return Encoder(model_dir)


# ---- work-order stores on SQLite and PostgreSQL ------------------------------------------------
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


@pytest.fixture
def store(db_url: str, clock: FakeClock, time_limits: TimeLimits) -> Iterator[TicketStore]:
    with TicketStore(db_url, prefix="JZ", clock=clock, time_limits=time_limits) as opened:
        yield opened
