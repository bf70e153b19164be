from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.ticket_backends import FakeClock, complaint
from tickets.models import AppendOnlyError, WorkOrderEvent
from tickets.status import (
    ALLOWED_TRANSITIONS,
    TERMINAL_STATUSES,
    WorkOrderStatus,
    can_transition,
)
from tickets.store import TicketStore, normalize_ticket_number


def test_number_format_and_initial_state(store: TicketStore) -> None:
    order = store.create_work_order(complaint())
    assert re.fullmatch(r"JZ\d{8}-\d{4}", order.number)
    assert order.number == "JZ20261122-0001"
    assert order.status == "已受理"
    assert order.department == "市城管局"
    assert order.local_government == "山阳区人民政府"
    assert order.created_at.tzinfo is not None


def test_daily_sequence_and_reset_on_a_new_beijing_day(store: TicketStore, clock: FakeClock) -> None:
    numbers = [store.create_work_order(complaint(f"第{i}件事")).number for i in range(3)]
    assert numbers == ["JZ20261122-0001", "JZ20261122-0002", "JZ20261122-0003"]
    # 16:30 UTC on the 22nd is already 00:30 on the 23rd in Beijing.
    clock.now = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    assert store.create_work_order(complaint("第二天的事")).number == "JZ20261123-0001"
    # 15:59 UTC is still the 22nd in Beijing: the old day's sequence continues.
    clock.now = datetime(2026, 11, 22, 15, 59, tzinfo=UTC)
    assert store.create_work_order(complaint("深夜的事")).number == "JZ20261122-0004"


def test_same_conversation_and_content_returns_existing_order(store: TicketStore) -> None:
    first = store.create_work_order(complaint(conversation_id="conv-1"))
    again = store.create_work_order(complaint(conversation_id="conv-1"))
    # Whitespace differences do not make a new complaint.
    spaced = store.create_work_order(complaint("楼下烧烤店每天夜里噪音扰民  ", conversation_id="conv-1"))
    assert again.number == spaced.number == first.number
    assert len(store.events(first.number)) == 1

    other_content = store.create_work_order(complaint("另一件事：路灯不亮", conversation_id="conv-1"))
    other_conversation = store.create_work_order(complaint(conversation_id="conv-2"))
    no_conversation = store.create_work_order(complaint())
    numbers = {first.number, other_content.number, other_conversation.number, no_conversation.number}
    assert len(numbers) == 4


@pytest.mark.parametrize(
    "messy",
    [
        "JZ20261122-0001",
        "  jz20261122-0001 ",
        "ＪＺ２０２６１１２２－０００１",
        "JZ 2026 1122 0001",
        "jz20261122—0001",
        "20261122-0001",
    ],
)
def test_get_accepts_messy_input(store: TicketStore, messy: str) -> None:
    store.create_work_order(complaint())
    found = store.get(messy)
    assert found is not None
    assert found.number == "JZ20261122-0001"
    assert found.description == "楼下烧烤店每天夜里噪音扰民"


def test_unknown_number_is_none(store: TicketStore) -> None:
    store.create_work_order(complaint())
    assert store.get("JZ20261122-0002") is None
    assert store.get("JZ19990101-0001") is None
    assert store.get("不是工单号") is None
    assert store.get("") is None
    assert store.events("JZ20261122-0099") == []


def test_creation_appends_an_accept_event(store: TicketStore) -> None:
    order = store.create_work_order(complaint(), actor="agent:1001")
    events = store.events(order.number)
    assert len(events) == 1
    assert events[0].action == "受理"
    assert events[0].actor == "agent:1001"
    assert events[0].from_status is None
    assert events[0].to_status == "已受理"
    assert events[0].at.tzinfo is not None


def test_events_are_append_only(store: TicketStore) -> None:
    order = store.create_work_order(complaint())
    from sqlalchemy import select, text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm import Session

    with Session(store.engine) as session:
        row = session.scalars(select(WorkOrderEvent)).one()
        row.note = "篡改"
        with pytest.raises(AppendOnlyError):
            session.flush()
    # Raw SQL is refused by the database itself (triggers from the migrations).
    for statement in ("DELETE FROM work_order_events", "UPDATE work_order_events SET note = 'x'"):
        with store.engine.connect() as raw, pytest.raises(DBAPIError, match="append-only"):
            raw.execute(text(statement))
    assert len(store.events(order.number)) == 1


def test_sqlite_refuses_raw_deletes_from_another_client(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "raw.db"
    with TicketStore(f"sqlite:///{path}", prefix="JZ", clock=clock) as opened:
        opened.create_work_order(complaint())
    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.IntegrityError):
        raw.execute("DELETE FROM work_order_events")


def test_unknown_kind_and_empty_description_are_rejected(store: TicketStore) -> None:
    with pytest.raises(ValueError):
        store.create_work_order(complaint(kind="闲聊"))
    with pytest.raises(ValueError):
        store.create_work_order(complaint("   "))


