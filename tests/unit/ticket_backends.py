"""Helpers for the work-order tests: a clock the test moves, and a complaint with every field filled.

The fixtures that run those tests on SQLite and on a real PostgreSQL (``backend``, ``db_url``,
``store``, ``clock``, ``time_limits``) live in tests/conftest.py; pytest finds them there. Import the
helpers by name: ``from tests.unit.ticket_backends import FakeClock, complaint``.
"""

from __future__ import annotations

from datetime import datetime

from tickets.store import NewWorkOrder


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
