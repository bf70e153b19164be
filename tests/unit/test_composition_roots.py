"""The composition roots build the domain objects from the Settings (issue 15): the domain
packages read no environment, so the city's prefix, time limits, paths and intervals reach them
from actions/services.py and webapp/deps.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from settings import PROJECT_ROOT, Settings
from tickets.store import NewWorkOrder
from tickets.time_limits import TimeLimits

CITY_DIR = PROJECT_ROOT / "cities" / "jiaozuo"
WHEN = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _complaint() -> NewWorkOrder:
    return NewWorkOrder(kind="投诉", description="路灯不亮", department="市城管局")


@pytest.fixture
def configured(tmp_path: Path) -> Settings:
    return Settings.from_values(
        var_dir=tmp_path / "var",
        city_dir=CITY_DIR,
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        db_deadline_seconds=0.5,
        outbox_interval_seconds=3,
        index_reload_seconds=2,
    )


def test_the_action_server_builds_from_its_settings(configured: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from actions import offload, services

    monkeypatch.setattr(services, "settings", lambda: configured)
    for cached in (services.directory, services.ticket_store, services.outbox):
        cached.cache_clear()
    try:
        store = services.ticket_store()
        assert store.ticket_prefix == "JZ" and store.time_limits == TimeLimits.for_city(CITY_DIR)
        store._clock = lambda: WHEN
        assert store.create_work_order(_complaint()).number.startswith("JZ2026")
        assert services.outbox().directory.parent == configured.var_dir / "outbox"
        assert offload.deadline_seconds() == 0.5
        store.close()
    finally:
        for cached in (services.directory, services.ticket_store, services.outbox):
            cached.cache_clear()


def test_the_web_app_builds_from_its_settings(configured: Settings) -> None:
    from webapp import deps
    from webapp.app import create_app

    app = create_app(configured)
    services = app.state.services
    store = deps.ticket_store(services, deps.directory(services))
    assert store is deps.store_outside_requests(app)  # one store per app
    assert store.ticket_prefix == "JZ" and store.time_limits == TimeLimits.for_city(CITY_DIR)
    store._clock = lambda: WHEN
    assert store.create_work_order(_complaint()).number.startswith("JZ2026")
    services.close()


def test_the_web_app_takes_its_session_secret_from_the_settings(tmp_path: Path) -> None:
    from tests.unit.fake_rasa import running_fake_rasa
    from webapp import conversations
    from webapp.app import create_app

    secret = "shared-secret-of-every-web-machine-0123"
    with running_fake_rasa() as rasa_url:
        app = create_app(Settings.from_values(var_dir=tmp_path / "var", session_secret=secret, rasa_url=rasa_url))
        response = TestClient(app).post("/api/chat", json={"message": "你好"})
    cookie = response.cookies.get(conversations.COOKIE_NAME)
    assert cookie and conversations.verify(cookie, secret.encode()) is not None
    assert not (tmp_path / "var" / "session_secret").exists()


def test_a_dependency_override_replaces_the_store_everywhere(tmp_path: Path) -> None:
    """Tests give the app their own objects through app.dependency_overrides; the timers see them too."""
    from webapp import deps
    from webapp.app import create_app

    app = create_app(Settings.from_values(var_dir=tmp_path / "var", sweep_interval_seconds=0))
    marker = object()
    app.dependency_overrides[deps.ticket_store] = lambda: marker
    assert deps.store_outside_requests(app) is marker


def test_a_bad_variable_stops_the_web_app_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from settings import SettingsError
    from webapp.app import create_app

    monkeypatch.setenv("HOTLINE_MAX_BODY_BYTES", "64k")
    with pytest.raises(SettingsError, match="HOTLINE_MAX_BODY_BYTES='64k'"):
        create_app()
