"""The web app runs the retention job by itself: nobody has to remember a cron entry (issue 14, item 4)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import NewWorkOrder, TicketStore


def _closed(url: str, when: datetime, description: str) -> str:
    with TicketStore(url, prefix="JZ", clock=lambda: when) as store:
        order = store.create_work_order(
            NewWorkOrder(
                kind="投诉", description=description, address="焦东路88号", phone="13812345678", department="市城管局"
            )
        )
        WorkOrderLifecycle(store).close(order.number, actor="agent:1", note="当场答复")
        return order.number


def test_the_web_app_redacts_orders_past_the_retention_period(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    now = datetime.now(UTC)
    old = _closed(url, now - timedelta(days=40), "楼道堆放杂物")
    recent = _closed(url, now - timedelta(days=5), "路灯不亮")
    for name, value in {
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        "HOTLINE_RETENTION_DAYS": "30",
        "HOTLINE_RETENTION_INTERVAL_SECONDS": "3600",
        "HOTLINE_SWEEP_INTERVAL_SECONDS": "0",
        "HOTLINE_TRACKER_DB_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    }.items():
        monkeypatch.setenv(name, value)
    from webapp import app as webapp_module
    from webapp import config, deps

    config.web_settings.cache_clear()
    deps.clear()
    with TestClient(webapp_module.create_app()):  # the lifespan starts the timers; the first run is at once
        deadline = time.monotonic() + 20
        with TicketStore(url, prefix="JZ") as store:
            while store.get(old).redacted_at is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert store.get(old).redacted_at is not None and store.get(old).phone is None
            assert store.get(recent).phone == "13812345678"
    deps.clear()
