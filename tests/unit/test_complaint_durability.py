"""No complaint lost, nobody frozen out: the submit action against a real SQLite store that is
down or locked, the durable outbox, and the hand-off queue (issue 14, items 2, 8 and 9)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions import complaint, conversation, handoff, services
from settings import Settings
from tickets.handoffs import HandoffQueue
from tickets.outbox import Outbox
from tickets.store import NewWorkOrder, TicketStore

PHONE = "13912345678"
SLOTS = {
    "complaint_confirmed": True,
    "order_kind": "投诉",
    "complaint_description": "小区门口烧烤摊半夜太吵",
    "district": "山阳区",
    "location": "山阳区塔南路1号",
    "phone": PHONE,
}


def tracker(
    text: str = "对", intent: str = "affirm", slots: dict[str, Any] | None = None, sender: str = "caller-1"
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent}, "entities": []}
    read_back = {"event": "bot", "text": "我跟您核对一下：您反映的问题是……信息没问题请说“对”。"}
    return Tracker(
        sender,
        dict(slots or {}),
        latest,
        [read_back, {"event": "user", "text": text, "parse_data": latest}],
        False,
        None,
        {},
        "action_listen",
    )


def submit(slots: dict[str, Any] = SLOTS, sender: str = "caller-1") -> tuple[str, list[dict]]:
    dispatcher = CollectingDispatcher()
    asyncio.run(complaint.ActionSubmitComplaint().run(dispatcher, tracker(slots=slots, sender=sender), {}))
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), dispatcher.messages


@pytest.fixture()
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "hotline.db"
    store = TicketStore(f"sqlite:///{path}", prefix="JZ")
    monkeypatch.setattr(services, "ticket_store", lambda: store)
    outbox = Outbox(tmp_path / "outbox")
    monkeypatch.setattr(services, "outbox", lambda: outbox)
    decision = SimpleNamespace(
        department="市城管局", local_government=None, reason="test", needs_review=False, tier=None, matter=None
    )
    monkeypatch.setattr(services, "router", lambda: SimpleNamespace(route=lambda text, district: decision))
    settings = Settings.from_values(db_deadline_seconds=0.5)
    monkeypatch.setattr(services, "settings", lambda: settings)
    yield path
    store.close()


def orders(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT number, public_ref, status FROM work_orders").fetchall()


def test_a_confirmed_complaint_is_filed_and_the_outbox_left_empty(db: Path) -> None:
    said, messages = submit()
    assert "已受理" in said and len(orders(db)) == 1
    assert services.outbox().pending() == []
    card = messages[0]["custom"]["work_order"]
    assert card["number"] == orders(db)[0][0] and card["reference"] == orders(db)[0][1]


def test_with_the_database_down_the_caller_is_told_the_truth_and_nothing_is_lost(db, monkeypatch) -> None:
    working = services.ticket_store

    def down() -> TicketStore:
        raise OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(services, "ticket_store", down)
    said, messages = submit()
    reference = messages[0]["custom"]["work_order"]["reference"]
    assert "已经记录" in said and reference in said and "工单号是" not in said
    assert [entry.public_ref for entry in services.outbox().pending()] == [reference]
    assert orders(db) == []

    monkeypatch.setattr(services, "ticket_store", working)
    assert services.deliver_outbox() == 1
    assert services.deliver_outbox() == 0  # exactly once
    assert [(ref, status) for _, ref, status in orders(db)] == [(reference, "已转办")]


def test_a_write_lock_does_not_freeze_the_action_server(db: Path) -> None:
    """A lock held on the database: the caller hears back within the deadline, an emergency in
    another conversation at the same time is answered at once, and the order is filed once the
    lock goes."""
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")

    async def both() -> tuple[float, float, str]:
        started = time.monotonic()
        dispatcher = CollectingDispatcher()
        fire = CollectingDispatcher()
        submitting = asyncio.create_task(complaint.ActionSubmitComplaint().run(dispatcher, tracker(slots=SLOTS), {}))
        await asyncio.sleep(0.05)
        conversation.ActionEmergency().run(fire, tracker("着火了，楼道里全是烟", "emergency", sender="other"), {})
        fire_after = time.monotonic() - started
        await submitting
        return fire_after, time.monotonic() - started, dispatcher.messages[0]["text"] + fire.messages[0]["text"]

    try:
        fire_after, submit_after, said = asyncio.run(both())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert fire_after < 0.5 and "119" in said
    assert submit_after < 3 and "已经记录" in said
    deadline = time.monotonic() + 30
    while services.outbox().pending() and time.monotonic() < deadline:
        services.deliver_outbox()
        time.sleep(0.2)
    assert len(orders(db)) == 1 and services.outbox().pending() == []


def test_the_outbox_survives_a_torn_last_line(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    outbox.append(NewWorkOrder(kind="投诉", description="路灯不亮", public_ref="ABCD2345"))
    with (tmp_path / "outbox" / "pending.jsonl").open("a") as journal:
        journal.write('{"kind": "投诉", "descr')  # the process died in the middle of a write
    assert [entry.public_ref for entry in Outbox(tmp_path / "outbox").pending()] == ["ABCD2345"]


def test_the_hand_off_summary_goes_to_the_agents_queue_only(db: Path) -> None:
    slots = {"complaint_description": "楼上漏水", "location": "解放区民主路8号", "phone": PHONE}
    dispatcher = CollectingDispatcher()
    asyncio.run(handoff.ActionHandoff().run(dispatcher, tracker("转人工", "request_human", slots=slots), {}))
    message = dispatcher.messages[0]
    assert message["custom"] == {"handoff": {"queued": True}} and PHONE not in str(message)
    waiting = HandoffQueue(services.ticket_store()).waiting()
    assert len(waiting) == 1 and waiting[0].conversation_id == "caller-1"
    assert PHONE in str(waiting[0].summary) and "民主路8号" in str(waiting[0].summary)


def test_a_second_confirmation_after_a_failure_names_the_same_order(db: Path, monkeypatch) -> None:
    """The caller is told a reference while the database is down, then confirms again: both
    answers lead to the one order that exists."""
    working = services.ticket_store
    monkeypatch.setattr(services, "ticket_store", lambda: (_ for _ in ()).throw(OSError("down")))
    _, first = submit()
    monkeypatch.setattr(services, "ticket_store", working)
    said, second = submit()
    told = first[0]["custom"]["work_order"]["reference"]
    assert second[0]["custom"]["work_order"]["reference"] == told and "已受理" in said
    services.deliver_outbox()
    assert len(orders(db)) == 1 and working().find_by_reference(told) is not None


def test_a_hanging_delivery_does_not_block_new_complaints(tmp_path: Path) -> None:
    """Filing from the outbox may hang on a locked database; writing a new complaint to the journal
    must not wait for it."""
    import threading

    outbox = Outbox(tmp_path / "outbox")
    outbox.append(NewWorkOrder(kind="投诉", description="路灯不亮", public_ref="ABCD2345"))
    release = threading.Event()

    def hanging(new: NewWorkOrder) -> object:
        release.wait(10)
        raise OSError("database locked")

    worker = threading.Thread(target=outbox.deliver, args=(hanging,))
    worker.start()
    time.sleep(0.2)
    started = time.monotonic()
    outbox.append(NewWorkOrder(kind="投诉", description="井盖丢了", public_ref="EFGH6789"))
    assert time.monotonic() - started < 1
    release.set()
    worker.join()
    assert [entry.public_ref for entry in outbox.pending()] == ["ABCD2345", "EFGH6789"]


def test_stale_slots_of_a_failed_submission_are_never_filed_unread(db: Path) -> None:
    """The action server died before it could clear the form; the caller's next complaint opening
    completes the form at once. Nothing is filed: the new complaint starts afresh."""
    stale = dict(SLOTS)
    opening = {"event": "user", "text": "我要投诉，楼下饭店油烟太大", "parse_data": {"intent": {"name": "complain"}}}
    latest = {"text": opening["text"], "intent": {"name": "complain"}, "entities": []}
    before = [{"event": "bot", "text": "抱歉，我没有听明白。"}, opening]
    tracker = Tracker("caller-1", stale, latest, before, False, None, {}, "complaint_form")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(complaint.ActionSubmitComplaint().run(dispatcher, tracker, {}))
    assert orders(db) == [] and dispatcher.messages == []
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["complaint_description"] is None and slots["complaint_confirmed"] is None
    assert events[-1] == {"event": "followup", "name": "complaint_form", "timestamp": None}


def test_an_unset_confirmation_is_not_a_cancellation(db: Path) -> None:
    slots = {**SLOTS, "complaint_confirmed": None}
    said, _ = submit(slots)
    assert "不提交" not in said and orders(db) == []


def test_a_confirmation_after_the_read_back_files(db: Path) -> None:
    read_back = {"event": "bot", "text": "我跟您核对一下：您反映的问题是……"}
    latest = {"text": "对", "intent": {"name": "affirm"}, "entities": []}
    tracker = Tracker(
        "caller-1",
        dict(SLOTS),
        latest,
        [read_back, {"event": "user", "text": "对", "parse_data": latest}],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(complaint.ActionSubmitComplaint().run(dispatcher, tracker, {}))
    assert len(orders(db)) == 1 and "已受理" in dispatcher.messages[0]["text"]