def test_two_threads_get_distinct_numbers(db_url: str, clock: FakeClock) -> None:
    # Two stores = two engines and connection pools, as two processes would have.
    stores = [TicketStore(db_url, prefix="JZ", clock=clock) for _ in range(2)]
    per_thread = 15
    results: list[list[str]] = [[], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                order = stores[index].create_work_order(complaint(f"线程{index}的第{i}件事"))
                results[index].append(order.number)
        except BaseException as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    numbers = results[0] + results[1]
    assert len(numbers) == len(set(numbers)) == 2 * per_thread
    expected = {f"JZ20261122-{n:04d}" for n in range(1, 2 * per_thread + 1)}
    assert set(numbers) == expected
    for store in stores:
        store.close()


def test_concurrent_duplicate_submissions_create_one_order(db_url: str, clock: FakeClock) -> None:
    stores = [TicketStore(db_url, prefix="JZ", clock=clock) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    numbers: list[str] = []

    def worker(store: TicketStore) -> None:
        barrier.wait()
        numbers.append(store.create_work_order(complaint(conversation_id="conv-race")).number)

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert numbers == ["JZ20261122-0001"] * len(stores)
    for store in stores:
        store.close()


def test_data_survives_reopening(db_url: str, clock: FakeClock) -> None:
    with TicketStore(db_url, prefix="JZ", clock=clock) as first:
        created = first.create_work_order(complaint(conversation_id="conv-9"))
    with TicketStore(db_url, prefix="JZ", clock=clock) as reopened:
        found = reopened.get(created.number)
        assert found == created
        assert [e.action for e in reopened.events(created.number)] == ["受理"]
        # The sequence continues where it stopped, and idempotency still holds.
        assert reopened.create_work_order(complaint("新的诉求")).number == "JZ20261122-0002"
        assert reopened.create_work_order(complaint(conversation_id="conv-9")).number == created.number


def test_sqlite_file_uses_wal(tmp_path: Path, clock: FakeClock) -> None:
    db_url = f"sqlite:///{tmp_path / 'wal.db'}"
    with TicketStore(db_url, prefix="JZ", clock=clock) as store:
        store.create_work_order(complaint())
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_views_are_frozen_plain_dataclasses(store: TicketStore) -> None:
    order = store.create_work_order(complaint())
    with pytest.raises(AttributeError):
        order.status = "已办结"  # type: ignore[misc]
    assert type(order).__module__ == "tickets.store"


def test_the_ticket_prefix_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="prefix"):
        TicketStore(f"sqlite:///{tmp_path / 'x.db'}", prefix="")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我的工单jz20261122-0001办得怎么样", "JZ20261122-0001"),
        ("工单号是ＪＺ２０２６１１２２－００１２，谢谢", "JZ20261122-0012"),
        ("JZ 20261122 0003 我的电话是13812345678", "JZ20261122-0003"),
        ("编号JZ20261122-0004，电话13812345678", "JZ20261122-0004"),
        ("我想问一下进度", None),
        ("我的电话13812345678", None),
        ("JZ20261399-0001", None),
    ],
)
def test_normalize_ticket_number(text: str, expected: str | None) -> None:
    assert normalize_ticket_number(text) == expected


def test_normalize_ticket_number_with_prefix_fills_missing_letters() -> None:
    assert normalize_ticket_number("20261122-0001", prefix="JZ") == "JZ20261122-0001"
    assert normalize_ticket_number("20261122-0001") is None


def test_status_transitions() -> None:
    assert [s.value for s in WorkOrderStatus] == ["已受理", "已转办", "办理中", "已答复", "已回访", "已办结", "退单"]
    assert set(ALLOWED_TRANSITIONS) == set(WorkOrderStatus)
    assert can_transition("已受理", "已转办")
    assert can_transition("已转办", "退单")
    assert can_transition("退单", "已转办")
    assert can_transition("已回访", "已办结")
    assert not can_transition("已受理", "已回访")
    assert not can_transition("已办结", "办理中")
    assert not can_transition("已受理", "不存在")
    assert {WorkOrderStatus.CLOSED} == TERMINAL_STATUSES


def test_blank_form_fields_are_stored_as_unknown(store: TicketStore) -> None:
    order = store.create_work_order(complaint(district="", address="  ", phone="", conversation_id=""))
    assert (order.district, order.address, order.phone, order.conversation_id) == (None, None, None, None)


def test_times_are_shown_in_beijing_time(store: TicketStore) -> None:
    order = store.create_work_order(complaint())
    assert order.created_at.utcoffset().total_seconds() == 8 * 3600
    assert order.created_at.strftime("%Y-%m-%d %H:%M") == "2026-11-22 10:00"
    assert store.events(order.number)[0].at == order.created_at


_WRITER = """
import sys
from tickets.store import NewWorkOrder, TicketStore
store = TicketStore(sys.argv[1], prefix="JZ")
for i in range(10):
    print(store.create_work_order(NewWorkOrder(kind="求助", description=f"{sys.argv[2]}-{i}")).number)
"""


def test_two_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    """Two processes (say, the action server and the web app) write the same fresh file."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, url, f"p{i}"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], [err for _, err in outputs]
    numbers = [line for out, _ in outputs for line in out.split()]
    assert len(numbers) == len(set(numbers)) == 20
    with TicketStore(url, prefix="JZ") as reader:
        assert all(reader.get(number) is not None for number in numbers)
