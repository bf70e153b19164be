"""Retention (issue 14, item 4): finished orders past the period are redacted; Rasa's tracker
store loses whole conversations past the period, or one conversation on request."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.ticket_backends import FakeClock, complaint
from tickets.lifecycle import WorkOrderLifecycle
from tickets.redaction import REDACTED
from tickets.retention import purge_expired, purge_tracker_events, redact_conversation
from tickets.store import TicketStore

YEAR = timedelta(days=365)


def _closed(store: TicketStore, description: str) -> str:
    number = store.create_work_order(complaint(description, conversation_id=description)).number
    WorkOrderLifecycle(store).close(number, actor="agent:07", note="当场答复")
    return number


def test_purge_expired_redacts_finished_orders_past_the_period(store: TicketStore, clock: FakeClock) -> None:
    old_closed = _closed(store, "去年办结的")
    old_open = store.create_work_order(complaint("去年受理、仍在办理的")).number
    clock.now += timedelta(days=300)
    recent_closed = _closed(store, "近期办结的")
    clock.now += timedelta(days=100)

    result = purge_expired(store, YEAR, now=clock.now)

    assert result.redacted == (old_closed,)
    assert result.cutoff == clock.now - YEAR
    assert store.get(old_closed).description == REDACTED
    assert store.events(old_closed)[-1].action == "信息删除"
    assert store.events(old_closed)[-1].actor == "system:retention"
    assert store.get(old_open).redacted_at is None  # still being handled
    assert store.get(recent_closed).redacted_at is None  # within the period
    assert purge_expired(store, YEAR, now=clock.now).redacted == ()


def test_purge_expired_handles_more_than_one_batch(store: TicketStore, clock: FakeClock, monkeypatch) -> None:
    import tickets.retention as retention

    monkeypatch.setattr(retention, "BATCH", 2)
    numbers = [_closed(store, f"第{i}件") for i in range(5)]
    clock.now += timedelta(days=366)
    assert sorted(purge_expired(store, YEAR, now=clock.now).redacted) == numbers


def test_purge_expired_refuses_a_zero_period(store: TicketStore, clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        purge_expired(store, timedelta(0), now=clock.now)


# ---------------------------------------------------------------------- Rasa's tracker store
# Rasa 3.6 SQLTrackerStore's table, as it creates it.
_TRACKER_SCHEMA = """
CREATE TABLE events (
    id INTEGER NOT NULL PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
);
CREATE INDEX ix_events_sender_id ON events (sender_id);
"""
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


def _tracker(tmp_path: Path, conversations: dict[str, list[datetime]]) -> str:
    path = tmp_path / "rasa_tracker.db"
    with sqlite3.connect(path) as raw:
        raw.executescript(_TRACKER_SCHEMA)
        for sender, moments in conversations.items():
            for moment in moments:
                data = {"event": "user", "text": "我的电话是13812345678", "timestamp": moment.timestamp()}
                raw.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (?, 'user', ?, 'inform', NULL, ?)",
                    (sender, moment.timestamp(), json.dumps(data, ensure_ascii=False)),
                )
    return f"sqlite:///{path}"


def _senders(url: str) -> dict[str, int]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
        return dict(raw.execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id").fetchall())


def test_purge_tracker_events_deletes_whole_stale_conversations(tmp_path: Path) -> None:
    url = _tracker(
        tmp_path,
        {
            "stale": [NOW - timedelta(days=500), NOW - timedelta(days=400)],
            "ongoing": [NOW - timedelta(days=500), NOW - timedelta(days=1)],  # newest event is recent
            "recent": [NOW - timedelta(hours=1)],
        },
    )
    result = purge_tracker_events(url, YEAR, NOW)
    assert (result.conversations, result.events) == (1, 2)
    assert _senders(url) == {"ongoing": 2, "recent": 1}
    assert purge_tracker_events(url, YEAR, NOW).events == 0


def test_redact_conversation_deletes_one_conversations_events(tmp_path: Path) -> None:
    url = _tracker(tmp_path, {"conv-pii": [NOW, NOW], "conv-other": [NOW]})
    assert redact_conversation(url, "conv-pii") == 2
    assert _senders(url) == {"conv-other": 1}
    assert redact_conversation(url, "conv-pii") == 0
    with pytest.raises(ValueError):
        redact_conversation(url, " ")


def test_a_tracker_database_rasa_has_not_written_yet(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert purge_tracker_events(url, YEAR, NOW).events == 0
    assert redact_conversation(url, "conv-1") == 0


def test_a_tracker_database_whose_file_does_not_exist_is_left_alone(tmp_path: Path) -> None:
    """The web app's retention timer may run before Rasa has ever started (the CI failure of stop 23:
    "unable to open database file" logged from the timer's thread)."""
    missing = tmp_path / "not-yet" / "tracker.db"
    url = f"sqlite:///{missing}"
    assert purge_tracker_events(url, YEAR, NOW).conversations == 0
    assert redact_conversation(url, "conv-1") == 0
    assert not missing.parent.exists()
