"""A row lock held elsewhere fails a PostgreSQL write after the lock timeout instead of holding the
worker (and its connection) for as long as the lock lives (issue 14, item 9)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

import tickets.store as store_module
from tests.unit.ticket_backends import complaint
from tickets.store import TicketStore


def test_a_held_row_lock_times_out(db_url: str, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has its busy timeout (tested with the store)")
    monkeypatch.setattr(store_module, "LOCK_TIMEOUT_MS", 500)
    with TicketStore(db_url, prefix="JZ") as store:
        number = store.create_work_order(complaint()).number
        holder = create_engine(db_url).connect()
        transaction = holder.begin()
        holder.execute(text("SELECT id FROM work_orders WHERE number = :n FOR UPDATE"), {"n": number})
        started = time.monotonic()
        try:
            with pytest.raises(OperationalError):
                store.append_event(number, "备注", "agent:01", note="锁住了")
        finally:
            transaction.rollback()
            holder.close()
        assert time.monotonic() - started < 5
        assert [e.action for e in store.events(number)][-1] != "备注"
        store.append_event(number, "备注", "agent:01", note="锁放开了")  # the search_path option survived
