"""The web app runs the retention job by itself: nobody has to remember a cron entry (issue 14, item 4)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from settings import Settings
from tickets.lifecycle import WorkOrderLifecycle
from tickets.store import NewWorkOrder, TicketStore
from webapp.app import create_app


def _closed(url: str, when: datetime, description: str) -> str:
    with TicketStore(url, prefix="JZ", clock=lambda: when) as store:
        order = store.create_work_order(
            NewWorkOrder(
                kind="投诉", description=description, address="焦东路88号", phone="13812345678", department="市城管局"
            )
        )
        WorkOrderLifecycle(store).close(order.number, actor="agent:1", note="当场答复")
        return order.number


def test_the_web_app_redacts_orders_past_the_retention_period(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    now = datetime.now(UTC)
    old = _closed(url, now - timedelta(days=40), "楼道堆放杂物")
    recent = _closed(url, now - timedelta(days=5), "路灯不亮")
    settings = Settings.from_values(
        database_url=url,
        var_dir=tmp_path / "var",
        retention_days=30,
        retention_interval_seconds=3600,
        sweep_interval_seconds=0,
        tracker_db_url=f"sqlite:///{tmp_path / 'tracker.db'}",
    )
    with TestClient(create_app(settings)):  # the lifespan starts the timers; the first run is at once
        deadline = time.monotonic() + 20
        with TicketStore(url, prefix="JZ") as store:
            while store.get(old).redacted_at is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert store.get(old).redacted_at is not None and store.get(old).phone is None
            assert store.get(recent).phone == "13812345678"
