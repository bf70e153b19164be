"""No caller frozen out, no complaint lost, with the real Rasa and action server (issue 14, item 9):
a write lock held on the work-order database while one caller confirms a complaint and another
reports a fire."""

from __future__ import annotations

import re
import sqlite3
import threading
import time

import pytest

from routing.directory import CityDirectory
from settings import load_settings
from tickets.store import TicketStore

pytestmark = pytest.mark.e2e
REFERENCE = re.compile(r"受理编号是([2-9A-Z]{8})")


def test_a_locked_database_freezes_nobody_and_loses_nothing(assistant) -> None:
    caller, neighbour = assistant.new_sender(), assistant.new_sender()
    assistant.texts(caller, "我要投诉，小区门口的垃圾箱满了一个星期没人清运")
    assistant.texts(caller, "解放区民主路和平小区门口")
    assert "对" in assistant.texts(caller, "13912345678")  # the read-back

    path = assistant.database_url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None, timeout=30)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    answers: dict[str, tuple[float, str]] = {}

    def confirm() -> None:
        started = time.monotonic()
        said = assistant.texts(caller, "对")
        answers["caller"] = (time.monotonic() - started, said)

    try:
        thread = threading.Thread(target=confirm)
        thread.start()
        time.sleep(0.5)
        started = time.monotonic()
        fire = assistant.texts(neighbour, "着火了，楼道里全是烟")
        fire_after = time.monotonic() - started
        thread.join(timeout=60)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    assert "119" in fire and fire_after < 3, (fire_after, fire)
    waited, told = answers["caller"]
    assert waited < 15, waited
    match = REFERENCE.search(told)
    assert match and "已经记录" in told, told

    prefix = CityDirectory.load(load_settings().city_dir).ticket_prefix
    with TicketStore(assistant.database_url, prefix=prefix) as store:
        deadline = time.monotonic() + 60
        while store.find_by_reference(match.group(1)) is None and time.monotonic() < deadline:
            time.sleep(1)
        order = store.find_by_reference(match.group(1))
        assert order is not None and order.conversation_id == caller
        mine = [o for o in store.find(limit=1000) if o.conversation_id == caller]
        assert len(mine) == 1  # exactly once
